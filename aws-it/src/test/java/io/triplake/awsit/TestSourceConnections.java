package io.triplake.awsit;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.bench.s3.CountingProxy;
import io.triplake.bench.s3.MotoServerProcess;
import io.triplake.bench.s3.RequestKinds;
import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.lake.RawFileWriter;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.io.FileIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Registration's footer reads really run {@code --parallelism} at a time against S3: the raw
 * source's S3 client holds that many connections ({@link Lake#sourceIO(int)}). With the SDK's pool
 * of 50, 128 reads in flight queued for a connection, so at S3's ~30 ms per request registration
 * could not pass 50 / 0.03 s = 1,667 files a second. Every S3 request here waits 200 ms in a
 * counting proxy in front of moto, long enough that the reads overlap whatever this machine's
 * speed.
 */
class TestSourceConnections {
  @RegisterExtension static final MotoServer MOTO = new MotoServer();

  private static final String RAW_BUCKET = "connections-raw";
  private static final String WAREHOUSE_BUCKET = "connections-warehouse";
  private static final int FILES = 240;
  private static final int IN_FLIGHT = 128;

  private static Path temp;
  private static CountingProxy proxy;

  @BeforeAll
  static void uploadManySmallFiles() throws IOException {
    temp = Files.createTempDirectory("trip-lake-connections");
    Path file = temp.resolve("one.parquet");
    try (RawFileWriter writer = RawFileWriter.open(file, true, List.of("Speed"))) {
      writer.write(1_700_000_000_000_000L, 12.5);
    }
    byte[] bytes = Files.readAllBytes(file);
    try (S3Client s3 = MOTO.s3();
        GlueClient glue = MotoServerProcess.glue(MOTO.endpoint())) {
      s3.createBucket(b -> b.bucket(RAW_BUCKET));
      s3.createBucket(b -> b.bucket(WAREHOUSE_BUCKET));
      for (int i = 0; i < FILES; i++) {
        String key = String.format("%08X/CAN2_gnss_speed/2024/01/01/%08d.parquet", i, i);
        s3.putObject(b -> b.bucket(RAW_BUCKET).key(key), RequestBody.fromBytes(bytes));
      }
      for (String db : List.of("pooled", "defaultpool", "trips")) {
        glue.createDatabase(
            b ->
                b.databaseInput(
                    d -> d.name(db).locationUri("s3://" + WAREHOUSE_BUCKET + "/" + db + ".db")));
      }
    }
    proxy =
        CountingProxy.start(
            URI.create(MOTO.endpoint()),
            Duration.ofMillis(200),
            RequestKinds.s3(Map.of(RAW_BUCKET, "raw", WAREHOUSE_BUCKET, "warehouse")));
  }

  @AfterAll
  static void stop() throws IOException {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void theSourcesClientKeepsAsManyReadsInFlightAsTheRegistrarAsks() throws IOException {
    int pooled = maxRawReadsInFlight("pooled", lake -> lake.sourceIO(IN_FLIGHT));
    assertThat(pooled).as("raw GETs forwarded at once").isGreaterThan(100);
  }

  @Test
  void theSdksDefaultPoolWouldHaveQueuedThem() throws IOException {
    // The control: the same registration through a client with the SDK's default pool. Without it
    // the test above could pass for another reason than the pool's size.
    int defaultPool = maxRawReadsInFlight("defaultpool", Lake::sourceIO);
    assertThat(defaultPool).as("raw GETs forwarded at once").isLessThanOrEqualTo(50);
  }

  private static int maxRawReadsInFlight(
      String namespace, java.util.function.Function<Lake, FileIO> sourceIO) throws IOException {
    Lake lake = Lake.fromCatalogConf(catalogConf(namespace)).withNamespaces(namespace, "trips");
    RawFileRegistrar.Result result;
    // Only the footer reads overlap: the registrar's catalog requests come one at a time, so the
    // most requests in flight is the raw reads'.
    proxy.reset();
    try (FileIO io = sourceIO.apply(lake)) {
      result =
          RawFileRegistrar.of(lake, lake.catalog(), io)
              .source("s3://" + RAW_BUCKET + "/")
              .parallelism(IN_FLIGHT)
              .execute();
    }
    int max = proxy.maxInFlight();
    assertThat(result.registeredFiles()).isEqualTo(FILES);
    assertThat(proxy.reset().requests("raw", RequestKinds.GET)).isEqualTo(FILES);
    assertThat(proxy.failures()).as("%s", proxy.failureMessages()).isZero();
    return max;
  }

  private static Path catalogConf(String namespace) throws IOException {
    Path file = temp.resolve(namespace + ".properties");
    Files.writeString(
        file,
        String.join(
            "\n",
            "type=glue",
            "warehouse=s3://" + WAREHOUSE_BUCKET + "/",
            "io-impl=org.apache.iceberg.aws.s3.S3FileIO",
            "client.region=" + MotoServer.REGION.id(),
            "glue.id=" + MotoServer.ACCOUNT_ID,
            "glue.endpoint=" + MOTO.endpoint(),
            "s3.endpoint=" + proxy.endpoint(),
            "s3.path-style-access=true",
            ""));
    return file;
  }
}
