package io.triplake.bench.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.bench.s3.RequestKinds.Key;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** S3 requests as S3FileIO and the SDK send them path-style, and the lines S3 bills them on. */
class TestRequestKinds {
  private static final RequestKinds.Classifier S3 =
      RequestKinds.s3(Map.of("lake-raw", "raw", "lake-wh", "warehouse"));

  private static Key s3(String method, String target) {
    return S3.classify(method, target, Map.of());
  }

  @Test
  void objectsAndListingsOfEachBucket() {
    assertThat(s3("GET", "/lake-raw/10000001/CAN2_gnss_speed/2024/01/01/00000001_00000001.parquet"))
        .isEqualTo(new Key("raw", "GET"));
    assertThat(s3("GET", "/lake-raw?list-type=2&prefix=&encoding-type=url"))
        .isEqualTo(new Key("raw", "LIST"));
    assertThat(s3("GET", "/lake-raw/?list-type=2&continuation-token=abc"))
        .isEqualTo(new Key("raw", "LIST"));
    assertThat(s3("GET", "/lake-raw")).isEqualTo(new Key("raw", "LIST"));
    assertThat(s3("GET", "/lake-wh?location")).isEqualTo(new Key("warehouse", "GET"));
    assertThat(s3("HEAD", "/lake-wh/raw.db/t/metadata/v1.metadata.json"))
        .isEqualTo(new Key("warehouse", "HEAD"));
    assertThat(s3("PUT", "/lake-wh/raw.db/t/metadata/snap-1.avro"))
        .isEqualTo(new Key("warehouse", "PUT"));
    assertThat(s3("DELETE", "/lake-wh/raw.db/t/data/x.parquet"))
        .isEqualTo(new Key("warehouse", "DELETE"));
  }

  @Test
  void multipartUploadsAndBulkDeletes() {
    assertThat(s3("POST", "/lake-wh/trips.db/t/data/x.parquet?uploads"))
        .isEqualTo(new Key("warehouse", "POST"));
    assertThat(s3("PUT", "/lake-wh/trips.db/t/data/x.parquet?partNumber=1&uploadId=u"))
        .isEqualTo(new Key("warehouse", "PUT"));
    assertThat(s3("POST", "/lake-wh/trips.db/t/data/x.parquet?uploadId=u"))
        .isEqualTo(new Key("warehouse", "POST"));
    assertThat(s3("GET", "/lake-wh/trips.db/t/data/x.parquet?uploadId=u"))
        .isEqualTo(new Key("warehouse", "LIST"));
    assertThat(s3("GET", "/lake-wh?uploads")).isEqualTo(new Key("warehouse", "LIST"));
    assertThat(s3("POST", "/lake-wh?delete")).isEqualTo(new Key("warehouse", "DELETE"));
  }

  @Test
  void bucketsWithoutARoleAndTheServiceItself() {
    assertThat(s3("PUT", "/artifacts/conf/catalog.properties")).isEqualTo(new Key("other", "PUT"));
    assertThat(s3("GET", "/")).isEqualTo(new Key("other", "LIST"));
    assertThat(s3("OPTIONS", "/lake-raw/x")).isEqualTo(new Key("raw", "OTHER"));
  }

  @Test
  void glueRequestsByOperation() {
    RequestKinds.Classifier glue = RequestKinds.glue();

    assertThat(glue.classify("POST", "/", Map.of("x-amz-target", "AWSGlue.GetTable")))
        .isEqualTo(new Key("glue", "GetTable"));
    assertThat(glue.classify("POST", "/", Map.of())).isEqualTo(new Key("glue", "OTHER"));
  }
}
