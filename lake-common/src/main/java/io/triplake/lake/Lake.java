package io.triplake.lake;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Where the lake's tables live: an Iceberg catalog given as Iceberg's own catalog properties, plus
 * the namespaces of the raw and trip tables. The embedded lake and AWS differ only in these
 * properties.
 */
public final class Lake {
  /** Name of the Iceberg catalog inside Spark; it is also Spark's default catalog. */
  public static final String CATALOG_NAME = "lake";

  public static final String RAW_NAMESPACE_DEFAULT = "raw";
  public static final String TRIPS_NAMESPACE_DEFAULT = "trips";

  /**
   * The table of the files registration rejects, in the raw namespace next to the raw tables. It
   * starts with {@code _}, which no raw table can: a raw table is named after a message, and a
   * message name starts with a letter ({@link RawPath#isMessageTable}).
   */
  public static final String REJECTED_FILES = "_rejected_files";

  /** The trip job's table of trip summaries, in the trips namespace (its DDL is table-ddl's). */
  public static final String TRIPSUMMARY = "tripsummary";

  /** The trip job's table of one row per trip, in the trips namespace. */
  public static final String TRIPS = "trips";

  /** The trip job's table of one row per device, day and raw message, in the trips namespace. */
  public static final String DEVICEDAYS = "devicedays";

  private static final Set<String> TRIP_TABLES = Set.of(TRIPSUMMARY, TRIPS, DEVICEDAYS);

  private static final String SPARK_CATALOG_PREFIX = "spark.sql.catalog." + CATALOG_NAME;

  private final Map<String, String> catalogProperties;
  private final Namespace rawNamespace;
  private final Namespace tripsNamespace;

