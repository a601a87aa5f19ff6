package io.triplake.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which snapshots an expiry removes, on Iceberg's in-memory catalog (metadata-only commits, no Spark). */
class TestRetentionPlan {
  private Table table;
  private final List<Snapshot> history = new ArrayList<>();

  @BeforeEach
  void fiveCommits() throws InterruptedException {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("memory", Map.of());
    catalog.createNamespace(Namespace.of("trips"));
    table = catalog.createTable(TableIdentifier.of("trips", "tripsummary"),
        new Schema(Types.NestedField.optional(1, "tripid", Types.StringType.get())));
    for (int i = 0; i < 5; i++) {
      commit("f" + i);
    }
  }

  /** A metadata-only append; commit times are milliseconds, so commits are kept apart. */
  private Snapshot commit(String name) throws InterruptedException {
    Thread.sleep(3);
    table.newAppend().appendFile(DataFiles.builder(PartitionSpec.unpartitioned()).withPath("memory://t/" + name + ".parquet")
        .withFormat("PARQUET").withFileSizeInBytes(10).withRecordCount(1).build()).commit();
    Thread.sleep(3);
    history.add(table.currentSnapshot());
    return table.currentSnapshot();
  }

  private long id(int k) {
    return history.get(k).snapshotId();
  }

  /** A moment after commit k and before commit k + 1. */
  private long after(int k) {
    return history.get(k).timestampMillis() + 1;
  }

  @Test
  void theSnapshotCurrentAtTheWindowStartAndEverythingAfterItStay() {
    RetentionPlan plan = RetentionPlan.of(table, after(2), Map.of());
    assertThat(plan.expire()).containsExactly(id(0), id(1));
    assertThat(plan.kept()).containsExactlyInAnyOrder(id(2), id(3), id(4));
    assertThat(plan.keptFromSnapshotId()).isEqualTo(id(2));
    assertThat(plan.keptBecause()).startsWith("it was current at the start of the time-travel window");
  }

  @Test
  void aNeededSnapshotOlderThanTheWindowKeepsTheUnbrokenHistoryBackToIt() {
    RetentionPlan plan = RetentionPlan.of(table, after(3), Map.of(id(1), "the latest checkpoint"));
    assertThat(plan.expire()).containsExactly(id(0));
    assertThat(plan.kept()).containsExactlyInAnyOrder(id(1), id(2), id(3), id(4));
    assertThat(plan.keptBecause()).isEqualTo("the latest checkpoint");
    // A needed snapshot inside the window changes nothing.
    assertThat(RetentionPlan.of(table, after(1), Map.of(id(3), "x")).expire()).containsExactly(id(0));
  }

  @Test
  void aWindowBeforeTheFirstSnapshotKeepsEverything() {
    RetentionPlan plan = RetentionPlan.of(table, history.get(0).timestampMillis() - 1000, Map.of());
    assertThat(plan.expire()).isEmpty();
    assertThat(plan.keptBecause()).startsWith("all of its history is inside the time-travel window");
  }

  @Test
  void snapshotsOfOtherBranchesAndTagsAreNeverExpired() throws InterruptedException {
    table.manageSnapshots().createTag("audit", id(0)).createBranch("asof_20240603_s1", id(1)).commit();
    RetentionPlan plan = RetentionPlan.of(table, after(4) + 10_000, Map.of());
    // Only the current snapshot is needed; 0 is tagged and 1 heads a branch (its ancestor 0 too).
    assertThat(plan.expire()).containsExactly(id(2), id(3));
    assertThat(plan.kept()).containsExactly(id(4));
  }

  @Test
  void aTableWithoutSnapshotsHasNothingToExpire() {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("memory", Map.of());
    catalog.createNamespace(Namespace.of("raw"));
    Table empty = catalog.createTable(TableIdentifier.of("raw", "empty"), new Schema(Types.NestedField.optional(1, "t", Types.LongType.get())));
    RetentionPlan plan = RetentionPlan.of(empty, System.currentTimeMillis(), Map.of());
    assertThat(plan.expire()).isEmpty();
    assertThat(plan.keptFromSnapshotId()).isNull();
    assertThat(plan.keptBecause()).isEqualTo("the table has no snapshot");
  }
}
