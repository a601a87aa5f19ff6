package io.triplake.ingest;

import io.triplake.ingest.RawFileRegistrar.RejectedFilesUpdate;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.RawPath;
import io.triplake.lake.RecordFiles;
import io.triplake.lake.SparkDdl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.Tasks;

/**
 * The rejected-files table ({@link Lake#REJECTED_FILES}) as one registration run sees it: the files
 * it holds when the run starts, and the run's one commit to it, which records the files the run
 * rejected and clears the files registered since they were rejected. One row per file: a file
 * rejected again gets its row replaced (the latest reason, run and time).
 *
 * <p>The table holds only the files still rejected, so it stays small: a commit rewrites it whole,
 * copy-on-write, into one data file, validated against every commit since the rows were read (a
 * concurrent run's rows are never lost or doubled; a conflict re-reads and re-applies). Readers
 * such as Athena never merge delete files, and nothing but snapshot expiry needs maintaining.
 *
 * <p>The table is created from its Spark DDL (table-ddl's {@code spark/_rejected_files.sql}, of
 * which this module's jar carries a copy) through Iceberg's Java API: registration never starts
 * Spark.
 */
final class RejectedFilesTable {
  /** The Spark DDL, next to this class in the jar (copied from table-ddl by the build). */
  static final String DDL_RESOURCE = "_rejected_files.sql";

  /** Attempts of a commit that conflicts with a concurrent run (each re-reads the rows). */
  static final int ATTEMPTS = 3;

  private static final String FILE_PATH = "file_path";
  private static final String DEVICE_ID = "device_id";
  private static final String MESSAGE = "message";
  private static final String FILE_SIZE = "file_size";
  private static final String REASON = "reason";
  private static final String RUN_ID = "run_id";
  private static final String REJECTED_AT = "rejected_at";

  private static final Comparator<Record> ORDER =
      Comparator.comparing(
              (Record r) -> (String) r.getField(DEVICE_ID),
              Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(
              r -> (String) r.getField(MESSAGE), Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(r -> (String) r.getField(FILE_PATH));

  /** A file the run rejected. {@code size} is null when unknown. */
  record Rejection(String path, String reason, Long size) {}

  private final TableIdentifier id;
  private final Table table;

  private RejectedFilesTable(TableIdentifier id, Table table) {
    this.id = id;
    this.table = table;
  }

  /**
   * The lake's rejected-files table, created on the first run (its namespace must exist).
   *
   * @throws IllegalStateException when a table of that name exists but is not this one
   */
  static RejectedFilesTable open(Lake lake, Catalog catalog) {
    TableIdentifier id = lake.rejectedFilesTable();
    SparkDdl ddl = SparkDdl.parse(id.toString(), ddl(id));
    if (!catalog.tableExists(id)) {
      try {
        ddl.builder(catalog, id).create();
      } catch (AlreadyExistsException e) {
        // created concurrently by another run
      }
    }
    Table table = catalog.loadTable(id);
    for (Types.NestedField column : ddl.schema().columns()) {
      Types.NestedField found = table.schema().findField(column.name());
      if (found == null || !found.type().equals(column.type())) {
        throw new IllegalStateException(
            "Cannot record rejected files in "
                + id
                + ": it has no column "
                + column.name()
                + " of type "
                + column.type()
                + ", so it is not the table registration creates (its columns: "
                + table.schema().asStruct()
                + "); rename or drop that table, registration then creates its own");
      }
    }
    return new RejectedFilesTable(id, table);
  }

  private static String ddl(TableIdentifier id) {
    try (InputStream in = RejectedFilesTable.class.getResourceAsStream(DDL_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "Cannot create " + id + ": the job jar has no resource " + DDL_RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the DDL of " + id + ": " + e.getMessage(), e);
    }
  }

  String name() {
    return id.toString();
  }

  String location() {
    return table.location();
  }

  /** The files the table holds now. */
  Set<String> paths() {
    table.refresh();
    Set<String> paths = new HashSet<>();
    if (table.currentSnapshot() == null) {
      return paths;
    }
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).select(FILE_PATH).build()) {
      rows.forEach(r -> paths.add((String) r.getField(FILE_PATH)));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + id + ": " + e.getMessage(), e);
    }
    return paths;
  }