  private Lake(Map<String, String> catalogProperties, Namespace raw, Namespace trips) {
    // In the order given (sorted when read from a file): spark-submit parameters are built from it.
    this.catalogProperties =
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(catalogProperties));
    this.rawNamespace = raw;
    this.tripsNamespace = trips;
  }

  /**
   * The embedded lake: an Iceberg JDBC catalog on a SQLite file in {@code dir} and a warehouse in
   * {@code dir/warehouse}. One writer process per lake directory (SQLite takes one writer at a
   * time).
   */
  public static Lake embedded(Path dir) {
    Path root = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(root.resolve("warehouse"));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot create the lake directory: " + e.getMessage() + " (" + root + ")", e);
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, CatalogUtil.ICEBERG_CATALOG_TYPE_JDBC);
    props.put(CatalogProperties.URI, "jdbc:sqlite:" + root.resolve("catalog.db"));
    props.put(CatalogProperties.WAREHOUSE_LOCATION, root.resolve("warehouse").toUri().toString());
    // V1 adds views and is what new JDBC catalogs should use.
    props.put("jdbc.schema-version", "V1");
    props.put(CatalogProperties.FILE_IO_IMPL, LakeFileIO.class.getName());
    return new Lake(
        props, Namespace.of(RAW_NAMESPACE_DEFAULT), Namespace.of(TRIPS_NAMESPACE_DEFAULT));
  }

  /**
   * A lake from a local properties file of Iceberg catalog properties ({@code type}, {@code
   * warehouse}, ...).
   */
  public static Lake fromCatalogConf(Path file) {
    return fromCatalogConf(file.toAbsolutePath().toString());
  }

  /**
   * A lake from a properties file of Iceberg catalog properties, local or in an object store
   * ({@code s3://artifacts/conf/catalog.properties}). The client for that first read is configured
   * only by the environment, as every AWS SDK client is: credentials and region from the default
   * provider chains, an endpoint from {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL} (or
   * the JVM properties {@code aws.endpointUrlS3} / {@code aws.endpointUrl}). The file's own
   * settings apply to everything after.
   */
  public static Lake fromCatalogConf(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot read the catalog configuration: no location given (" + location + ")");
    }
    Properties props = new Properties();
    try (LakeFileIO io = new LakeFileIO()) {
      io.initialize(Map.of());
      try (InputStream in = io.newInputFile(Locations.normalize(location)).newStream()) {
        props.load(in);
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot read the catalog configuration: " + rootMessage(e) + " (" + location + ")", e);
    }
    Map<String, String> map = new LinkedHashMap<>();
    props.stringPropertyNames().stream()
        .sorted()
        .forEach(k -> map.put(k, props.getProperty(k).trim()));
    return fromProperties(map, location);
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  /**
   * Checks the properties against the catalog profile they select: {@code glue} (Iceberg's
   * GlueCatalog, S3FileIO, an {@code s3://} warehouse), {@code jdbc} and {@code rest} (a {@code
   * uri}), or any other {@code type} / {@code catalog-impl} Iceberg knows.
   */
  static Lake fromProperties(Map<String, String> props, String origin) {
    String type = props.get(CatalogUtil.ICEBERG_CATALOG_TYPE);
    if (type == null && !props.containsKey(CatalogProperties.CATALOG_IMPL)) {
      throw new IllegalArgumentException(
          "Cannot configure the catalog: neither 'type' nor 'catalog-impl' is set ("
              + origin
              + ")");
    }
    if (type != null) {
      switch (type) {
        case CatalogUtil.ICEBERG_CATALOG_TYPE_GLUE -> {
          String warehouse = props.get(CatalogProperties.WAREHOUSE_LOCATION);
          if (warehouse == null || !warehouse.matches("s3a?://[^/]+.*")) {
            throw new IllegalArgumentException(
                "Cannot configure the catalog: type=glue needs 'warehouse' = s3://bucket/prefix ("
                    + warehouse
                    + " in "
                    + origin
                    + ")");
          }
        }
        case CatalogUtil.ICEBERG_CATALOG_TYPE_JDBC, CatalogUtil.ICEBERG_CATALOG_TYPE_REST -> {
          if (props.get(CatalogProperties.URI) == null) {
            throw new IllegalArgumentException(
                "Cannot configure the catalog: type=" + type + " needs 'uri' (" + origin + ")");
          }
        }
        default -> {
          // hadoop, hive, nessie, ...: Iceberg checks its own properties.
        }
      }
    }
    return new Lake(
        props, Namespace.of(RAW_NAMESPACE_DEFAULT), Namespace.of(TRIPS_NAMESPACE_DEFAULT));
  }

  public Lake withNamespaces(String raw, String trips) {
    return new Lake(catalogProperties, namespace(raw), namespace(trips));
  }

  private static Namespace namespace(String name) {
    if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "Cannot use namespace: Athena needs lower-case letters, digits and '_' (" + name + ")");
    }
    return Namespace.of(name);
  }

  public Map<String, String> catalogProperties() {
    return catalogProperties;
  }

  public Namespace rawNamespace() {
    return rawNamespace;
  }

  public Namespace tripsNamespace() {
    return tripsNamespace;
  }

  public TableIdentifier rawTable(String name) {
    return TableIdentifier.of(rawNamespace, name);
  }

  /** {@link #REJECTED_FILES} in the raw namespace. */
  public TableIdentifier rejectedFilesTable() {
    return rawTable(REJECTED_FILES);
  }

  public TableIdentifier tripsTable(String name) {
    return TableIdentifier.of(tripsNamespace, name);
  }

  /**
   * The raw tables of the catalog, in name order: the raw namespace's tables named after a message
   * ({@link RawPath#isMessageTable}: not the rejected-files table), but not the trip tables when
   * the raw and trips namespaces are one; none before the first registration created the namespace.
   */
  public List<TableIdentifier> rawMessageTables(Catalog catalog) {
    // Told apart by name, not by the raw-source property registration sets: that would cost a
    // table load per table, and a raw table made by other means may lack it. In two namespaces a
    // message may well be called "trips".
    Set<String> tripTables = rawNamespace.equals(tripsNamespace) ? TRIP_TABLES : Set.of();
    try {
      return catalog.listTables(rawNamespace).stream()
          .filter(id -> RawPath.isMessageTable(id.name()) && !tripTables.contains(id.name()))
          .sorted(Comparator.comparing(TableIdentifier::name))
          .toList();
    } catch (NoSuchNamespaceException e) {
      return List.of();
    }
  }

  /** A stand-alone Iceberg catalog, for jobs that need no Spark. */
  public Catalog catalog() {
    Map<String, String> props = new LinkedHashMap<>(catalogProperties);
    JOB_DEFAULTS.forEach(props::putIfAbsent);
    return CatalogUtil.buildIcebergCatalog(CATALOG_NAME, props, new Configuration());
  }

  /**
   * Catalog properties every job's catalog gets unless the configuration says otherwise. Iceberg's
   * manifest cache: a run plans the identifier table's manifests up to three times (the files
   * changed since the checkpoint, the chains around them, the units) and every other table's twice;
   * cached in the catalog's FileIO, each manifest is read once per run (the bundled sample: 59
   * metadata reads down to 46).
   */
  private static final Map<String, String> JOB_DEFAULTS =
      Map.of(CatalogProperties.IO_MANIFEST_CACHE_ENABLED, "true");

  /**
   * The catalog instance Spark uses. Jobs that commit through the Java API and read through Spark
   * use this one, so both see the same table state (Spark's own catalog cache is disabled).
   */
  public Catalog catalog(SparkSession spark) {
    return Spark3Util.loadIcebergCatalog(spark, CATALOG_NAME);
  }

  /** A FileIO for any location the catalog properties can reach: local paths, {@code s3://}, ... */
  public FileIO sourceIO() {
    LakeFileIO io = new LakeFileIO();
    io.initialize(catalogProperties);
    return io;
  }

  /** Iceberg's property for the size of S3FileIO's HTTP connection pool (Apache client). */
  static final String S3_MAX_CONNECTIONS = "http-client.apache.max-connections";

  /**
   * A {@link #sourceIO()} for {@code readsInFlight} reads at once. Its S3 client holds that many
   * connections unless the catalog properties set {@value #S3_MAX_CONNECTIONS}: the SDK's default
   * pool, 50 connections, would make the other reads wait, so that 128 footer reads in flight at 30
   * ms a request did at most 50 / 0.03 s = 1,667 reads a second, not 4,267.
   */
  public FileIO sourceIO(int readsInFlight) {
    Map<String, String> props = new LinkedHashMap<>(catalogProperties);
    // Below 1 the reader refuses the parallelism itself, naming it.
    props.putIfAbsent(S3_MAX_CONNECTIONS, String.valueOf(Math.max(1, readsInFlight)));
    LakeFileIO io = new LakeFileIO();
    io.initialize(props);
    return io;
  }

  /**
   * A session with this lake as Spark's default catalog, with times in UTC. Under spark-submit (EMR
   * Serverless) the master comes from the submitter; otherwise it is {@code local[*]}.
   */
  public SparkSession spark(String appName) {
    SparkConf submitted = new SparkConf();
    String master = submitted.get("spark.master", "local[*]");
    SparkSession.Builder builder = SparkSession.builder().appName(appName).master(master);
    if (master.startsWith("local")) {
      Map<String, String> local = new LinkedHashMap<>();
      local.put("spark.ui.enabled", "false");
      local.put("spark.driver.host", "127.0.0.1");
      local.put("spark.driver.bindAddress", "127.0.0.1");
      // Adaptive execution coalesces small partitions; more of them keep each sort's memory small.
      local.put(
          "spark.sql.shuffle.partitions",
          String.valueOf(Math.max(16, 8 * Runtime.getRuntime().availableProcessors())));
      local.forEach(
          (k, v) -> {
            if (!submitted.contains(k)) {
              builder.config(k, v);
            }
          });
    }
    sparkConf().forEach(builder::config);
    // The job's own defaults, unless the submitter or the catalog configuration sets them: on EMR
    // too, without changing what the DAG and submit pass.
    JOB_DEFAULTS.forEach(
        (k, v) -> {
          String key = SPARK_CATALOG_PREFIX + "." + k;
          if (!submitted.contains(key) && !catalogProperties.containsKey(k)) {
            builder.config(key, v);
          }
        });
    return builder.getOrCreate();
  }

  /**
   * Every Spark property a job needs for this lake: the Iceberg SQL extensions, this catalog as
   * Spark's default catalog (with its Iceberg properties), UTC session time. {@code submit} passes
   * them to EMR Serverless as {@code --conf}; {@link #spark} sets the same on a session it creates.
   */
  public Map<String, String> sparkConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put(
        "spark.sql.extensions",
        "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions");
    conf.put(SPARK_CATALOG_PREFIX, "org.apache.iceberg.spark.SparkCatalog");
    conf.putAll(sparkCatalogConf());
    conf.put("spark.sql.defaultCatalog", CATALOG_NAME);
    conf.put("spark.sql.session.timeZone", "UTC");
    return conf;
  }

  /** The Spark properties that register this lake's catalog, as spark-submit would pass them. */
  public Map<String, String> sparkCatalogConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    catalogProperties.forEach((k, v) -> conf.put(SPARK_CATALOG_PREFIX + "." + k, v));
    // With the Java API and Spark in one process, Spark's table cache goes stale after Java
    // commits.
    conf.put(SPARK_CATALOG_PREFIX + "." + CatalogProperties.CACHE_ENABLED, "false");
    return conf;
  }

  @Override
  public String toString() {
    String where =
        Objects.requireNonNullElse(
            catalogProperties.get(CatalogProperties.WAREHOUSE_LOCATION), "?");
    String type =
        catalogProperties.getOrDefault(
            CatalogUtil.ICEBERG_CATALOG_TYPE,
            catalogProperties.get(CatalogProperties.CATALOG_IMPL));
    return "Lake("
        + type
        + ", warehouse="
        + where
        + ", raw="
        + rawNamespace
        + ", trips="
        + tripsNamespace
        + ")";
  }
}
