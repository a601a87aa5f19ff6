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
  void filesOutsideTheLastDaysAreLeftOutBeforeTheyWeighOnAPart() {
    List<FileInfo> listing =
        List.of(
            // A year of A1's history: registration would leave it out, so must the parts.
            file("0000000A/m/2023/01/02/old.parquet", 1_000),
            file("0000000A/m/2024/01/01/1.parquet", 30),
            file("0000000A/m/2024/01/02/2.parquet", 30),
            file("0000000A/m/2024/01/03/late.parquet", 30),
            file("0000000B/m/2024/01/02/1.parquet", 40),
            // Off the layout: registration rejects it, naming it, so it stays.
            file("0000000B/m/2024/13/02/bad.parquet", 5));
    List<FileInfo> listed =
        BatchedTripIngest.listed(listing, ROOT, 2, java.time.LocalDate.of(2024, 1, 2));
    // 0000000A weighs 60 and 0000000B 45: one part of 110 bytes holds both.
    assertThat(parts(listed, 110))
        .containsExactly(
            List.of(
                "0000000A/m/2024/01/01/1.parquet",
                "0000000A/m/2024/01/02/2.parquet",
                "0000000B/m/2024/01/02/1.parquet",
                "0000000B/m/2024/13/02/bad.parquet"));
    assertThat(BatchedTripIngest.listed(listing, ROOT, 0, null)).isEqualTo(listing);
  }

  @Test
  void nothingListedIsOneEmptyPart() {
    assertThat(parts(List.of(), 100)).containsExactly(List.of());
  }
}
