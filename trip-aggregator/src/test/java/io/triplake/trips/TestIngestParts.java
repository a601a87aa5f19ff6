package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.iceberg.io.FileInfo;
import org.junit.jupiter.api.Test;

/** How an ingest run splits the listing: whole devices, in order, up to the bytes per part. */
class TestIngestParts {
  private static final String ROOT = "s3://raw/";

  private static FileInfo file(String relative, long size) {
    return new FileInfo(ROOT + relative, size, 0L);
  }

  private static List<List<String>> parts(List<FileInfo> listed, long maxBytes) {
    return BatchedTripIngest.batches(listed, ROOT, maxBytes).stream()
        .map(p -> p.stream().map(f -> f.location().substring(ROOT.length())).toList())
        .toList();
  }

  @Test
  void devicesAreNeverSplitAndPartsStayWithinTheBytesUnlessOneDeviceIsLarger() {
    List<FileInfo> listed =
        List.of(
            file("B2/m/2024/01/01/1.parquet", 40),
            file("A1/m/2024/01/01/1.parquet", 30),
            file("A1/n/2024/01/01/2.parquet", 30),
            file("C3/m/2024/01/01/1.parquet", 150),
            file("D4/m/2024/01/01/1.parquet", 10),
            file("README.md", 5));
    assertThat(parts(listed, 100))
        .containsExactly(
            // Loose files go with the first device and weigh nothing: A1 (60) + B2 (40) fit.
            List.of(
                "README.md",
                "A1/m/2024/01/01/1.parquet",
                "A1/n/2024/01/01/2.parquet",
                "B2/m/2024/01/01/1.parquet"),
            List.of("C3/m/2024/01/01/1.parquet"),
            List.of("D4/m/2024/01/01/1.parquet"));
    assertThat(parts(listed, Long.MAX_VALUE)).hasSize(1).first().asList().hasSize(6);
    assertThat(parts(listed, 1)).hasSize(4);
    assertThat(parts(List.of(file("README.md", 5)), 1)).containsExactly(List.of("README.md"));
  }

  @Test
  void nothingListedIsOneEmptyPart() {
    assertThat(parts(List.of(), 100)).containsExactly(List.of());
  }
}
