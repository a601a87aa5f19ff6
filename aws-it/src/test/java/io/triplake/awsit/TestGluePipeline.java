package io.triplake.awsit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.triplake.cli.TripLakeRunner;
import io.triplake.lake.Json;
import io.triplake.lake.Lake;
import io.triplake.lake.testing.SampleLake;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import scala.jdk.javaapi.CollectionConverters;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.Table;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole pipeline on the AWS pieces, against moto's server: raw files in an S3 bucket, the Glue
 * catalog and S3FileIO, the commands run as EMR Serverless runs them (catalog conf and aggregation
 * config read from s3://). The same steps run on the embedded lake over the same files, and the
 * trip summaries must be the same; then PyIceberg, an independent reader, must read the same rows
 * through Glue.
 *
 * <p>Steps (both lakes): register the files of two devices, aggregate; add the files of a third
 * (2F6913DB), register, aggregate (incremental); reprocess 2023-01-11 as of the moment before
 * 2F6913DB's files arrived and publish it (its trip of that day leaves the summary again, and the
 * day is pinned).
 */
class TestGluePipeline {
  @RegisterExtension static final MotoServer MOTO = new MotoServer();

  private static final String RAW_BUCKET = "trip-lake-raw";
  private static final String WAREHOUSE_BUCKET = "trip-lake-warehouse";
  private static final String ARTIFACTS_BUCKET = "trip-lake-artifacts";
  private static final String LATE_DEVICE = "2F6913DB";
  private static final LocalDate REPROCESS_DAY = LocalDate.of(2023, 1, 11);

  /**
   * The sample's devices this test uses, and its aggregation config
   * (src/test/resources/aggregations-it.json, the sample's config cut to two clusters and three
   * messages): the aggregator's time here goes into Spark jobs per cluster and message, not rows,
   * and the test must stay within about three minutes.
   */
  private static final List<String> DEVICES = List.of("11111111", "2F6913DB", "94C49784");

  private static final Path CONFIG =
      MotoServer.repoRoot().resolve("aws-it/src/test/resources/aggregations-it.json");
  private static final String CATALOG_CONF =
      "s3://" + ARTIFACTS_BUCKET + "/conf/catalog.properties";
  private static final String AGGREGATIONS = "s3://" + ARTIFACTS_BUCKET + "/conf/aggregations.json";
  private static final String COLUMNS =
      "cluster, deviceid, tripid, message, signal, aggregation, signalvalue, signalcount, "
          + "duration, tripstart, tripend, tripdate";

  private static Path temp;
  private static SparkSession base;
  private static S3Client s3;
  private static GlueClient glue;

  /** What one lake went through. */
  private record PipelineRun(
      Map<String, List<Object>> summary, JsonNode reprocessReport, List<String> outputs) {}

  private static PipelineRun embeddedRun;
  private static PipelineRun glueRun;

  @BeforeAll
  static void runBothPipelines() throws Exception {
    temp = Files.createTempDirectory("trip-lake-aws-it");
    s3 = MOTO.s3();
    glue = MOTO.glue();
    // Only the client that reads the catalog conf from s3:// is pointed at the emulator from
    // outside, as a user would (AWS_ENDPOINT_URL_S3); everything after that is configured by the
    // catalog conf itself.
    System.setProperty("aws.endpointUrlS3", MOTO.endpoint());
    deployLikeTerraform();

    System.setProperty("spark.master", "local[2]");
    Lake embedded = Lake.embedded(temp.resolve("embedded-lake"));
    base = embedded.spark("aws-it");
    base.conf().set("spark.sql.shuffle.partitions", "4");

    Path localSource = temp.resolve("raw-local");
    embeddedRun =
        pipeline(
            embedded,
            new String[] {"--lake", temp.resolve("embedded-lake").toString()},
            localSource.toString(),
            late -> copySample(localSource, late));
    glueRun =
        pipeline(
            Lake.fromCatalogConf(CATALOG_CONF),
            new String[] {"--catalog-conf", CATALOG_CONF},
            "s3://" + RAW_BUCKET + "/",
            TestGluePipeline::uploadSample);
  }

