package io.triplake.trips;

import io.triplake.lake.Checkpoint;
import io.triplake.lake.RawSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * What Iceberg's metadata says about raw files, without reading a row: device, time bounds, rows.
 */
final class RawMetadata {

  private RawMetadata() {}

  /**
   * A raw file's device and the bounds of its {@code t} in microseconds; unknown bounds (no
   * metrics) are the widest possible, so a file without metrics is never mistaken for a narrow one.
   *
   * @param sequence the data sequence number of the append that added it (0 when unknown): files of
   *     one append share it, a later append has a higher one
   */
  record FileSpan(
      String location,
      String device,
      long lo,
      long hi,
      long records,
      long sizeBytes,
      long sequence) {}

  /**
   * Rows of these devices with a time in [lo, hi], as a filter Iceberg prunes files with; an end at
   * {@code Long.MIN_VALUE} or {@code Long.MAX_VALUE} is open.
   */
  static Expression devicesBetween(
      String deviceColumn, String timeColumn, Collection<String> devices, long lo, long hi) {
    Expression filter = Expressions.in(deviceColumn, new TreeSet<>(devices).toArray());
    if (lo != Long.MIN_VALUE) {
      filter = Expressions.and(filter, Expressions.greaterThanOrEqual(timeColumn, lo));
    }
    if (hi != Long.MAX_VALUE) {
      filter = Expressions.and(filter, Expressions.lessThanOrEqual(timeColumn, hi));
    }
    return filter;
  }

  /** The raw files a scan of {@code snapshotId} with {@code filter} plans, as spans. */
  static List<FileSpan> files(Table table, long snapshotId, Expression filter) {
    List<FileSpan> spans = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks =
        table
            .newScan()
            .useSnapshot(snapshotId)
            .filter(filter)
            .ignoreResiduals()
            // Scans drop column stats unless asked; without t's bounds every file would span all
            // time.
            .includeColumnStats(List.of(RawSchema.TIME))
            .planFiles()) {
      for (FileScanTask task : tasks) {
        if (!task.deletes().isEmpty()) {
          // Raw tables are append-only (registration never deletes rows); the trip job reads raw
          // files as they are, so a row-level delete would be silently ignored. Refuse rather than
          // count deleted rows.
          throw new IllegalStateException(
              "Cannot read raw table "
                  + table.name()
                  + ": file "
                  + task.file().location()
                  + " has "
                  + task.deletes().size()
                  + " row-level delete file(s); raw tables must stay append-only (remove the file"
                  + " instead)");
        }
        spans.add(span(table, task.file()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot plan the files of " + table.name() + ": " + e.getMessage(), e);
    }
    return spans;
  }

  static FileSpan span(Table table, DataFile file) {
    PartitionSpec spec = table.specs().get(file.specId());
    String device = null;
    for (int i = 0; i < spec.fields().size(); i++) {
      if (spec.schema().findColumnName(spec.fields().get(i).sourceId()).equals(RawSchema.DEVICE)) {
        device = file.partition().get(i, String.class);
      }
    }
    if (device == null) {
      throw new IllegalStateException(
          "Cannot read raw file "
              + file.location()
              + " of "
              + table.name()
              + ": no device_id partition");
    }
    Types.NestedField time = table.schema().findField(RawSchema.TIME);
    long lo =
        bound(
            file.lowerBounds() == null ? null : file.lowerBounds().get(time.fieldId()),
            time,
            Long.MIN_VALUE);
    long hi =
        bound(
            file.upperBounds() == null ? null : file.upperBounds().get(time.fieldId()),
            time,
            Long.MAX_VALUE);
    return new FileSpan(
        file.location(),
        device,
        lo,
        hi,
        file.recordCount(),
        file.fileSizeInBytes(),
        file.dataSequenceNumber() == null ? 0 : file.dataSequenceNumber());
  }

  private static long bound(ByteBuffer buffer, Types.NestedField field, long unknown) {
    if (buffer == null) {
      return unknown;
    }
    Long micros = Conversions.fromByteBuffer(field.type(), buffer);
    return micros == null ? unknown : micros;
  }

  /**
   * The files that changed between the checkpoint position (exclusive) and {@code to} (inclusive).
   *
   * @param fallback true when the checkpoint's snapshot is no longer in the table's history
   *     (expired): then the new files are found by sequence number, which finds every appended file
   *     but cannot see files that were deleted since
   */
  record Changes(List<FileSpan> files, int snapshots, boolean fallback) {}

  static Changes since(Table table, Checkpoint.Position from, Snapshot to) {
    List<FileSpan> files = new ArrayList<>();
    if (from == null) {
      files.addAll(
          files(table, to.snapshotId(), org.apache.iceberg.expressions.Expressions.alwaysTrue()));
      return new Changes(files, 1, false);
    }
    if (from.snapshotId() == to.snapshotId()) {
      return new Changes(List.of(), 0, false);
    }
    if (SnapshotUtil.isAncestorOf(table, to.snapshotId(), from.snapshotId())) {
      int snapshots = 0;
      for (Snapshot snapshot :
          SnapshotUtil.ancestorsBetween(table, to.snapshotId(), from.snapshotId())) {
        snapshots++;
        // Removed files matter too: a deleted or replaced raw file changes the trips it was part
        // of.
        snapshot.addedDataFiles(table.io()).forEach(f -> files.add(span(table, f)));
        snapshot.removedDataFiles(table.io()).forEach(f -> files.add(span(table, f)));
      }
      return new Changes(files, snapshots, false);
    }
    // The checkpoint's snapshot expired. Raw tables are append-only, so every file appended since
    // has a higher sequence number; manifests written before it cannot hold such files and are
    // skipped.
    for (ManifestFile manifest : to.dataManifests(table.io())) {
      if (manifest.sequenceNumber() <= from.sequenceNumber()) {
        continue;
      }
      try (CloseableIterable<DataFile> entries =
          ManifestFiles.read(manifest, table.io(), table.specs())) {
        for (DataFile file : entries) {
          Long sequence = file.fileSequenceNumber();
          if (sequence == null || sequence > from.sequenceNumber()) {
            files.add(span(table, file));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Changes(files, 1, true);
  }
}
