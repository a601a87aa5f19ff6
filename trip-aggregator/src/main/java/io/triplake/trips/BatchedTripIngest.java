package io.triplake.trips;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.FetchedFiles;
import io.triplake.lake.Lake;
import io.triplake.lake.Locations;
import io.triplake.lake.RawPath;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class BatchedTripIngest implements TripIngest {
  private static final Logger LOG = LoggerFactory.getLogger(BatchedTripIngest.class);

  private final Lake lake;
  private final FileIO sourceIO;
  private final Supplier<SparkSession> spark;
  private final TripConfig config;
  private String source;
  private int lastDays;
  private LocalDate until;
  private String runId = UUID.randomUUID().toString();
  private int parallelism = RawFileRegistrar.PARALLELISM_DEFAULT;
  private long batchBytes = BATCH_BYTES_DEFAULT;
  private Path keepDir = Path.of(System.getProperty("java.io.tmpdir"));
  private long driverRowsMax = Long.MAX_VALUE;

  BatchedTripIngest(Lake lake, FileIO sourceIO, Supplier<SparkSession> spark, TripConfig config) {
    this.lake = lake;
    this.sourceIO = sourceIO;
    this.spark = spark;
    this.config = config;
  }

  @Override
  public TripIngest source(String rootLocation) {
    this.source = rootLocation;
    return this;
  }

  @Override
  public TripIngest lastDays(int days, LocalDate until) {
    this.lastDays = days;
    this.until = until;
    return this;
  }

  @Override
  public TripIngest runId(String runId) {
    this.runId = runId;
    return this;
  }

  @Override
  public TripIngest parallelism(int reads) {
    this.parallelism = reads;
    return this;
  }

  @Override
  public TripIngest batchBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException(
          "Cannot ingest: the bytes per part must be positive (" + bytes + ")");
    }
    this.batchBytes = bytes;
    return this;
  }

  @Override
  public TripIngest keepDir(Path dir) {
    this.keepDir = dir;
    return this;
  }

  @Override
  public TripIngest driverRowsMax(long rows) {
    this.driverRowsMax = rows;
    return this;
  }

  @Override
  public Result execute() {
    if (source == null) {
      throw new IllegalStateException("Cannot ingest: no source set");
    }
    if (!(sourceIO instanceof SupportsPrefixOperations prefixIO)) {
      throw new IllegalStateException(
          "Cannot list the source: " + sourceIO.getClass().getName() + " cannot list prefixes");
    }
    long start = System.nanoTime();
    List<FileInfo> listed = listed(prefixIO.listPrefix(source), source, lastDays, until);
    List<List<FileInfo>> batches = batches(listed, source, batchBytes);
    List<Part> parts = new ArrayList<>();
    FetchedFiles.Tally kept;
    // No limit of its own: a part is at most batchBytes (or one device), and only a new lake's
    // first parts, before the config's raw tables all exist, keep more (see below); a full disk
    // costs GETs, not the run.
    try (FetchedFiles store = FetchedFiles.open(keepDir, Long.MAX_VALUE)) {
      boolean tablesExist = false;
      for (int i = 0; i < batches.size(); i++) {
        List<FileInfo> batch = batches.get(i);
        String partId = batches.size() == 1 ? runId : runId + "-" + (i + 1);
        RawFileRegistrar.Result registered = register(batch, partId, store);
        TripAggregator.Result aggregated = null;
        // On a new lake the first parts may not have created every raw table the config names,
        // which the trip job refuses: their files stay kept for the first part that has them all
        // (the last part runs it whatever, failing as aggregate would).
        // Once they exist they stay: the catalog is not asked again for every later part.
        tablesExist = tablesExist || configTablesExist();
        if (i == batches.size() - 1 || tablesExist) {
          aggregated =
              TripAggregator.of(lake, spark, config)
                  .runId(partId)
                  .driverRowsMax(driverRowsMax)
                  .execute();
          // The part's files are committed and summarised: the next part gets the disk.
          store.clear();
        }
        parts.add(
            new Part(
                devices(batch, source),
                batch.size(),
                batch.stream().mapToLong(FileInfo::size).sum(),
                registered,
                aggregated));
      }
      kept = store.tally();
    }
    Result result =
        new Result(runId, source, List.copyOf(parts), kept, (System.nanoTime() - start) / 1e9);
    LOG.info(result.summary());
    return result;
  }

  private RawFileRegistrar.Result register(
      List<FileInfo> batch, String partId, FetchedFiles store) {
    Catalog catalog = lake.catalog();
    try {
      RawFileRegistrar registrar =
          RawFileRegistrar.of(lake, catalog, sourceIO)
              .source(source)
              .listing(batch)
              .keepFetchedIn(store)
              .parallelism(parallelism)
              .runId(partId);
      if (lastDays > 0) {
        registrar.lastDays(lastDays, until);
      }
      return registrar.execute();
    } finally {
      close(catalog, partId);
    }
  }

  private boolean configTablesExist() {
    Catalog catalog = lake.catalog();
    try {
      return config.clusters().stream()
          .flatMap(c -> c.messages().stream())
          .allMatch(m -> catalog.tableExists(lake.rawTable(m.toLowerCase(Locale.ROOT))));
    } finally {
      close(catalog, runId);
    }
  }

  private static void close(Catalog catalog, String partId) {
    if (catalog instanceof Closeable closeable) {
      try {
        closeable.close();
      } catch (IOException e) {
        LOG.warn("Cannot close the catalog of ingest part {}", partId, e);
      }
    }
  }

  /**
   * What the source lists that the run's registrations may take: with {@code lastDays}, a file of
   * the layout whose folder day is outside the window is left out while listing, as registration
   * would leave it out. Otherwise a source that holds years of history would be held in memory
   * whole and weigh on every part's bytes, making a part of each device. A file off the layout
   * stays: registration ignores or rejects it.
   */
  static List<FileInfo> listed(
      Iterable<FileInfo> listing, String source, int lastDays, LocalDate until) {
    List<FileInfo> listed = new ArrayList<>();
    for (FileInfo info : listing) {
      if (lastDays > 0 && outsideWindow(info, source, lastDays, until)) {
        continue;
      }
      listed.add(info);
    }
    return listed;
  }

  private static boolean outsideWindow(
      FileInfo info, String source, int lastDays, LocalDate until) {
    try {
      return !RawPath.parse(source, info.location()).inLastDays(lastDays, until);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The listing in parts of whole devices (the first path segment under the source), in device
   * order, each at most {@code maxBytes} unless one device alone is larger. Files outside any
   * device folder go with the first part, where registration ignores or rejects them as it would.
   */
  static List<List<FileInfo>> batches(List<FileInfo> listed, String source, long maxBytes) {
    Map<String, List<FileInfo>> byDevice = new TreeMap<>();
    for (FileInfo info : listed) {
      byDevice.computeIfAbsent(device(info, source), k -> new ArrayList<>()).add(info);
    }
    List<List<FileInfo>> batches = new ArrayList<>();
    List<FileInfo> current = new ArrayList<>();
    long bytes = 0;
    for (Map.Entry<String, List<FileInfo>> device : byDevice.entrySet()) {
      List<FileInfo> files = device.getValue();
      // Loose files cost registration a listing entry, not a read: they go with the first device.
      long deviceBytes =
          device.getKey().isEmpty() ? 0 : files.stream().mapToLong(FileInfo::size).sum();
      if (bytes > 0 && bytes + deviceBytes > maxBytes) {
        batches.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.addAll(files);
      bytes += deviceBytes;
    }
    if (!current.isEmpty() || batches.isEmpty()) {
      batches.add(current);
    }
    return batches;
  }

  private static String device(FileInfo info, String source) {
    String relative = Locations.relativize(source, info.location());
    if (relative == null) {
      return "";
    }
    int slash = relative.indexOf('/');
    // "" sorts first: loose files go with the first part.
    return slash < 0 ? "" : relative.substring(0, slash);
  }

  private static List<String> devices(List<FileInfo> batch, String source) {
    return batch.stream()
        .map(f -> device(f, source))
        .filter(d -> !d.isEmpty())
        .distinct()
        .sorted()
        .toList();
  }
}
