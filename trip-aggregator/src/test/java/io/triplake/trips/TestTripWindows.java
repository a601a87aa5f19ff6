package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.RawSchema;
import io.triplake.trips.RawMetadata.FileSpan;
import io.triplake.trips.TripWindows.Window;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Recompute windows from raw files' metadata. The chaining itself is pure; the windows around a
 * change are planned on a real Iceberg table whose files exist in its metadata only (the plan never
 * reads a row).
 */
class TestTripWindows {
  private static final long MINUTE = 60_000_000L;
  private static final long GAP = 10 * MINUTE;
  private static final Types.TimestampType TIME_TYPE = Types.TimestampType.withZone();
  private static final int TIME_ID = 2;

  /** A raw table as registration creates it: partitioned by device, {@code t} in microseconds. */
  private static final Schema RAW =
      new Schema(
          Types.NestedField.required(1, RawSchema.DEVICE, Types.StringType.get()),
          Types.NestedField.optional(TIME_ID, RawSchema.TIME, TIME_TYPE));

  private static final PartitionSpec BY_DEVICE =
      PartitionSpec.builderFor(RAW).identity(RawSchema.DEVICE).build();

  @TempDir Path dir;
  private Table identifier;

  @BeforeEach
  void createTable() {
    identifier =
        new HadoopTables(new Configuration())
            .create(RAW, BY_DEVICE, dir.resolve("identifier").toString());
  }

  // ---------------------------------------------------------------- chains and merges, pure

  private static FileSpan span(long loMinutes, long hiMinutes) {
    return new FileSpan("f" + loMinutes, "A", loMinutes * MINUTE, hiMinutes * MINUTE, 1, 1, 0);
  }

  private static Window window(String device, long loMinutes, long hiMinutes) {
    return new Window(device, loMinutes * MINUTE, hiMinutes * MINUTE);
  }

  @Test
  void filesChainWhileTheNextStartsWithinTheGapOfTheFurthestEndSoFar() {
    // Given out of order. [5, 10] lies inside [0, 30], and 40 starts exactly the gap after 30: a
    // chain ends at its furthest end, not at its last file's. 61 starts one minute more than the
    // gap after 50.
    List<FileSpan> files =
        List.of(span(40, 45), span(61, 70), span(0, 30), span(5, 10), span(45, 50));
    assertThat(TripWindows.chains("A", files, GAP))
        .containsExactly(window("A", 0, 50), window("A", 61, 70));

    List<FileSpan> inside = List.of(span(0, 100), span(10, 20), span(110, 120));
    assertThat(TripWindows.chains("A", inside, GAP)).containsExactly(window("A", 0, 120));
    assertThat(TripWindows.chains("A", List.of(), GAP)).isEmpty();
  }

  @Test
  void windowsMergeWhenTheyOverlapOrTouch() {
    // In microseconds: windows are inclusive, so [0, 10] and [11, 20] leave no instant between
    // them.
    Window a = new Window("A", 0, 10);
    assertThat(TripWindows.merge(List.of(new Window("A", 11, 20), a, new Window("A", 5, 7))))
        .containsExactly(new Window("A", 0, 20));
    assertThat(TripWindows.merge(List.of(new Window("A", 12, 20), a)))
        .containsExactly(a, new Window("A", 12, 20));
  }

  @Test
  void additionSaturatesInsteadOfOverflowing() {
    assertThat(TripWindows.saturatedAdd(Long.MAX_VALUE - 1, 5)).isEqualTo(Long.MAX_VALUE);
    assertThat(TripWindows.saturatedAdd(Long.MIN_VALUE + 1, -5)).isEqualTo(Long.MIN_VALUE);
    assertThat(TripWindows.saturatedAdd(-3, 5)).isEqualTo(2);
  }

  // ---------------------------------------------------------------- windows around changes, on a
  // table

