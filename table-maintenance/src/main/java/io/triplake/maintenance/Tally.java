package io.triplake.maintenance;

import io.triplake.maintenance.TableMaintainer.Compaction;
import io.triplake.maintenance.TableMaintainer.Counts;
import io.triplake.maintenance.TableMaintainer.Expiry;
import io.triplake.maintenance.TableMaintainer.Kind;
import io.triplake.maintenance.TableMaintainer.ManifestRewrite;
import io.triplake.maintenance.TableMaintainer.TableResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.relocated.com.google.common.collect.Iterables;

/**
 * One table while its steps run: the counts before, the plan lines and notes the steps add, and at
 * the end the {@link TableResult} with the figures the steps returned.
 */
final class Tally {
  private final long start = System.nanoTime();
  private final String table;
  private final Kind kind;
  private final Counts before;
  private final List<String> plan = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  Tally(String table, Kind kind, Table t) {
    this.table = table;
    this.kind = kind;
    this.before = counts(t);
  }

  String table() {
    return table;
  }

  void plan(String line) {
    plan.add(line);
  }

  void note(String note) {
    notes.add(note);
  }

  TableResult result(
      Table t,
      Compaction compaction,
      ManifestRewrite manifests,
      Expiry expiry,
      long orphanFilesDeleted) {
    double seconds = seconds(start);
    return new TableResult(
        table,
        kind,
        before,
        counts(t),
        compaction,
        manifests,
        expiry,
        orphanFilesDeleted,
        plan,
        notes,
        seconds);
  }

  /** The counts of a table's current state. */
  static Counts counts(Table table) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    int snapshots = Iterables.size(table.snapshots());
    if (current == null) {
      return new Counts(0, 0, 0, snapshots);
    }
    return new Counts(
        live(current.dataManifests(table.io())),
        live(current.deleteManifests(table.io())),
        current.allManifests(table.io()).size(),
        snapshots);
  }

  private static int live(List<ManifestFile> manifests) {
    int n = 0;
    for (ManifestFile m : manifests) {
      n +=
          (m.addedFilesCount() == null ? 0 : m.addedFilesCount())
              + (m.existingFilesCount() == null ? 0 : m.existingFilesCount());
    }
    return n;
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
