package io.triplake.ingest;

import io.triplake.ingest.FileSchema.Signal;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.Locations;
import io.triplake.lake.RawPath;
import io.triplake.lake.RawSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.mapping.MappedField;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.iceberg.types.Type.PrimitiveType;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RawFileRegistrar} through the Iceberg Java API: no Spark, one append per table per run.
 */
final class CatalogRawFileRegistrar implements RawFileRegistrar {
  private static final Logger LOG = LoggerFactory.getLogger(RawFileRegistrar.class);

  private final Lake lake;
  private final Catalog catalog;
  private final FileIO sourceIO;
  private String source;
  private int lastDays;
  private LocalDate until;
  private boolean reconcile;
  private String runId = UUID.randomUUID().toString();
  private int parallelism = PARALLELISM_DEFAULT;
  private int filesPerCommit = FILES_PER_COMMIT_DEFAULT;

  /** Listed size of every file this run looks at, by location (and of those the layout rejects). */
  private final Map<String, Long> sizes = new HashMap<>();

  /** The files the rejected-files table held when the run started. */
  private Set<String> knownRejected = Set.of();

  /** Runs between the raw appends and the rejected-files commit: tests crash a run there. */
  private Runnable beforeRejectedFilesCommit = () -> {};

  CatalogRawFileRegistrar(Lake lake, Catalog catalog, FileIO sourceIO) {
    this.lake = lake;
    this.catalog = catalog;
    this.sourceIO = sourceIO;
  }

  @Override
  public RawFileRegistrar source(String rootLocation) {
    if (rootLocation == null || rootLocation.isBlank()) {
      throw new IllegalArgumentException("Cannot register: source is empty (" + rootLocation + ")");
    }
    this.source = Locations.normalize(rootLocation);
    return this;
  }

  @Override
  public RawFileRegistrar lastDays(int days, LocalDate untilDay) {
    if (days < 1) {
      throw new IllegalArgumentException(
          "Cannot limit registration to the last days: days must be at least 1 (" + days + ")");
    }
    this.lastDays = days;
    this.until = java.util.Objects.requireNonNull(untilDay, "until");
    return this;
  }

  @Override
  public RawFileRegistrar reconcile() {
    this.reconcile = true;
    return this;
  }