  /**
   * One commit: a row for each rejected file (replacing its older row), and the rows of the cleared
   * files removed. Nothing to record and nothing to clear: no commit.
   *
   * @param source the root the run listed: the device id and message are read from the path below
   *     it
   * @param cleared files that are registered now, or gone from the source
   */
  RejectedFilesUpdate commit(
      Collection<Rejection> rejected,
      Set<String> cleared,
      String source,
      String runId,
      Instant runStart) {
    Map<String, Rejection> byPath = new LinkedHashMap<>();
    rejected.forEach(r -> byPath.put(r.path(), r));
    if (byPath.isEmpty() && cleared.isEmpty()) {
      return new RejectedFilesUpdate(name(), 0, 0, null);
    }
    LocalDateTime at =
        LocalDateTime.ofInstant(runStart, ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    AtomicReference<RejectedFilesUpdate> update = new AtomicReference<>();
    try {
      Tasks.foreach(id)
          .retry(ATTEMPTS - 1)
          .onlyRetryOn(CommitFailedException.class, ValidationException.class)
          .exponentialBackoff(100, 5_000, 60_000, 2.0)
          .throwFailureWhenFinished()
          .run(t -> update.set(attempt(byPath, cleared, source, runId, at)));
    } catch (CommitFailedException | ValidationException e) {
      throw new IllegalStateException(
          "Cannot record rejected files in "
              + id
              + ": other runs committed to it "
              + ATTEMPTS
              + " times meanwhile ("
              + e.getMessage()
              + "). The raw tables are registered; run registration again: it records the"
              + " rejections and clears what is registered",
          e);
    }
    return update.get();
  }

  private RejectedFilesUpdate attempt(
      Map<String, Rejection> rejected,
      Set<String> cleared,
      String source,
      String runId,
      LocalDateTime at) {
    table.refresh();
    Snapshot base = table.currentSnapshot();
    List<DataFile> baseFiles = new ArrayList<>();
    List<Record> rows = new ArrayList<>();
    int clearedRows = 0;
    if (base != null) {
      try (CloseableIterable<FileScanTask> tasks =
              table.newScan().useSnapshot(base.snapshotId()).planFiles();
          CloseableIterable<Record> stored =
              IcebergGenerics.read(table).useSnapshot(base.snapshotId()).build()) {
        tasks.forEach(task -> baseFiles.add(task.file()));
        for (Record row : stored) {
          String path = (String) row.getField(FILE_PATH);
          if (rejected.containsKey(path)) {
            continue; // replaced by this run's row
          }
          if (cleared.contains(path)) {
            clearedRows++;
            continue;
          }
          rows.add(row.copy());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + id + ": " + e.getMessage(), e);
      }
    }
    if (rejected.isEmpty() && clearedRows == 0) {
      return new RejectedFilesUpdate(name(), 0, 0, null);
    }
    for (Rejection rejection : rejected.values()) {
      rows.add(row(rejection, source, runId, at));
    }
    rows.sort(ORDER);

    DataFile added = null;
    try {
      if (!rows.isEmpty()) {
        added = write(rows);
      }
      OverwriteFiles overwrite = table.newOverwrite();
      baseFiles.forEach(overwrite::deleteFile);
      if (added != null) {
        overwrite.addFile(added);
      }
      if (base != null) {
        overwrite.validateFromSnapshot(base.snapshotId());
      }
      // Serializable: a row another run committed since this one read the table would otherwise
      // be lost, or its file doubled.
      overwrite
          .conflictDetectionFilter(Expressions.alwaysTrue())
          .validateNoConflictingData()
          .validateNoConflictingDeletes()
          .set(LakeProperties.RUN_ID, runId)
          .commit();
    } catch (CommitStateUnknownException e) {
      throw e; // the file may be committed: only the catalog can tell, deleting it could lose rows
    } catch (RuntimeException e) {
      if (added != null) {
        table.io().deleteFile(added.location());
      }
      throw e;
    }
    table.refresh();
    return new RejectedFilesUpdate(
        name(), rejected.size(), clearedRows, table.currentSnapshot().snapshotId());
  }

  private Record row(Rejection rejection, String source, String runId, LocalDateTime at) {
    Record row = GenericRecord.create(table.schema());
    row.setField(FILE_PATH, rejection.path());
    RawPath.origin(source, rejection.path())
        .ifPresent(
            origin -> {
              row.setField(DEVICE_ID, origin.deviceId());
              row.setField(MESSAGE, origin.message());
            });
    row.setField(FILE_SIZE, rejection.size());
    row.setField(REASON, rejection.reason());
    row.setField(RUN_ID, runId);
    row.setField(REJECTED_AT, at);
    return row;
  }

  private DataFile write(List<Record> rows) {
    OutputFileFactory files =
        OutputFileFactory.builderFor(table, 0, 0).format(FileFormat.PARQUET).build();
    try {
      return RecordFiles.write(table, files, null, rows);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + id + ": " + e.getMessage(), e);
    }
  }
}
