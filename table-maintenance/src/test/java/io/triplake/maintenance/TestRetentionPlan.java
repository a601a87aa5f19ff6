package io.triplake.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which snapshots an expiry removes, on real Iceberg tables whose files exist in metadata only.
 * Commit times cannot be chosen, so every window start is picked relative to the snapshots' own
 * timestamps.
 */
class TestRetentionPlan {
  private static final Schema SCHEMA =
      new Schema(Types.NestedField.required(1, "id", Types.LongType.get()));
  private static final Map<Long, String> NOTHING_NEEDED = Map.of();

  @TempDir Path dir;
  private Table table;
  private int files;

  @BeforeEach
  void createTable() {
    table =
        new HadoopTables(new Configuration())
            .create(SCHEMA, PartitionSpec.unpartitioned(), dir.resolve("t").toString());
  }

  /**
   * Appends one file to {@code branch}. Waits until the clock is 2 ms past the newest snapshot
   * first, so that each snapshot has its own millisecond and a window can start strictly between
   * two of them.
   */
  private Snapshot append(String branch) throws InterruptedException {
    long newest = 0;
    for (Snapshot s : table.snapshots()) {
      newest = Math.max(newest, s.timestampMillis());
    }
    waitPast(newest + 1);
    table
        .newAppend()
        .toBranch(branch)
        .appendFile(
            DataFiles.builder(PartitionSpec.unpartitioned())
                .withPath(
                    dir.resolve("data-" + files++ + ".parquet")
                        .toString()) // never read: planning is metadata only
                .withFileSizeInBytes(1)
                .withRecordCount(1)
                .build())
        .commit();
    return table.snapshot(branch);
  }

  private static void waitPast(long millis) throws InterruptedException {
    while (System.currentTimeMillis() <= millis) {
      Thread.sleep(1);
    }
  }

  private Snapshot[] appendToMain(int count) throws InterruptedException {
    Snapshot[] snapshots = new Snapshot[count];
    for (int i = 0; i < count; i++) {
      snapshots[i] = append(SnapshotRef.MAIN_BRANCH);
    }
    return snapshots;
  }

  private static String currentAt(long windowStart) {
    return "it was current at the start of the time-travel window ("
        + Instant.ofEpochMilli(windowStart)
        + ")";
  }

  @Test
  void aTableWithoutSnapshotsExpiresNothing() {
    RetentionPlan plan = RetentionPlan.of(table, System.currentTimeMillis(), NOTHING_NEEDED);
    assertThat(plan)
        .isEqualTo(new RetentionPlan(List.of(), Set.of(), null, "the table has no snapshot"));
  }

  @Test
  void theSnapshotCurrentAtTheWindowStartStaysWithEverythingAfterIt() throws InterruptedException {
    Snapshot[] s = appendToMain(4);
    long windowStart = s[1].timestampMillis();
    RetentionPlan plan = RetentionPlan.of(table, windowStart, NOTHING_NEEDED);
    assertThat(plan.expire()).containsExactly(s[0].snapshotId());
    assertThat(plan.kept())
        .containsExactlyInAnyOrder(s[1].snapshotId(), s[2].snapshotId(), s[3].snapshotId());
    assertThat(plan.keptFromSnapshotId()).isEqualTo(s[1].snapshotId());
    assertThat(plan.keptBecause()).isEqualTo(currentAt(windowStart));

    // One millisecond earlier, the first snapshot was current.
    RetentionPlan earlier = RetentionPlan.of(table, windowStart - 1, NOTHING_NEEDED);
    assertThat(earlier.expire()).isEmpty();
    assertThat(earlier.keptFromSnapshotId()).isEqualTo(s[0].snapshotId());
  }

  @Test
  void aWindowAfterTheLastCommitKeepsOnlyTheCurrentSnapshotAndExpiresTheRestOldestFirst()
      throws InterruptedException {
    Snapshot[] s = appendToMain(4);
    RetentionPlan plan = RetentionPlan.of(table, s[3].timestampMillis() + 1, NOTHING_NEEDED);
    assertThat(plan.expire())
        .containsExactly(s[0].snapshotId(), s[1].snapshotId(), s[2].snapshotId());
    assertThat(plan.kept()).containsExactly(s[3].snapshotId());
  }

  @Test
  void aWindowBeforeTheFirstCommitKeepsEverything() throws InterruptedException {
    Snapshot[] s = appendToMain(2);
    long windowStart = s[0].timestampMillis() - 1;
    RetentionPlan plan = RetentionPlan.of(table, windowStart, NOTHING_NEEDED);
    assertThat(plan.expire()).isEmpty();
    assertThat(plan.keptFromSnapshotId()).isEqualTo(s[0].snapshotId());
    assertThat(plan.keptBecause())
        .isEqualTo(
            "all of its history is inside the time-travel window (from "
                + Instant.ofEpochMilli(windowStart)
                + ")");
  }

