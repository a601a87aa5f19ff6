package io.triplake.maintenance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.HistoryEntry;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.relocated.com.google.common.collect.Iterables;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * Which snapshots of one table an expiry removes, and why the others stay.
 *
 * <p>The kept history is always one unbroken stretch of the current snapshot's ancestry, from the
 * current snapshot back to the oldest snapshot that something still needs: the newest snapshot
 * committed at or before the start of the time-travel window (it was current at that moment, so "as
 * of" any time inside the window resolves to a kept snapshot), and every snapshot a checkpoint
 * names. Unbroken, because the checkpoint is found, and new raw files are listed, by walking that
 * ancestry back. Snapshots of other branches and tags are never expired.
 *
 * @param expire ids of the snapshots to expire, oldest first
 * @param kept ids of the snapshots of the current ancestry that stay
 * @param keptFromSnapshotId the oldest kept ancestor (null: the table has no snapshot)
 * @param keptBecause why the history is kept back to that snapshot
 */
record RetentionPlan(
    List<Long> expire, Set<Long> kept, Long keptFromSnapshotId, String keptBecause) {

  RetentionPlan {
    expire = List.copyOf(expire);
    kept = Set.copyOf(kept);
  }

  /**
   * The plan's line for a table whose files only the expired snapshots reference are deleted with
   * them (tripsummary, trips, rejected files).
   */
  String deletingPlan(Table table) {
    return String.format(
        "expire snapshots: %d of %d (history kept back to snapshot %s: %s); the files only they"
            + " reference are deleted, inside %s only",
        expire.size(),
        Iterables.size(table.snapshots()),
        keptFromSnapshotId,
        keptBecause,
        table.location());
  }

  /**
   * @param windowStartMillis the start of the time-travel window (now minus the retention)
   * @param needed snapshot ids that must stay, each with the reason (checkpoints)
   */
  static RetentionPlan of(Table table, long windowStartMillis, Map<Long, String> needed) {
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      return new RetentionPlan(List.of(), Set.of(), null, "the table has no snapshot");
    }
    List<Snapshot> ancestors = new ArrayList<>();
    SnapshotUtil.currentAncestors(table).forEach(ancestors::add);

    int keepTo = ancestors.size() - 1;
    String because =
        "all of its history is inside the time-travel window (from "
            + Instant.ofEpochMilli(windowStartMillis)
            + ")";
    for (int i = 0; i < ancestors.size(); i++) {
      if (ancestors.get(i).timestampMillis() <= windowStartMillis) {
        keepTo = i;
        because =
            "it was current at the start of the time-travel window ("
                + Instant.ofEpochMilli(windowStartMillis)
                + ")";
        break;
      }
    }
    for (int i = ancestors.size() - 1; i > keepTo; i--) {
      String reason = needed.get(ancestors.get(i).snapshotId());
      if (reason != null) {
        keepTo = i;
        because = reason;
        break;
      }
    }

    Set<Long> kept = new LinkedHashSet<>();
    for (int i = 0; i <= keepTo; i++) {
      kept.add(ancestors.get(i).snapshotId());
    }
    Set<Long> ancestry = new HashSet<>();
    ancestors.forEach(s -> ancestry.add(s.snapshotId()));
    Set<Long> protectedIds = otherRefs(table);
    // A needed snapshot outside the current ancestry (should not happen) stays too.
    needed.keySet().stream().filter(id -> table.snapshot(id) != null).forEach(protectedIds::add);

    List<Long> expire = new ArrayList<>();
    Map<Long, Long> currentUntil = currentUntil(table);
    for (Snapshot snapshot : table.snapshots()) {
      long id = snapshot.snapshotId();
      if (kept.contains(id) || protectedIds.contains(id)) {
        continue;
      }
      // Outside the ancestry (a rolled-back branch of history): only once it stopped being current
      // before the window (it was current from its commit until the rollback, and time travel
      // follows that log).
      if (ancestry.contains(id)
          || currentUntil.getOrDefault(id, snapshot.timestampMillis()) < windowStartMillis) {
        expire.add(id);
      }
    }
    expire.sort(
        (a, b) ->
            Long.compare(table.snapshot(a).sequenceNumber(), table.snapshot(b).sequenceNumber()));
    return new RetentionPlan(expire, kept, ancestors.get(keepTo).snapshotId(), because);
  }

  /**
   * When each snapshot that was ever current stopped being so, from the snapshot log: the time of
   * the entry after its last one (still current: never). A snapshot never current, or no longer in
   * the log, is absent: it counts from its commit time.
   */
  private static Map<Long, Long> currentUntil(Table table) {
    List<HistoryEntry> log = table.history();
    Map<Long, Long> until = new HashMap<>();
    for (int i = 0; i < log.size(); i++) {
      until.put(
          log.get(i).snapshotId(),
          i + 1 < log.size() ? log.get(i + 1).timestampMillis() : Long.MAX_VALUE);
    }
    return until;
  }

  /** Snapshots that tags and branches other than main hold on to: never expired here. */
  private static Set<Long> otherRefs(Table table) {
    Set<Long> ids = new HashSet<>();
    for (Map.Entry<String, SnapshotRef> ref : table.refs().entrySet()) {
      if (ref.getKey().equals(SnapshotRef.MAIN_BRANCH)) {
        continue;
      }
      if (ref.getValue().isBranch()) {
        SnapshotUtil.ancestorsOf(ref.getValue().snapshotId(), table::snapshot)
            .forEach(s -> ids.add(s.snapshotId()));
      } else {
        ids.add(ref.getValue().snapshotId());
      }
    }
    return ids;
  }
}