  /**
   * A file of the identifier table that exists in metadata only, with its {@code t} bounds in
   * minutes.
   */
  private DataFile file(String device, long loMinutes, long hiMinutes) {
    return DataFiles.builder(BY_DEVICE)
        .withPath(dir.resolve(device + "-" + loMinutes + "-" + hiMinutes + ".parquet").toString())
        .withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(1024)
        .withPartitionPath(RawSchema.DEVICE + "=" + device)
        .withMetrics(new Metrics(1L, null, null, null, null, bound(loMinutes), bound(hiMinutes)))
        .build();
  }

  private static Map<Integer, ByteBuffer> bound(long minutes) {
    return Map.of(TIME_ID, Conversions.toByteBuffer(TIME_TYPE, minutes * MINUTE));
  }

  private long append(DataFile... files) {
    AppendFiles append = identifier.newAppend();
    for (DataFile f : files) {
      append.appendFile(f);
    }
    append.commit();
    return identifier.currentSnapshot().snapshotId();
  }

  /**
   * Device A: chains [0, 60] (two files 5 minutes apart) and [100, 120] minutes. Device B has a
   * file from 61 to 99: were it counted for A, it would bridge A's two chains into one.
   */
  private long twoChainsOfAAndABridgeOfB() {
    return append(file("A", 0, 30), file("A", 35, 60), file("A", 100, 120), file("B", 61, 99));
  }

  private List<Window> around(Long snapshotId, Window... changed) {
    Map<String, List<Window>> byDevice = new TreeMap<>();
    for (Window w : changed) {
      byDevice.computeIfAbsent(w.device(), k -> new ArrayList<>()).add(w);
    }
    return TripWindows.around(identifier, snapshotId, byDevice, GAP);
  }

  /** One change of A, in minutes, padded by the gap and widened to every chain it then touches. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          inside a chain: that whole chain and no other              | 50 | 50 |  0 |  60
          within the gap after a chain: that chain                   | 70 | 70 |  0 |  80
          exactly the gap before a chain: that chain                 | 90 | 90 | 80 | 120
          far from every chain: itself (a deleted file, its old trips) | 75 | 85 | 65 |  95
          """)
  void aChangeTakesEveryChainWithinTheGapOfIt(
      String change, long lo, long hi, long windowLo, long windowHi) {
    long snapshot = twoChainsOfAAndABridgeOfB();
    assertThat(around(snapshot, window("A", lo, hi)))
        .containsExactly(window("A", windowLo, windowHi));
  }

  @Test
  void changesInTwoChainsGiveTwoWindows() {
    long snapshot = twoChainsOfAAndABridgeOfB();
    // B changes too, so B's file is planned in the same look-around: it must still not join A's
    // chains.
    assertThat(around(snapshot, window("A", 10, 10), window("A", 110, 110), window("B", 70, 70)))
        .containsExactly(window("A", 0, 60), window("A", 100, 120), window("B", 60, 99));
  }

  @Test
  void theWindowsFollowTheSnapshotTheyArePlannedOn() {
    long before = twoChainsOfAAndABridgeOfB();
    // A late file of A fills the stretch between its chains: one trip now, from 0 to 120.
    long after = append(file("A", 65, 95));
    assertThat(around(before, window("A", 50, 50))).containsExactly(window("A", 0, 60));
    assertThat(around(after, window("A", 50, 50))).containsExactly(window("A", 0, 120));
  }

  @Test
  void aChainLongerThanTheFirstLookAroundIsFollowedToItsStart() {
    // Three days of hour-long files 5 minutes apart: the first look around the change covers one
    // day.
    List<DataFile> files = new ArrayList<>();
    for (long start = 0; start < 3 * 24 * 60; start += 65) {
      files.add(file("A", start, start + 60));
    }
    long snapshot = append(files.toArray(DataFile[]::new));
    long last = 66 * 65;
    assertThat(around(snapshot, window("A", last + 30, last + 30)))
        .containsExactly(window("A", 0, last + 60));
  }

  @Test
  void withoutASnapshotOnlyTheChangesPaddedByTheGapAreRecomputed() {
    assertThat(around(null, window("A", 50, 50), window("A", 65, 65), window("A", 200, 200)))
        .containsExactly(window("A", 40, 75), window("A", 190, 210));
  }
}