  @Test
  void aNeededCheckpointOlderThanTheWindowKeepsTheUnbrokenHistoryBackToIt()
      throws InterruptedException {
    Snapshot[] s = appendToMain(4);
    long windowStart = s[3].timestampMillis();
    // The third snapshot is between the checkpoint and the window, needed by nothing, and kept all
    // the same: the next run finds the checkpoint, and lists the files added since, by walking the
    // ancestry back.
    RetentionPlan plan =
        RetentionPlan.of(table, windowStart, Map.of(s[1].snapshotId(), "the latest checkpoint"));
    assertThat(plan.expire()).containsExactly(s[0].snapshotId());
    assertThat(plan.kept())
        .containsExactlyInAnyOrder(s[1].snapshotId(), s[2].snapshotId(), s[3].snapshotId());
    assertThat(plan.keptFromSnapshotId()).isEqualTo(s[1].snapshotId());
    assertThat(plan.keptBecause()).isEqualTo("the latest checkpoint");
  }

  @Test
  void theOldestOfSeveralNeedsWinsAndANeedInsideTheWindowChangesNothing()
      throws InterruptedException {
    Snapshot[] s = appendToMain(4);
    long windowStart = s[2].timestampMillis();
    RetentionPlan oldest =
        RetentionPlan.of(
            table, windowStart, Map.of(s[0].snapshotId(), "first", s[1].snapshotId(), "second"));
    assertThat(oldest.expire()).isEmpty();
    assertThat(oldest.keptBecause()).isEqualTo("first");

    // A need inside the window moves nothing, and one of a snapshot that is gone already (-1) is
    // ignored.
    RetentionPlan inside =
        RetentionPlan.of(table, windowStart, Map.of(s[3].snapshotId(), "newest", -1L, "gone"));
    assertThat(inside.expire()).containsExactly(s[0].snapshotId(), s[1].snapshotId());
    assertThat(inside.keptBecause()).isEqualTo(currentAt(windowStart));
  }

  @Test
  void snapshotsOfOtherBranchesAndTagsAreNeverExpired() throws InterruptedException {
    Snapshot[] s = appendToMain(2);
    // A branch forked from the first snapshot holds on to its own commit and to the fork point.
    table.manageSnapshots().createBranch("audit", s[0].snapshotId()).commit();
    append("audit");
    table.manageSnapshots().createTag("release", s[1].snapshotId()).commit();
    Snapshot[] later = appendToMain(2);

    // All five are older than the window; the fork point, the branch's commit and the tagged one
    // stay.
    RetentionPlan plan = RetentionPlan.of(table, later[1].timestampMillis() + 1, NOTHING_NEEDED);
    assertThat(plan.expire()).containsExactly(later[0].snapshotId());
    assertThat(plan.kept()).containsExactly(later[1].snapshotId());
  }

  /**
   * Three snapshots on main, a rollback to the second 2 ms or more after the third, and a fourth
   * snapshot.
   */
  private Snapshot[] rolledBackHistory() throws InterruptedException {
    Snapshot[] s = appendToMain(3);
    waitPast(s[2].timestampMillis() + 1);
    table.manageSnapshots().rollbackTo(s[1].snapshotId()).commit();
    Snapshot current = append(SnapshotRef.MAIN_BRANCH);
    return new Snapshot[] {s[0], s[1], s[2], current};
  }

  @Test
  void aRolledBackSnapshotStaysWhileInsideTheWindowUnlessItIsNeeded() throws InterruptedException {
    Snapshot[] s = rolledBackHistory();
    long rolledBack = s[2].snapshotId();

    // The rolled-back snapshot, committed exactly at the window start, is inside the window.
    RetentionPlan atStart = RetentionPlan.of(table, s[2].timestampMillis(), NOTHING_NEEDED);
    assertThat(atStart.expire()).containsExactly(s[0].snapshotId());
    assertThat(atStart.kept()).containsExactlyInAnyOrder(s[1].snapshotId(), s[3].snapshotId());

    // Long replaced when the window starts (the newest snapshot is current then).
    long later = s[3].timestampMillis();
    assertThat(RetentionPlan.of(table, later, NOTHING_NEEDED).expire())
        .containsExactly(s[0].snapshotId(), s[1].snapshotId(), rolledBack);
    assertThat(RetentionPlan.of(table, later, Map.of(rolledBack, "a checkpoint")).expire())
        .containsExactly(s[0].snapshotId(), s[1].snapshotId());
  }

  /**
   * A snapshot outside the current ancestry stayed current from its commit until the rollback:
   * expiring it because it was <em>committed</em> before the window start (the bug this caught)
   * also made Iceberg drop the snapshot log before it, so "as of" the window start failed with
   * "Cannot find a snapshot older than".
   */
  @Test
  void aRolledBackSnapshotThatWasCurrentAtTheWindowStartStays() throws InterruptedException {
    Snapshot[] s = rolledBackHistory();
    // After the third snapshot's commit and before the rollback: the third was current then, and
    // Iceberg's time travel (which follows the snapshot log, not the ancestry) resolves to it.
    long windowStart = s[2].timestampMillis() + 1;
    assertThat(SnapshotUtil.snapshotIdAsOfTime(table, windowStart)).isEqualTo(s[2].snapshotId());

    RetentionPlan plan = RetentionPlan.of(table, windowStart, NOTHING_NEEDED);
    assertThat(plan.expire()).doesNotContain(s[2].snapshotId());
  }
}
