package io.triplake.maintenance;

import io.triplake.lake.Locations;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileIO;

/**
 * The only way maintenance deletes a file: Iceberg's expiry and orphan actions get {@link #delete}
 * as their delete function. A file is deleted only when it lies inside a location of the table
 * being maintained and outside every protected location (raw source prefixes, other tables).
 * Anything else is kept and reported, and the run fails after the step.
 *
 * <p>In a dry run nothing is deleted; the files that would be are counted and listed.
 */
final class DeleteGuard {
  private static final int LISTED = 20;

  private final String table;
  private final List<String> roots;
  private final List<String> protectedLocations;
  private final FileIO io;
  private final boolean dryRun;
  private final AtomicLong deleted = new AtomicLong();
  private final List<String> listed = Collections.synchronizedList(new ArrayList<>());
  private final List<String> refused = Collections.synchronizedList(new ArrayList<>());

  /**
   * @param roots where the table's own files are: its location, and its data and metadata paths
   *     when set
   * @param protectedLocations raw source prefixes and other tables' locations, even if inside a
   *     root
   */
  /**
   * The guard of a maintained table's own files: deletes inside its locations only, never inside a
   * protected one.
   */
  static DeleteGuard of(Tally tally, Table table, List<String> protectedLocations, boolean dryRun) {
    return new DeleteGuard(
        tally.table(), LakeSafety.locations(table), protectedLocations, table.io(), dryRun);
  }

  DeleteGuard(
      String table,
      List<String> roots,
      List<String> protectedLocations,
      FileIO io,
      boolean dryRun) {
    this.table = table;
    this.roots = roots.stream().map(Locations::normalize).toList();
    this.protectedLocations = protectedLocations.stream().map(Locations::normalize).toList();
    this.io = io;
    this.dryRun = dryRun;
  }

  void delete(String path) {
    String reason = refusal(path);
    if (reason != null) {
      refused.add(path + " (" + reason + ")");
      return;
    }
    if (!dryRun) {
      io.deleteFile(path);
    }
    if (listed.size() < LISTED) {
      listed.add(path);
    }
    deleted.incrementAndGet();
  }

  /** Why a path must not be deleted, or null when it may. */
  String refusal(String path) {
    if (roots.stream().noneMatch(root -> Locations.relativize(root, path) != null)) {
      return "outside the locations of " + table + ", " + roots;
    }
    for (String other : protectedLocations) {
      if (Locations.overlap(other, path)) {
        return "under " + other + ", which maintenance of " + table + " never deletes from";
      }
    }
    return null;
  }

  /** Files deleted (dry run: that would be). */
  long deleted() {
    return deleted.get();
  }

  /** The first of them. */
  List<String> listed() {
    return List.copyOf(listed);
  }

  /**
   * Fails when Iceberg asked to delete a file the guard kept: the table references something it
   * should not.
   */
  void check(String step) {
    if (!refused.isEmpty()) {
      throw new IllegalStateException(
          "Cannot "
              + step
              + " of "
              + table
              + ": Iceberg asked to delete "
              + refused.size()
              + " files that are not the table's own, which were kept: "
              + refused.subList(0, Math.min(LISTED, refused.size()))
              + ". The step's metadata change is committed, no such file was deleted; find out how"
              + " the table came to reference them before running maintenance again");
    }
  }
}
