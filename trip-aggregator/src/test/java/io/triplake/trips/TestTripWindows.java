package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.RawSchema;
import io.triplake.trips.RawMetadata.FileSpan;
import io.triplake.trips.TripWindows.Window;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/**
 * Recompute windows from identifier files' time ranges alone. The table is Iceberg's in-memory catalog with
 * data files appended by metadata (paths, partitions and {@code t} bounds; no Parquet): no Spark.
 */
class TestTripWindows {
  private static final long MIN = 60_000_000L;
  private static final long GAP = 10 * MIN;
  private static final String D = "D1";

  private static FileSpan span(long loMinutes, long hiMinutes) {
    return new FileSpan("f" + loMinutes, D, loMinutes * MIN, hiMinutes * MIN, 1, 1);
  }

  private static Window w(long loMinutes, long hiMinutes) {
    return new Window(D, loMinutes * MIN, hiMinutes * MIN);
  }

  @Test
  void filesChainWhileTheNextStartsWithinTheGapOfTheFurthestEndSoFar() {
    List<Window> chains = TripWindows.chains(D, List.of(span(50, 60), span(0, 30), span(35, 40), span(70, 70), span(81, 90)), GAP);
    // 0-30, 35-40 (5 min later), 50-60 (10 min: not more than the gap), 70 (10 min); 81 is 11 minutes after 70.
    assertThat(chains).containsExactly(w(0, 70), w(81, 90));
    // A long file covers later short ones: the furthest end, not the last file's, decides.
    assertThat(TripWindows.chains(D, List.of(span(0, 100), span(5, 6), span(108, 120)), GAP)).containsExactly(w(0, 120));
    assertThat(TripWindows.chains(D, List.of(), GAP)).isEmpty();
  }

  @Test
  void overlappingAndTouchingWindowsMergeAndOthersStayApart() {
    assertThat(TripWindows.merge(List.of(new Window(D, 10, 20), new Window(D, 0, 5), new Window(D, 21, 30), new Window(D, 32, 40))))
        .containsExactly(new Window(D, 0, 5), new Window(D, 10, 30), new Window(D, 32, 40));
  }

  @Test
  void additionSaturatesInsteadOfWrapping() {
    assertThat(TripWindows.saturatedAdd(Long.MAX_VALUE - 1, 5)).isEqualTo(Long.MAX_VALUE);
    assertThat(TripWindows.saturatedAdd(Long.MIN_VALUE + 1, -5)).isEqualTo(Long.MIN_VALUE);
    assertThat(TripWindows.saturatedAdd(-5, 3)).isEqualTo(-2);
  }

  @Test
  void aChangeWidensToEveryChainWithinTheGapOfItAndNoFurther() {
    Table identifier = table(span(0, 30), span(38, 60), span(200, 230), span(5000, 5030), span(5036, 5040));
    long snapshot = identifier.currentSnapshot().snapshotId();
    // A late file at 62-65 touches the 0-60 chain (its end is within the gap), not the one at 200.
    assertThat(TripWindows.around(identifier, snapshot, Map.of(D, List.of(w(62, 65))), GAP))
        .containsExactly(new Window(D, 0, 75 * MIN));
    // A change far from every chain is a window of its own (trips there may have vanished).
    assertThat(TripWindows.around(identifier, snapshot, Map.of(D, List.of(w(1000, 1001))), GAP))
        .containsExactly(new Window(D, 990 * MIN, 1011 * MIN));
    // Two changes: two windows, each with its own chain; the chain at 200 untouched by either stays out.
    assertThat(TripWindows.around(identifier, snapshot, Map.of(D, List.of(w(20, 21), w(5039, 5039))), GAP))
        .containsExactly(new Window(D, 0, 60 * MIN), new Window(D, 5000 * MIN, 5049 * MIN));
  }

  @Test
  void aChainLongerThanTheFirstLookAroundIsFollowedToItsEnd() {
    // Files every 9 minutes for three days: one chain. The search starts a day around the change and widens.
    FileSpan[] files = new FileSpan[3 * 24 * 60 / 9];
    for (int i = 0; i < files.length; i++) {
      files[i] = span(i * 9L, i * 9L + 1);
    }
    Table identifier = table(files);
    List<Window> windows = TripWindows.around(identifier, identifier.currentSnapshot().snapshotId(),
        Map.of(D, List.of(w(100, 100))), GAP);
    assertThat(windows).containsExactly(new Window(D, 0, (files.length - 1) * 9L * MIN + MIN));
  }

  /** An identifier table holding these files of device {@link #D}, appended in one commit. */
  private static Table table(FileSpan... spans) {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("memory", Map.of());
    catalog.createNamespace(Namespace.of("raw"));
    Schema schema = new Schema(Types.NestedField.optional(1, RawSchema.DEVICE, Types.StringType.get()),
        Types.NestedField.optional(2, RawSchema.TIME, Types.TimestampType.withZone()));
    PartitionSpec spec = PartitionSpec.builderFor(schema).identity(RawSchema.DEVICE).build();
    Table table = catalog.createTable(TableIdentifier.of("raw", "can2_speed"), schema, spec);
    AppendFiles append = table.newAppend();
    for (FileSpan s : spans) {
      Types.TimestampType type = Types.TimestampType.withZone();
      append.appendFile(DataFiles.builder(spec).withPath("memory://raw/" + s.location() + ".parquet").withFormat("PARQUET")
          .withFileSizeInBytes(100).withRecordCount(2).withPartitionPath(RawSchema.DEVICE + "=" + s.device())
          .withMetrics(new Metrics(2L, null, null, null, null, Map.of(2, Conversions.toByteBuffer(type, s.lo())),
              Map.of(2, Conversions.toByteBuffer(type, s.hi()))))
          .build());
    }
    append.commit();
    return table;
  }
}
