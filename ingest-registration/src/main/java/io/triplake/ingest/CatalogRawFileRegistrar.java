package io.triplake.ingest;

import io.triplake.ingest.FileSchema.Signal;
import io.triplake.lake.FetchedFiles;
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
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
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
import org.apache.iceberg.relocated.com.google.common.base.Throwables;
import org.apache.iceberg.relocated.com.google.common.collect.Lists;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.iceberg.types.Type.PrimitiveType;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.Tasks;
import org.apache.iceberg.util.ThreadPools;
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
  private FetchedFiles keep;
  private List<FileInfo> listing;
  private int filesPerCommit = FILES_PER_COMMIT_DEFAULT;

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
  public RawFileRegistrar keepFetchedIn(FetchedFiles store) {
    this.keep = java.util.Objects.requireNonNull(store, "store");
    return this;
  }

  @Override
  public RawFileRegistrar listing(List<FileInfo> files) {
    this.listing = List.copyOf(files);
    return this;
  }

  @Override
  public Result execute() {
    if (source == null) {
      throw new IllegalStateException("Cannot register: no source set");
    }
    if (reconcile && listing != null) {
      throw new IllegalArgumentException(
          "Cannot reconcile a given listing of "
              + listing.size()
              + " files: a reconcile lists every folder of the source itself");
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

    Listing listing = list();
    ensureNamespace();
    // Before any raw commit: a table of that name that is not the rejected-files table fails the
    // run here, with nothing committed.
    RejectedFilesTable rejectedTable = RejectedFilesTable.open(lake, catalog);
    checkNoOverlap(rejectedTable.location(), "table " + rejectedTable.name());
    Set<String> knownRejected = rejectedTable.paths();

    Set<String> tableNames = new TreeSet<>(listing.byTable().keySet());
    if (reconcile) {
      tableNames.addAll(existingRawTables());
    }
    List<TablePlan> plans = new ArrayList<>();
    for (String name : tableNames) {
      plans.add(
          plan(
              name,
              listing.byTable().getOrDefault(name, List.of()),
              listing.sizes(),
              knownRejected));
    }
    List<FileProblem> rejected = new ArrayList<>(listing.rejected());
    List<SliceCommit> commits = new ArrayList<>();
    ExecutorService pool = ThreadPools.newFixedThreadPool("footer-reader", parallelism);
    try {
      for (TablePlan plan : plans) {
        // Slices keep memory to one slice's footers; each slice is a commit of its own
        // (registration is idempotent by path, so a run stopped between two resumes where it
        // stopped).
        List<List<Candidate>> slices = Lists.partition(plan.candidates(), filesPerCommit);
        for (int i = 0; i < slices.size(); i++) {
          // The slice before may have created the table or changed its schema.
          Table table = i == 0 ? plan.table() : loadIfExists(plan.id());
          SliceOutcome slice = register(plan.id(), table, slices.get(i), knownRejected, pool);
          rejected.addAll(slice.rejected());
          if (slice.commit() != null) {
            commits.add(slice.commit());
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }

    Set<String> cleared = new HashSet<>();
    plans.forEach(p -> cleared.addAll(p.cleared()));
    commits.forEach(c -> cleared.addAll(c.cleared()));
    // After the raw appends: a run stopped between the two leaves at worst the row of a file that
    // is registered now, which the next run that lists the file clears. The other order could
    // clear the row of a file whose append then failed.
    beforeRejectedFilesCommit.run();
    if (reconcile) {
      // Every file of the source was listed: a rejected file that is no longer there is cleared.
      knownRejected.stream()
          .filter(p -> !listing.sizes().containsKey(p) && Locations.relativize(source, p) != null)
          .forEach(cleared::add);
    }
    List<FileProblem> rejectedFiles = sorted(rejected);
    RejectedFilesUpdate rejectedUpdate =
        rejectedTable.commit(
            rejectedFiles.stream()
                .map(
                    p ->
                        new RejectedFilesTable.Rejection(
                            p.path(), p.reason(), listing.sizes().get(p.path())))
                .toList(),
            cleared,
            source,
            runId,
            started);

    double seconds = (System.nanoTime() - start) / 1e9;
    List<TableCommit> tableCommits = commits.stream().map(SliceCommit::commit).toList();
    Result result =
        new Result(
            runId,
            source,
            commits.stream().filter(SliceCommit::created).map(c -> c.commit().table()).toList(),
            commits.stream().flatMap(c -> c.columnsAdded().stream()).toList(),
            new Added(
                tableCommits.stream().mapToInt(TableCommit::files).sum(),
                tableCommits.stream().mapToLong(TableCommit::rows).sum(),
                tableCommits.stream().mapToLong(TableCommit::bytes).sum()),
            new Passed(plans.stream().mapToInt(TablePlan::skipped).sum(), listing.ignored()),
            tableCommits,
            sorted(plans.stream().flatMap(p -> p.changed().stream()).toList()),
            sorted(plans.stream().flatMap(p -> p.missing().stream()).toList()),
            rejectedFiles,
            rejectedUpdate,
            seconds);
    LOG.info(result.summary());
    return result;
  }

  private static List<FileProblem> sorted(List<FileProblem> problems) {
    return problems.stream().sorted(Comparator.comparing(FileProblem::path)).toList();
  }

  /**
   * What listing the source found.
   *
   * @param byTable the files to look at, by raw table name
   * @param sizes the listed size of each of them and of the files the layout rejects, by location
   * @param ignored files that are not Parquet by name or are hidden
   * @param rejected files whose path does not follow the layout
   */
  private record Listing(
      Map<String, List<RawPath>> byTable,
      Map<String, Long> sizes,
      int ignored,
      List<FileProblem> rejected) {}

  /** A listed file not registered yet. */
  private record Candidate(RawPath path, long size) {}

  /**
   * One raw table's share of the listing, before any footer is read.
   *
   * @param table null while the table does not exist
   * @param candidates listed files not registered yet
   * @param skipped listed files registered with the same size
   * @param cleared files with a row in the rejected-files table that are registered already
   */
  private record TablePlan(
      TableIdentifier id,
      Table table,
      List<Candidate> candidates,
      int skipped,
      List<FileProblem> changed,
      List<FileProblem> missing,
      Set<String> cleared) {}

  /** A candidate's footer, read and found to hold rows. */
  private record Footer(Candidate file, ParquetMetadata metadata, FileSchema schema, long rows) {}

  /** The footers of one slice: those read, and the files that could not be. */
  private record FooterReads(List<Footer> footers, List<FileProblem> rejected) {}

  /**
   * What one slice's commit did.
   *
   * @param columnsAdded columns it added to a table that existed before, as {@code table.column}
   * @param cleared files with a row in the rejected-files table that it registered
   */
  private record SliceCommit(
      TableCommit commit, boolean created, List<String> columnsAdded, Set<String> cleared) {}

  private Listing list() {
    if (!(sourceIO instanceof SupportsPrefixOperations prefixIO)) {
      throw new IllegalStateException(
          "Cannot list the source: " + sourceIO.getClass().getName() + " cannot list prefixes");
    }
    Map<String, List<RawPath>> byTable = new TreeMap<>();
    Map<String, Long> sizes = new HashMap<>();
    List<FileProblem> rejected = new ArrayList<>();
    int ignored = 0;
    try {
      for (FileInfo info : listing != null ? listing : prefixIO.listPrefix(source)) {
        String relative = Locations.relativize(source, info.location());
        if (relative == null || isHidden(relative) || !relative.endsWith(".parquet")) {
          ignored++;
          continue;
        }
        RawPath path;
        try {
          path = RawPath.parse(source, info.location());
        } catch (IllegalArgumentException e) {
          rejected.add(new FileProblem(info.location(), e.getMessage()));
          sizes.put(info.location(), info.size());
          continue;
        }
        if (lastDays > 0 && !path.inLastDays(lastDays, until)) {
          continue;
        }
        sizes.put(info.location(), info.size());
        byTable.computeIfAbsent(path.tableName(), k -> new ArrayList<>()).add(path);
      }
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException(
          "Cannot list the source: " + rootCause(e) + " (" + source + ")", e);
    }
    return new Listing(byTable, sizes, ignored, rejected);
  }

  private static boolean isHidden(String relative) {
    for (String segment : relative.split("/")) {
      if (segment.startsWith(".") || segment.startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  private TablePlan plan(
      String name, List<RawPath> paths, Map<String, Long> sizes, Set<String> knownRejected) {
    TableIdentifier id = lake.rawTable(name);
    Table table = loadIfExists(id);
    Map<String, Long> registered = table == null ? Map.of() : registeredFiles(table, paths);
    List<Candidate> candidates = new ArrayList<>();
    int skipped = 0;
    List<FileProblem> changed = new ArrayList<>();
    List<FileProblem> missing = new ArrayList<>();
    Set<String> cleared = new HashSet<>();
    Set<String> listedHere = new HashSet<>();
    for (RawPath path : paths) {
      listedHere.add(path.location());
      long size = sizes.get(path.location());
      Long registeredSize = registered.get(path.location());
      if (registeredSize != null && knownRejected.contains(path.location())) {
        // Registered, maybe by a run stopped before its rejected-files commit.
        cleared.add(path.location());
      }
      if (registeredSize == null) {
        candidates.add(new Candidate(path, size));
      } else if (registeredSize == size) {
        skipped++;
      } else {
        changed.add(
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
          missing.add(
              new FileProblem(
                  file.getKey(), "registered in " + id + " but no longer in the source"));
        }
      }
    }
    return new TablePlan(id, table, candidates, skipped, changed, missing, cleared);
  }

  private Table loadIfExists(TableIdentifier id) {
    return catalog.tableExists(id) ? catalog.loadTable(id) : null;
  }

  /** Registered files of the listed devices (all of them when reconciling), by location. */
  private Map<String, Long> registeredFiles(Table table, List<RawPath> paths) {
    Expression filter = Expressions.alwaysTrue();
    if (!reconcile) {
      Set<String> devices = new TreeSet<>();
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

  /**
   * What one slice came to, without its footers.
   *
   * @param rejected its files that could not be read or do not fit the table
   * @param commit null when none of its files fit
   */
  private record SliceOutcome(List<FileProblem> rejected, SliceCommit commit) {}

  /**
   * Reads a slice's footers and commits the files that fit. The footers live only in this call, so
   * they are released before the next slice's are read.
   *
   * @param table null while the table does not exist
   */
  private SliceOutcome register(
      TableIdentifier id,
      Table table,
      List<Candidate> slice,
      Set<String> knownRejected,
      ExecutorService pool) {
    FooterReads reads = readFooters(slice, pool);
    SchemaPlan schema = planSchema(id, table, reads.footers());
    List<FileProblem> rejected = new ArrayList<>(reads.rejected());
    rejected.addAll(schema.rejected());
    return new SliceOutcome(
        rejected, schema.accepted().isEmpty() ? null : commit(id, table, schema, knownRejected));
  }

  /** Reads the candidates' footers, {@link #parallelism} at a time. */
  private FooterReads readFooters(List<Candidate> candidates, ExecutorService pool) {
    Queue<Footer> footers = new ConcurrentLinkedQueue<>();
    Queue<FileProblem> rejected = new ConcurrentLinkedQueue<>();
    // A file that cannot be read is rejected, not a failure of the run: no task throws but for an
    // Error, which Tasks rethrows.
    Tasks.foreach(candidates)
        .executeWith(pool)
        .run(
            candidate -> {
              String location = candidate.path().location();
              try {
                footers.add(readFooter(candidate));
              } catch (IOException | IllegalArgumentException e) {
                rejected.add(new FileProblem(location, e.getMessage()));
              } catch (RuntimeException e) {
                rejected.add(new FileProblem(location, "unreadable: " + rootCause(e)));
              }
            });
    return new FooterReads(List.copyOf(footers), List.copyOf(rejected));
  }

  /**
   * @throws IOException or IllegalArgumentException with the reason the file cannot be registered
   */
  private Footer readFooter(Candidate candidate) throws IOException {
    ParquetMetadata footer =
        ParquetFooter.read(sourceIO, candidate.path().location(), candidate.size(), keep);
    FileSchema schema = FileSchema.of(footer.getFileMetaData().getSchema());
    long rows = footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
    if (rows == 0) {
      throw new IllegalArgumentException("Parquet file has no rows");
    }
    return new Footer(candidate, footer, schema, rows);
  }

  private static String rootCause(Throwable e) {
    Throwable cause = Throwables.getRootCause(e);
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

  /**
   * A slice's schema change, the files that fit the table with it (in location order) and those
   * that do not.
   */
  private record SchemaPlan(
      SchemaChange change, List<Footer> accepted, List<FileProblem> rejected) {}

  /**
   * @param table null while the table does not exist
   */
  private static SchemaPlan planSchema(TableIdentifier id, Table table, List<Footer> footers) {
    SchemaChange change = new SchemaChange();
    if (table != null) {
      for (Types.NestedField field : table.schema().columns()) {
        if (field.name().equals(RawSchema.TIME)) {
          change.timeType = (Types.TimestampType) field.type();
        } else if (!field.name().equals(RawSchema.DEVICE)) {
          change.columns.put(field.name(), field.type().asPrimitiveType());
        }
      }
    }
    List<Footer> accepted = new ArrayList<>();
    List<FileProblem> rejected = new ArrayList<>();
    for (Footer footer :
        footers.stream().sorted(Comparator.comparing(f -> f.file().path().location())).toList()) {
      FileSchema schema = footer.schema();
      String reason = fit(schema, change, id);
      if (reason != null) {
        rejected.add(new FileProblem(footer.file().path().location(), reason));
        continue;
      }
      accepted.add(footer);
      if (change.timeType == null) {
        change.timeType = schema.timeType();
      }
      change
          .fileNames
          .computeIfAbsent(RawSchema.TIME, k -> new LinkedHashSet<>())
          .add(schema.timeFileName());
      for (Signal signal : schema.signals()) {
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
    return new SchemaPlan(change, accepted, rejected);
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

  /**
   * Appends the slice's files that fit (at least one), creating the table or changing its schema in
   * the same transaction.
   *
   * @param existing null while the table does not exist
   */
  private SliceCommit commit(
      TableIdentifier id, Table existing, SchemaPlan plan, Set<String> knownRejected) {
    SchemaChange change = plan.change();
    Transaction txn;
    boolean created = existing == null;
    if (created) {
      Schema schema = newTableSchema(change);
      txn =
          catalog
              .buildTable(id, schema)
              .withPartitionSpec(
                  PartitionSpec.builderFor(schema).identity(RawSchema.DEVICE).build())
              .withProperties(rawTableProperties())
              .createTransaction();
    } else {
      txn = existing.newTransaction();
      if (!change.added.isEmpty() || !change.widened.isEmpty()) {
        UpdateSchema update = txn.updateSchema();
        change.added.forEach(update::addColumn);
        change.widened.forEach(update::updateColumn);
        update.commit();
      }
      String sources = existing.properties().getOrDefault(LakeProperties.RAW_SOURCE, "");
      if (!List.of(sources.split(",")).contains(source)) {
        txn.updateProperties()
            .set(LakeProperties.RAW_SOURCE, sources.isEmpty() ? source : sources + "," + source)
            .commit();
      }
    }
    Table table = txn.table();
    checkNoOverlap(table.location(), "table " + id);

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
    Set<String> cleared = new HashSet<>();
    for (Footer footer : plan.accepted()) {
      Candidate candidate = footer.file();
      Metrics metrics =
          ParquetUtil.footerMetrics(
              footer.metadata(), java.util.stream.Stream.empty(), metricsConfig, mapping);
      DataFile file =
          DataFiles.builder(table.spec())
              .withPath(candidate.path().location())
              .withFormat(FileFormat.PARQUET)
              .withFileSizeInBytes(candidate.size())
              .withPartitionPath(RawSchema.DEVICE + "=" + candidate.path().deviceId())
              .withMetrics(metrics)
              .withSplitOffsets(ParquetUtil.getSplitOffsets(footer.metadata()))
              .build();
      append.appendFile(file);
      rows += footer.rows();
      bytes += candidate.size();
      if (knownRejected.contains(candidate.path().location())) {
        cleared.add(candidate.path().location());
      }
    }
    append.set(LakeProperties.RUN_ID, runId);
    append.set(LakeProperties.RAW_SOURCE, source);
    append.commit();
    try {
      txn.commitTransaction();
    } catch (CommitFailedException | ValidationException e) {
      throw new IllegalStateException(
          "Cannot register into "
              + id
              + ": the commit conflicted with another writer ("
              + e.getMessage()
              + "). Nothing was registered into this table; run registration again: it skips what"
              + " is registered.",
          e);
    }

    List<String> columnsAdded =
        created ? List.of() : change.added.keySet().stream().map(c -> id + "." + c).toList();
    long snapshotId = table.currentSnapshot().snapshotId();
    return new SliceCommit(
        new TableCommit(id.toString(), snapshotId, plan.accepted().size(), rows, bytes),
        created,
        columnsAdded,
        cleared);
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