  @AfterAll
  static void stop() throws IOException {
    System.clearProperty("aws.endpointUrlS3");
    if (base != null) {
      base.stop();
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    System.clearProperty("spark.master");
    if (temp != null) {
      try (Stream<Path> files = Files.walk(temp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * Buckets, the two Glue databases (the job role cannot create databases) and the job's
   * configuration.
   */
  private static void deployLikeTerraform() throws IOException {
    for (String bucket : List.of(RAW_BUCKET, WAREHOUSE_BUCKET, ARTIFACTS_BUCKET)) {
      s3.createBucket(b -> b.bucket(bucket));
    }
    for (String db : List.of("raw", "trips")) {
      glue.createDatabase(
          b ->
              b.databaseInput(
                  d -> d.name(db).locationUri("s3://" + WAREHOUSE_BUCKET + "/" + db + ".db")));
    }
    // What terraform/modules/trip-lake writes, plus what an emulator needs (endpoints, path-style
    // access).
    String catalogProperties =
        String.join(
            "\n",
            "type=glue",
            "warehouse=s3://" + WAREHOUSE_BUCKET + "/",
            "io-impl=org.apache.iceberg.aws.s3.S3FileIO",
            "client.region=" + MotoServer.REGION.id(),
            "glue.id=" + MotoServer.ACCOUNT_ID,
            "glue.endpoint=" + MOTO.endpoint(),
            "s3.endpoint=" + MOTO.endpoint(),
            "s3.path-style-access=true",
            "");
    s3.putObject(
        b -> b.bucket(ARTIFACTS_BUCKET).key("conf/catalog.properties"),
        RequestBody.fromString(catalogProperties));
    s3.putObject(
        b -> b.bucket(ARTIFACTS_BUCKET).key("conf/aggregations.json"),
        RequestBody.fromFile(CONFIG));
  }

  private static PipelineRun pipeline(
      Lake lake, String[] where, String source, java.util.function.Consumer<Boolean> addFiles)
      throws Exception {
    SparkSession spark = sessionFor(lake);
    Path reports = temp.resolve("reports-" + System.nanoTime());
    List<String> outputs = new ArrayList<>();
    String config = where[0].equals("--lake") ? CONFIG.toString() : AGGREGATIONS;

    addFiles.accept(false);
    outputs.add(run(where, "register", "--source", source, "--report-dir", reports.toString()));
    outputs.add(run(where, "aggregate", "--config", config, "--report-dir", reports.toString()));
    Thread.sleep(20);
    Instant beforeLateFiles = Instant.now();
    Thread.sleep(20);
    addFiles.accept(true);
    outputs.add(run(where, "register", "--source", source, "--report-dir", reports.toString()));
    outputs.add(run(where, "aggregate", "--config", config, "--report-dir", reports.toString()));
    outputs.add(
        run(
            where,
            "aggregate",
            "--config",
            config,
            "--report-dir",
            reports.toString(),
            "--run-id",
            "reprocess",
            "--reprocess-day",
            REPROCESS_DAY.toString(),
            "--as-of",
            beforeLateFiles.toString(),
            "--publish"));
    JsonNode reprocess = Json.MAPPER.readTree(reports.resolve("aggregate-reprocess.json").toFile());

    Map<String, List<Object>> summary = new TreeMap<>();
    for (Row row :
        spark
            .sql("SELECT " + COLUMNS + " FROM " + lake.tripsTable("tripsummary"))
            .collectAsList()) {
      List<Object> values = new ArrayList<>();
      for (int i = 6; i < row.size(); i++) {
        values.add(row.get(i));
      }
      summary.put(
          key(
              row.getString(0),
              row.getString(1),
              row.getString(2),
              row.getString(3),
              row.getString(4),
              row.getString(5)),
          values);
    }
    return new PipelineRun(summary, reprocess, outputs);
  }

  /**
   * A session of the shared SparkContext whose catalog "lake" is this lake (and no leftover of
   * another).
   */
  private static SparkSession sessionFor(Lake lake) {
    SparkSession session = base.newSession();
    for (String key : CollectionConverters.asJava(session.conf().getAll()).keySet()) {
      if (key.startsWith("spark.sql.catalog." + Lake.CATALOG_NAME + ".")) {
        session.conf().unset(key);
      }
    }
    lake.sparkConf()
        .forEach(
            (k, v) -> {
              if (!k.equals("spark.sql.extensions")) {
                session.conf().set(k, v);
              }
            });
    // The rows are compared with PyIceberg's as java.time values; the jobs no longer start Spark
    // for a small run, so this session cannot inherit the CLI's setting.
    session.conf().set("spark.sql.datetime.java8API.enabled", "true");
    SparkSession.setActiveSession(session);
    return session;
  }

  private static String run(String[] where, String command, String... args) {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.addAll(List.of(where));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = TripLakeRunner.run(all, new PrintWriter(out), new PrintWriter(err));
    assertThat(code).as("%s\n%s\n%s", all, out, err).isZero();
    return out.toString();
  }

  private static String key(String... parts) {
    return String.join("|", parts);
  }

  private static void copySample(Path target, boolean late) {
    Path sample = SampleLake.location();
    try (Stream<Path> files = Files.walk(sample)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        String relative = sample.relativize(file).toString();
        if (DEVICES.contains(relative.substring(0, 8))
            && relative.startsWith(LATE_DEVICE + "/") == late) {
          Path to = target.resolve(relative);
          Files.createDirectories(to.getParent());
          Files.copy(file, to);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * More keys than one ListObjectsV2 page (1,000) holds, none of them Parquet: registration must
   * list past them.
   */
  static final int NOT_PARQUET = 1_001;

  private static void uploadSample(boolean late) {
    if (!late) {
      for (int i = 0; i < NOT_PARQUET; i++) {
        String key = "00000000/notes/" + String.format("%04d", i) + ".txt";
        s3.putObject(
            b -> b.bucket(RAW_BUCKET).key(key), RequestBody.fromString("not a logger file"));
      }
    }
    Path sample = SampleLake.location();
    try (Stream<Path> files = Files.walk(sample)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        String relative = sample.relativize(file).toString().replace('\\', '/');
        if (DEVICES.contains(relative.substring(0, 8))
            && relative.startsWith(LATE_DEVICE + "/") == late) {
          s3.putObject(b -> b.bucket(RAW_BUCKET).key(relative), RequestBody.fromFile(file));
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void glueLakeHasTheTripSummariesOfTheEmbeddedLake() {
    assertThat(embeddedRun.summary()).hasSizeGreaterThan(10);
    assertSameRows(glueRun.summary(), embeddedRun.summary(), "Glue lake vs embedded lake");
    // The reprocess did something: the late device's trips of that day left the summary again, in
    // both lakes.
    for (PipelineRun run : List.of(embeddedRun, glueRun)) {
      assertThat(run.reprocessReport().get("mode").asText()).isEqualTo("reprocess");
      assertThat(run.reprocessReport().get("tripsDeleted").asLong()).isPositive();
      assertThat(run.outputs().get(3)).as("the late device's trip arrived").contains("trips +1 ");
      assertThat(run.outputs().get(4)).contains("Pinned days").contains(REPROCESS_DAY + " as of ");
      assertThat(run.reprocessReport().get("pinnedDays").has(REPROCESS_DAY.toString())).isTrue();
      assertThat(run.summary().keySet()).noneMatch(k -> k.contains("|" + LATE_DEVICE + "|"));
    }
    // The .txt keys sort before the logger files: the Parquet files are all on the second listing
    // page.
    assertThat(glueRun.outputs().get(0))
        .contains("Registered 20 files")
        .contains(NOT_PARQUET + " ignored");
    assertThat(glueRun.outputs().get(2)).contains("Registered 27 files").contains("20 skipped");
  }

  @Test
  void glueTablesAreAthenaShaped() throws IOException {
    List<Table> tables = new ArrayList<>();
    for (String db : List.of("raw", "trips")) {
      glue.getTablesPaginator(b -> b.databaseName(db))
          .forEach(page -> tables.addAll(page.tableList()));
    }
    assertThat(tables)
        .extracting(Table::name)
        .contains("tripsummary", "can2_gnss_speed", "can1_eec1");
    for (Table table : tables) {
      assertThat(table.name()).as("Athena lower-cases names").matches("[a-z0-9_]+");
      assertThat(table.parameters()).as(table.name()).containsEntry("table_type", "ICEBERG");
      String metadata = table.parameters().get("metadata_location");
      assertThat(metadata)
          .as(table.name())
          .startsWith(
              "s3://"
                  + WAREHOUSE_BUCKET
                  + "/"
                  + table.databaseName()
                  + ".db/"
                  + table.name()
                  + "/metadata/");
      String key = metadata.substring(("s3://" + WAREHOUSE_BUCKET + "/").length());
      JsonNode json =
          Json.MAPPER.readTree(
              s3.getObjectAsBytes(b -> b.bucket(WAREHOUSE_BUCKET).key(key)).asByteArray());
      assertThat(json.get("format-version").asInt())
          .as("Athena reads format v2 (%s)", table.name())
          .isEqualTo(2);
      assertThat(table.storageDescriptor().columns())
          .allSatisfy(c -> assertThat(c.name()).matches("[a-z0-9_]+"));
    }
  }

  @Test
  void pyIcebergReadsTheSameTripSummariesThroughGlue() throws Exception {
    Path python = MotoServer.repoRoot().resolve(".cache/venv-moto/bin/python");
    Path script = MotoServer.repoRoot().resolve("aws-it/src/test/python/read_with_pyiceberg.py");
    Process process =
        new ProcessBuilder(
                python.toString(),
                script.toString(),
                MOTO.endpoint(),
                "trips.tripsummary",
                "raw",
                "trips")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(stdout).isZero();
    JsonNode read = Json.MAPPER.readTree(stdout);

    assertThat(read.get("tables").get("trips"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("trips.tripsummary", "trips.trips", "trips.devicedays");
    assertThat(read.get("tables").get("raw"))
        .extracting(JsonNode::asText)
        .contains("raw.can2_gnss_speed", "raw.can1_eec1");
    assertThat(read.get("format_version").asInt()).isEqualTo(2);
    Map<String, List<Object>> rows = new TreeMap<>();
    for (JsonNode r : read.get("rows")) {
      rows.put(
          key(
              r.get("cluster").asText(),
              r.get("deviceid").asText(),
              r.get("tripid").asText(),
              r.get("message").asText(),
              r.get("signal").asText(),
              r.get("aggregation").asText()),
          List.of(
              r.get("signalvalue").isNull() ? "null" : r.get("signalvalue").asDouble(),
              r.get("signalcount").asLong(),
              r.get("duration").asDouble(),
              LocalDateTime.parse(r.get("tripstart").asText()),
              LocalDateTime.parse(r.get("tripend").asText()),
              LocalDate.parse(r.get("tripdate").asText())));
    }
    Map<String, List<Object>> spark = new TreeMap<>();
    glueRun
        .summary()
        .forEach((k, v) -> spark.put(k, v.stream().map(x -> x == null ? "null" : x).toList()));
    assertSameRows(rows, spark, "PyIceberg vs Spark");
  }

  /**
   * The same keys and values; doubles equal to within 1e-9 relative (the same aggregation over the
   * same rows, summed in whatever order Spark's shuffle delivers them).
   */
  private static void assertSameRows(
      Map<String, List<Object>> actual, Map<String, List<Object>> expected, String what) {
    assertThat(actual.keySet()).as(what).containsExactlyElementsOf(expected.keySet());
    List<String> differences = new ArrayList<>();
    expected.forEach(
        (k, want) -> {
          List<Object> got = actual.get(k);
          for (int i = 0; i < want.size(); i++) {
            Object a = got.get(i);
            Object b = want.get(i);
            boolean same =
                a instanceof Number x && b instanceof Number y
                    ? Math.abs(x.doubleValue() - y.doubleValue())
                        <= 1e-9
                            * Math.max(
                                1, Math.max(Math.abs(x.doubleValue()), Math.abs(y.doubleValue())))
                    : java.util.Objects.equals(a, b);
            if (!same) {
              differences.add(k + " column " + i + ": " + describe(a) + " vs " + describe(b));
            }
          }
        });
    assertThat(differences).as(what).isEmpty();
  }

  /** A value with its type: a date and a timestamp that print alike are not the same value. */
  private static String describe(Object value) {
    return value + " (" + value.getClass().getSimpleName() + ")";
  }
}