  @Override
  public RawFileRegistrar runId(String id) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("Cannot use run id: it is empty (" + id + ")");
    }
    this.runId = id;
    return this;
  }

  @Override
  public RawFileRegistrar parallelism(int footerReads) {
    if (footerReads < 1) {
      throw new IllegalArgumentException(
          "Cannot read footers: parallelism must be at least 1 (" + footerReads + ")");
    }
    this.parallelism = footerReads;
    return this;
  }

  @Override
  public RawFileRegistrar filesPerCommit(int files) {
    if (files < 1) {
      throw new IllegalArgumentException(
          "Cannot register: files per commit must be at least 1 (" + files + ")");
    }
    this.filesPerCommit = files;
    return this;
  }

  /**
   * A step run after the raw tables' commits and before the rejected-files commit, so that tests
   * can stop a run between the two.
   */
  CatalogRawFileRegistrar beforeRejectedFilesCommit(Runnable step) {
    this.beforeRejectedFilesCommit = java.util.Objects.requireNonNull(step, "step");
    return this;
  }

  @Override
  public Result execute() {
    if (source == null) {
      throw new IllegalStateException("Cannot register: no source set");
    }
    if (reconcile && lastDays > 0) {
      throw new IllegalArgumentException(
          "Cannot reconcile: a reconcile checks every folder, drop the last-days limit ("
              + lastDays
              + ")");
    }
    long start = System.nanoTime();
    Instant started = Instant.now();
    checkNoOverlap(catalogWarehouse(), "the warehouse");

    Outcome outcome = new Outcome();
    Map<String, List<RawPath>> listed = list(outcome);
    ensureNamespace();
    // Before any raw commit: a table of that name that is not the rejected-files table fails the
    // run here, with nothing committed.
    RejectedFilesTable rejectedTable = RejectedFilesTable.open(lake, catalog);
    checkNoOverlap(rejectedTable.location(), "table " + rejectedTable.name());
    knownRejected = rejectedTable.paths();

    Set<String> tableNames = new java.util.TreeSet<>(listed.keySet());
    if (reconcile) {
      tableNames.addAll(existingRawTables());
    }
    List<TableBatch> batches = new ArrayList<>();
    for (String name : tableNames) {
      batches.add(plan(name, listed.getOrDefault(name, List.of()), outcome));
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            parallelism,
            r -> {
              Thread thread = new Thread(r, "footer-reader");
              thread.setDaemon(true);
              return thread;
            });
    try {
      for (TableBatch batch : batches) {
        // Slices keep memory to one slice's footers; each slice is a commit of its own
        // (registration is idempotent by path, so a run stopped between two resumes where it
        // stopped).
        List<Candidate> candidates = List.copyOf(batch.candidates);
        for (int from = 0; from == 0 || from < candidates.size(); from += filesPerCommit) {
          TableBatch slice =
              from == 0
                  ? batch
                  : new TableBatch(
                      batch.id, catalog.tableExists(batch.id) ? catalog.loadTable(batch.id) : null);
          List<Candidate> part =
              candidates.subList(from, Math.min(candidates.size(), from + filesPerCommit));
          slice.candidates.clear();
          slice.candidates.addAll(part);
          readFooters(slice, outcome, pool);
          commit(slice, outcome);
          // Committed (or rejected): the footers go before the next slice's are read.
          part.forEach(c -> c.footer = null);
        }
      }
    } finally {
      pool.shutdownNow();
    }

    // After the raw appends: a run stopped between the two leaves at worst the row of a file that
    // is registered now, which the next run that lists the file clears. The other order could
    // clear the row of a file whose append then failed.
    beforeRejectedFilesCommit.run();
    if (reconcile) {
      // Every file of the source was listed: a rejected file that is no longer there is cleared.
      knownRejected.stream()
          .filter(p -> !sizes.containsKey(p) && Locations.relativize(source, p) != null)
          .forEach(outcome.cleared::add);
    }
    RejectedFilesUpdate rejectedUpdate =
        rejectedTable.commit(
            outcome.rejected.stream()
                .map(
                    p ->
                        new RejectedFilesTable.Rejection(p.path(), p.reason(), sizes.get(p.path())))
                .toList(),
            outcome.cleared,
            source,
            runId,
            started);

    double seconds = (System.nanoTime() - start) / 1e9;
    Result result =
        new Result(
            runId,
            source,
            List.copyOf(outcome.created),
            List.copyOf(outcome.columnsAdded),
            new Added(outcome.registered, outcome.rows, outcome.bytes),
            new Passed(outcome.skipped, outcome.ignored),
            List.copyOf(outcome.commits),
            sorted(outcome.changed),
            sorted(outcome.missing),
            sorted(outcome.rejected),
            rejectedUpdate,
            seconds);
    LOG.info(result.summary());
    return result;
  }

  private static List<FileProblem> sorted(List<FileProblem> problems) {
    return problems.stream().sorted(Comparator.comparing(FileProblem::path)).toList();
  }

  /** Mutable tallies of one run. */
  private static final class Outcome {
    final List<String> created = new ArrayList<>();
    final List<String> columnsAdded = new ArrayList<>();
    final List<TableCommit> commits = new ArrayList<>();
    final List<FileProblem> changed = new ArrayList<>();
    final List<FileProblem> missing = new ArrayList<>();
    final List<FileProblem> rejected = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Files with a row in the rejected-files table that are registered now. */
    final Set<String> cleared = new HashSet<>();

    int registered;
    int skipped;
    int ignored;
    long rows;
    long bytes;
  }

  /** A listed file not registered yet, with its footer once read. */
  private static final class Candidate {
    final RawPath path;
    final long size;
    ParquetMetadata footer;
    FileSchema schema;
    long rows;

    Candidate(RawPath path, long size) {
      this.path = path;
      this.size = size;
    }
  }

  private static final class TableBatch {
    final TableIdentifier id;
    final Table table;
    final List<Candidate> candidates = new ArrayList<>();

    TableBatch(TableIdentifier id, Table table) {
      this.id = id;
      this.table = table;
    }
  }

  private Map<String, List<RawPath>> list(Outcome outcome) {
    if (!(sourceIO instanceof SupportsPrefixOperations prefixIO)) {
      throw new IllegalStateException(
          "Cannot list the source: " + sourceIO.getClass().getName() + " cannot list prefixes");
    }
    Map<String, List<RawPath>> byTable = new TreeMap<>();
    sizes.clear();
    try {
      for (FileInfo info : prefixIO.listPrefix(source)) {
        String relative = Locations.relativize(source, info.location());
        if (relative == null || isHidden(relative) || !relative.endsWith(".parquet")) {
          outcome.ignored++;
          continue;
        }
        RawPath path;
        try {
          path = RawPath.parse(source, info.location());
        } catch (IllegalArgumentException e) {
          outcome.rejected.add(new FileProblem(info.location(), e.getMessage()));
          sizes.put(info.location(), info.size());
          continue;
        }
        if (lastDays > 0
            && (path.folderDate().isAfter(until)
                || !path.folderDate().isAfter(until.minusDays(lastDays)))) {
          continue;
        }
        sizes.put(info.location(), info.size());
        byTable.computeIfAbsent(path.tableName(), k -> new ArrayList<>()).add(path);
      }
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException(
          "Cannot list the source: " + rootCause(e) + " (" + source + ")", e);
    }
    return byTable;
  }

  private static boolean isHidden(String relative) {
    for (String segment : relative.split("/")) {
      if (segment.startsWith(".") || segment.startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  private TableBatch plan(String name, List<RawPath> paths, Outcome outcome) {
    TableIdentifier id = lake.rawTable(name);
    Table table = catalog.tableExists(id) ? catalog.loadTable(id) : null;
    TableBatch batch = new TableBatch(id, table);
    Map<String, Long> registered = table == null ? Map.of() : registeredFiles(table, paths);
    Set<String> listedHere = new HashSet<>();
    for (RawPath path : paths) {
      listedHere.add(path.location());
      long size = sizes.get(path.location());
      Long registeredSize = registered.get(path.location());
      if (registeredSize != null && knownRejected.contains(path.location())) {
        // Registered, maybe by a run stopped before its rejected-files commit.
        outcome.cleared.add(path.location());
      }
      if (registeredSize == null) {
        batch.candidates.add(new Candidate(path, size));
      } else if (registeredSize == size) {
        outcome.skipped++;
      } else {
        outcome.changed.add(
            new FileProblem(
                path.location(),
                "size changed since registration ("
                    + registeredSize
                    + " -> "
                    + size
                    + " bytes); not re-added"));
      }
    }
    if (reconcile) {
      for (Map.Entry<String, Long> file : registered.entrySet()) {
        if (!listedHere.contains(file.getKey())
            && Locations.relativize(source, file.getKey()) != null) {
          outcome.missing.add(
              new FileProblem(
                  file.getKey(), "registered in " + id + " but no longer in the source"));
        }
      }
    }
    return batch;
  }

  /** Registered files of the listed devices (all of them when reconciling), by location. */
  private Map<String, Long> registeredFiles(Table table, List<RawPath> paths) {
    Expression filter = Expressions.alwaysTrue();
    if (!reconcile) {
      Set<String> devices = new java.util.TreeSet<>();
      paths.forEach(p -> devices.add(p.deviceId()));
      filter = Expressions.in(RawSchema.DEVICE, devices.toArray());
    }
    Map<String, Long> files = new HashMap<>();
    try (CloseableIterable<FileScanTask> tasks =
        table.newScan().filter(filter).ignoreResiduals().planFiles()) {
      for (FileScanTask task : tasks) {
        files.put(task.file().location(), task.file().fileSizeInBytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot list the files registered in " + table.name() + ": " + e.getMessage(), e);
    }
    return files;
  }

  private void readFooters(TableBatch batch, Outcome outcome, ExecutorService pool) {
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Candidate candidate : batch.candidates) {
        futures.add(pool.submit(() -> readFooter(candidate, outcome)));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot register: interrupted while reading footers", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "Cannot register: footer reader failed: " + e.getCause(), e.getCause());
    }
    batch.candidates.removeIf(c -> c.schema == null);
  }

  private void readFooter(Candidate candidate, Outcome outcome) {
    String location = candidate.path.location();
    try {
      ParquetMetadata footer = ParquetFooter.read(sourceIO, location, candidate.size);
      FileSchema schema = FileSchema.of(footer.getFileMetaData().getSchema());
      long rows = footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
      if (rows == 0) {
        throw new IllegalArgumentException("Parquet file has no rows");
      }
      candidate.footer = footer;
      candidate.rows = rows;
      candidate.schema = schema;
    } catch (IOException | IllegalArgumentException e) {
      outcome.rejected.add(new FileProblem(location, e.getMessage()));
    } catch (RuntimeException e) {
      outcome.rejected.add(new FileProblem(location, "unreadable: " + rootCause(e)));
    }
  }

  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  /** Columns a batch adds or widens, after rejecting the files that do not fit the table. */
  private static final class SchemaChange {
    Types.TimestampType timeType;
    final Map<String, PrimitiveType> columns = new LinkedHashMap<>();
    final Map<String, PrimitiveType> added = new LinkedHashMap<>();
    final Map<String, PrimitiveType> widened = new LinkedHashMap<>();
    final Map<String, Set<String>> fileNames = new HashMap<>();
  }

  private SchemaChange planSchema(TableBatch batch, Outcome outcome) {
    SchemaChange change = new SchemaChange();
    if (batch.table != null) {
      for (Types.NestedField field : batch.table.schema().columns()) {
        if (field.name().equals(RawSchema.TIME)) {
          change.timeType = (Types.TimestampType) field.type();
        } else if (!field.name().equals(RawSchema.DEVICE)) {
          change.columns.put(field.name(), field.type().asPrimitiveType());
        }
      }
    }
    batch.candidates.sort(Comparator.comparing(c -> c.path.location()));
    List<Candidate> accepted = new ArrayList<>();
    for (Candidate candidate : batch.candidates) {
      String reason = fit(candidate.schema, change, batch.id);
      if (reason != null) {
        outcome.rejected.add(new FileProblem(candidate.path.location(), reason));
        continue;
      }
      accepted.add(candidate);
      if (change.timeType == null) {
        change.timeType = candidate.schema.timeType();
      }
      change
          .fileNames
          .computeIfAbsent(RawSchema.TIME, k -> new LinkedHashSet<>())
          .add(candidate.schema.timeFileName());
      for (Signal signal : candidate.schema.signals()) {
        PrimitiveType current = change.columns.get(signal.name());
        if (current == null) {
          change.columns.put(signal.name(), signal.type());
          change.added.put(signal.name(), signal.type());
        } else if (!current.equals(signal.type())
            && !TypeUtil.isPromotionAllowed(signal.type(), current)) {
          change.columns.put(signal.name(), signal.type());
          if (change.added.containsKey(signal.name())) {
            change.added.put(signal.name(), signal.type());
          } else {
            change.widened.put(signal.name(), signal.type());
          }
        }
        change
            .fileNames
            .computeIfAbsent(signal.name(), k -> new LinkedHashSet<>())
            .add(signal.fileName());
      }
    }
    batch.candidates.retainAll(accepted);
    return change;
  }

  /** Why a file cannot go into the table as planned so far, or null when it fits. */
  private static String fit(FileSchema schema, SchemaChange change, TableIdentifier id) {
    if (change.timeType != null && !change.timeType.equals(schema.timeType())) {
      return "column 't' is "
          + schema.timeType()
          + " in the file but "
          + change.timeType
          + " in "
          + id
          + " (UTC-adjusted and local timestamps cannot share a table)";
    }
    for (Signal signal : schema.signals()) {
      PrimitiveType current = change.columns.get(signal.name());
      if (current != null
          && !current.equals(signal.type())
          && !TypeUtil.isPromotionAllowed(signal.type(), current)
          && !TypeUtil.isPromotionAllowed(current, signal.type())) {
        return "column '"
            + signal.fileName()
            + "' is "
            + signal.type()
            + " in the file but "
            + current
            + " in "
            + id
            + " (incompatible type change)";
      }
    }
    return null;
  }

  private void commit(TableBatch batch, Outcome outcome) {
    SchemaChange change = planSchema(batch, outcome);
    if (batch.candidates.isEmpty()) {
      return;
    }
    Transaction txn;
    boolean created = batch.table == null;
    if (created) {
      Schema schema = newTableSchema(change);
      txn =
          catalog
              .buildTable(batch.id, schema)
              .withPartitionSpec(
                  PartitionSpec.builderFor(schema).identity(RawSchema.DEVICE).build())
              .withProperties(rawTableProperties())
              .createTransaction();
    } else {
      txn = batch.table.newTransaction();
      if (!change.added.isEmpty() || !change.widened.isEmpty()) {
        UpdateSchema update = txn.updateSchema();
        change.added.forEach(update::addColumn);
        change.widened.forEach(update::updateColumn);
        update.commit();
      }
      String sources = batch.table.properties().getOrDefault(LakeProperties.RAW_SOURCE, "");
      if (!List.of(sources.split(",")).contains(source)) {
        txn.updateProperties()
            .set(LakeProperties.RAW_SOURCE, sources.isEmpty() ? source : sources + "," + source)
            .commit();
      }
    }
    Table table = txn.table();
    checkNoOverlap(table.location(), "table " + batch.id);

    NameMapping mapping = nameMapping(table, change);
    txn.updateProperties()
        .set(TableProperties.DEFAULT_NAME_MAPPING, NameMappingParser.toJson(mapping))
        .commit();

    // Metrics are computed with the table's mapping: without it, ids fall back to column positions
    // and the bounds land on the wrong columns (filters then silently drop rows).
    MetricsConfig metricsConfig = MetricsConfig.forTable(table);
    AppendFiles append = txn.newAppend();
    long rows = 0;
    long bytes = 0;
    for (Candidate candidate : batch.candidates) {
      Metrics metrics =
          ParquetUtil.footerMetrics(
              candidate.footer, java.util.stream.Stream.empty(), metricsConfig, mapping);
      DataFile file =
          DataFiles.builder(table.spec())
              .withPath(candidate.path.location())
              .withFormat(FileFormat.PARQUET)
              .withFileSizeInBytes(candidate.size)
              .withPartitionPath(RawSchema.DEVICE + "=" + candidate.path.deviceId())
              .withMetrics(metrics)
              .withSplitOffsets(ParquetUtil.getSplitOffsets(candidate.footer))
              .build();
      append.appendFile(file);
      rows += candidate.rows;
      bytes += candidate.size;
    }
    append.set(LakeProperties.RUN_ID, runId);
    append.set(LakeProperties.RAW_SOURCE, source);
    append.commit();
    try {
      txn.commitTransaction();
    } catch (CommitFailedException | ValidationException e) {
      throw new IllegalStateException(
          "Cannot register into "
              + batch.id
              + ": the commit conflicted with another writer ("
              + e.getMessage()
              + "). Nothing was registered into this table; run registration again: it skips what"
              + " is registered.",
          e);
    }

    if (created) {
      outcome.created.add(batch.id.toString());
    }
    change
        .added
        .keySet()
        .forEach(
            c -> {
              if (!created) {
                outcome.columnsAdded.add(batch.id + "." + c);
              }
            });
    for (Candidate candidate : batch.candidates) {
      if (knownRejected.contains(candidate.path.location())) {
        outcome.cleared.add(candidate.path.location());
      }
    }
    long snapshotId = table.currentSnapshot().snapshotId();
    outcome.commits.add(
        new TableCommit(batch.id.toString(), snapshotId, batch.candidates.size(), rows, bytes));
    outcome.registered += batch.candidates.size();
    outcome.rows += rows;
    outcome.bytes += bytes;
  }

  private static Schema newTableSchema(SchemaChange change) {
    List<Types.NestedField> fields = new ArrayList<>();
    int id = 1;
    fields.add(Types.NestedField.required(id++, RawSchema.DEVICE, Types.StringType.get()));
    fields.add(Types.NestedField.optional(id++, RawSchema.TIME, change.timeType));
    for (Map.Entry<String, PrimitiveType> column : change.columns.entrySet()) {
      fields.add(Types.NestedField.optional(id++, column.getKey(), column.getValue()));
    }
    return new Schema(fields);
  }

  private Map<String, String> rawTableProperties() {
    Map<String, String> props = new LinkedHashMap<>();
    props.put(TableProperties.FORMAT_VERSION, "2");
    // Iceberg treats registered files as its own: with GC on, expiry or orphan cleanup after any
    // rewrite would delete the loggers' original files.
    props.put(TableProperties.GC_ENABLED, "false");
    props.put(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true");
    props.put(LakeProperties.RAW_SOURCE, source);
    return props;
  }

  /**
   * The table's name mapping: every column under its table name, plus each name it has in the files
   * (the mapping is how {@code speed} reads a file column {@code Speed}). Existing aliases are
   * kept.
   */
  private static NameMapping nameMapping(Table table, SchemaChange change) {
    Map<Integer, Set<String>> names = new TreeMap<>();
    String json = table.properties().get(TableProperties.DEFAULT_NAME_MAPPING);
    if (json != null) {
      for (MappedField field : NameMappingParser.fromJson(json).asMappedFields().fields()) {
        names.computeIfAbsent(field.id(), k -> new LinkedHashSet<>()).addAll(field.names());
      }
    }
    for (Types.NestedField column : table.schema().columns()) {
      Set<String> aliases = names.computeIfAbsent(column.fieldId(), k -> new LinkedHashSet<>());
      aliases.add(column.name());
      aliases.addAll(change.fileNames.getOrDefault(column.name(), Set.of()));
    }
    List<MappedField> fields = new ArrayList<>();
    names.forEach((id, aliases) -> fields.add(MappedField.of(id, aliases)));
    return NameMapping.of(fields);
  }

  private Collection<String> existingRawTables() {
    return lake.rawMessageTables(catalog).stream().map(TableIdentifier::name).toList();
  }

  private void ensureNamespace() {
    if (catalog instanceof SupportsNamespaces namespaces
        && !namespaces.namespaceExists(lake.rawNamespace())) {
      try {
        namespaces.createNamespace(lake.rawNamespace());
      } catch (org.apache.iceberg.exceptions.AlreadyExistsException e) {
        // Another run created it first.
      }
    }
  }

  private String catalogWarehouse() {
    return lake.catalogProperties().get(org.apache.iceberg.CatalogProperties.WAREHOUSE_LOCATION);
  }

  /**
   * Orphan cleanup deletes every unreferenced file under a table location: it must never reach raw
   * files.
   */
  private void checkNoOverlap(String location, String what) {
    if (location != null && Locations.overlap(location, source)) {
      throw new IllegalArgumentException(
          "Cannot register from "
              + source
              + ": "
              + what
              + " location "
              + location
              + " overlaps the source (maintenance could delete raw files); keep the warehouse"
              + " outside the raw data");
    }
  }
}
