package io.triplake.ddl;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Athena DDL describes the tables the jobs really create: the same columns, in the same order,
 * with the Athena type of each Iceberg type, the same partitioning, format v2. The tables come from
 * executing the Spark DDL (tripsummary, trips) and from registering the sample
 * (raw.can2_gnss_speed) and a source with a bad file (raw._rejected_files, which registration
 * creates from its Spark DDL through Iceberg's Java API: it must equal the table the DDL makes in
 * Spark).
 */
class TestTableDdl extends SparkLakeTest {
  private static final Pattern COLUMN =
      Pattern.compile("^\\s{2}([a-z_][a-z0-9_]*)\\s+([A-Za-z_0-9()]+)", Pattern.MULTILINE);

  /** Column name -> type, from the column list of a CREATE TABLE. */
  static Map<String, String> columns(String ddl) {
    String body = ddl.substring(ddl.indexOf("CREATE TABLE"));
    body =
        body.substring(
            body.indexOf('(') + 1,
            body.indexOf("\n)") < 0 ? body.indexOf(")\n") : body.indexOf("\n)"));
    Map<String, String> columns = new LinkedHashMap<>();
    Matcher m = COLUMN.matcher(body);
    while (m.find()) {
      columns.put(m.group(1), m.group(2).toLowerCase(Locale.ROOT));
    }
    return columns;
  }

  /**
   * What Athena DDL declares for an Iceberg type (it cannot declare a zone: timestamptz is read,
   * not created).
   */
  static String athenaType(Type type) {
    return switch (type.typeId()) {
      case STRING -> "string";
      case DOUBLE -> "double";
      case FLOAT -> "float";
      case LONG -> "bigint";
      case INTEGER -> "int";
      case BOOLEAN -> "boolean";
      case DATE -> "date";
      case TIMESTAMP -> "timestamp";
      default -> throw new IllegalArgumentException("No Athena DDL type for " + type);
    };
  }

  private static int formatVersion(Table table) {
    return ((org.apache.iceberg.HasTableOperations) table).operations().current().formatVersion();
  }

  private static Map<String, String> athenaColumnsOf(Table table) {
    Map<String, String> columns = new LinkedHashMap<>();
    for (Types.NestedField field : table.schema().columns()) {
      columns.put(field.name(), athenaType(field.type()));
    }
    return columns;
  }

  @ParameterizedTest
  @ValueSource(strings = {TableDdl.TRIPSUMMARY, TableDdl.TRIPS, TableDdl.DEVICEDAYS})
  void theTripTablesAthenaDdlDescribesTheTableTheSparkDdlCreates(String ddl) {
    String name = Lake.CATALOG_NAME + ".ddl_trips." + ddl;
    spark.sql("CREATE NAMESPACE IF NOT EXISTS " + Lake.CATALOG_NAME + ".ddl_trips");
    spark.sql(TableDdl.spark(ddl, name));
    Table table =
        lake.catalog().loadTable(org.apache.iceberg.catalog.TableIdentifier.of("ddl_trips", ddl));
    String partition = ddl.equals(TableDdl.DEVICEDAYS) ? "day" : "tripdate";

    String athena = TableDdl.athena(ddl);
    assertThat(columns(athena)).containsExactlyEntriesOf(athenaColumnsOf(table));
    assertThat(columns(TableDdl.spark(ddl, name)).keySet())
        .containsExactlyElementsOf(columns(athena).keySet());
    assertThat(table.spec().fields())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.transform().isIdentity()).isTrue();
              assertThat(table.schema().findColumnName(f.sourceId())).isEqualTo(partition);
            });
    assertThat(athena)
        .contains("PARTITIONED BY (" + partition + ")")
        .contains("'table_type' = 'ICEBERG'");
    assertThat(formatVersion(table)).as("Athena reads format v2 only").isEqualTo(2);
  }

  @Test
  void rawAthenaDdlDescribesARegisteredRawTable() {
    Lake raw = lake.withNamespaces("ddl_raw", "ddl_trips");
    if (lake.catalog() instanceof SupportsNamespaces ns
        && !ns.namespaceExists(Namespace.of("ddl_raw"))) {
      ns.createNamespace(Namespace.of("ddl_raw"));
    }
    try (FileIO io = raw.sourceIO()) {
      RawFileRegistrar.of(raw, raw.catalog(), io)
          .source(SampleLake.location().toString())
          .execute();
    }
    Table table = raw.catalog().loadTable(raw.rawTable("can2_gnss_speed"));
    String athena = TableDdl.athena("can2_gnss_speed");
    assertThat(columns(athena)).containsExactlyEntriesOf(athenaColumnsOf(table));
    assertThat(((Types.TimestampType) table.schema().findType("t")).shouldAdjustToUTC())
        .as(
            "the sample's logger files are UTC-adjusted: t is timestamptz, as the DDL's comment"
                + " says")
        .isTrue();
    assertThat(athena).contains("PARTITIONED BY (device_id)").contains("'gc.enabled' = 'false'");
    assertThat(formatVersion(table)).as("Athena reads format v2 only").isEqualTo(2);
    assertThat(table.properties()).containsEntry(TableProperties.GC_ENABLED, "false");
  }

  @Test
  void rejectedFilesTableRegistrationCreatesIsTheOneItsSparkDdlCreatesAndAthenaDdlDescribes()
      throws IOException {
    assertThat(TableDdl.REJECTED_FILES).isEqualTo(Lake.REJECTED_FILES);
    Lake raw = lake.withNamespaces("ddl_rejected", "ddl_trips");
    Path source = Files.createDirectories(tempDir.resolve("ddl-rejected-src"));
    Path bad = source.resolve("AABBCCDD/CAN2_gnss_speed/2024/03/01/bad.parquet");
    Files.createDirectories(bad.getParent());
    Files.write(bad, new byte[0]);
    try (FileIO io = raw.sourceIO()) {
      RawFileRegistrar.of(raw, raw.catalog(), io).source(source.toString()).execute();
    }
    Table made = lake.catalog().loadTable(raw.rejectedFilesTable());

    String sparkName = Lake.CATALOG_NAME + ".ddl_rejected_spark." + TableDdl.REJECTED_FILES;
    spark.sql("CREATE NAMESPACE IF NOT EXISTS " + Lake.CATALOG_NAME + ".ddl_rejected_spark");
    spark.sql(TableDdl.spark(TableDdl.REJECTED_FILES, sparkName));
    Table ddl =
        lake.catalog()
            .loadTable(
                org.apache.iceberg.catalog.TableIdentifier.of(
                    "ddl_rejected_spark", TableDdl.REJECTED_FILES));
    // Ids, names, types, optionality and comments.
    assertThat(made.schema().asStruct()).isEqualTo(ddl.schema().asStruct());
    assertThat(made.spec().isUnpartitioned()).isTrue();
    assertThat(ddl.spec().isUnpartitioned()).isTrue();
    assertThat(formatVersion(made)).isEqualTo(formatVersion(ddl)).isEqualTo(2);
    Map<String, String> expected = new LinkedHashMap<>(ddl.properties());
    expected.keySet().removeIf(k -> k.equals("owner") || k.equals("format-version"));
    assertThat(made.properties()).containsAllEntriesOf(expected);

    String athena = TableDdl.athena(TableDdl.REJECTED_FILES);
    assertThat(columns(athena)).containsExactlyEntriesOf(athenaColumnsOf(made));
    assertThat(athena)
        .contains("CREATE TABLE IF NOT EXISTS raw.`_rejected_files` (")
        .contains("'table_type' = 'ICEBERG'")
        .doesNotContain("PARTITIONED BY");
    // Spark (and Trino) read it by its name, unquoted, as Athena's queries name it.
    assertThat(
            spark
                .sql(
                    "SELECT device_id, message, file_size, reason FROM "
                        + Lake.CATALOG_NAME
                        + ".ddl_rejected._rejected_files")
                .collectAsList())
        .singleElement()
        .asString()
        .isEqualTo("[AABBCCDD,CAN2_gnss_speed,0,empty file (0 bytes)]");
  }

  @Test
  void exampleQueriesUseTheTablesAndFeaturesTheySayTheyDo() throws IOException {
    Map<String, List<String>> expected =
        Map.of(
            "trips_per_device_per_day",
                List.of("FROM trips.tripsummary", "count(*)", "GROUP BY deviceid, tripdate"),
            "time_travel", List.of("FOR TIMESTAMP AS OF TIMESTAMP '", "\"tripsummary$snapshots\""),
            "trip_raw_signals",
                List.of("FROM raw.can2_gnss_speed r", "JOIN trip", "r.device_id = trip.deviceid"),
            "distance_per_device_per_week",
                List.of("FROM trips.trips", "sum(distance_km)", "date_trunc('week', tripdate)"),
            "trips_with_places", List.of("FROM trips.trips", "start_lat", "end_lon"),
            "rejected_files_per_device",
                List.of(
                    "FROM raw._rejected_files",
                    "PARTITION BY device_id ORDER BY rejected_at DESC",
                    "GROUP BY device_id, reason"));
    for (Map.Entry<String, List<String>> query : expected.entrySet()) {
      String resource = "athena/queries/" + query.getKey() + ".sql";
      try (InputStream in = TableDdl.class.getResourceAsStream(resource)) {
        assertThat(in).as(resource).isNotNull();
        String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sql).as(resource).contains(query.getValue());
        // Athena lower-cases identifiers: the queries name tables and columns in lower case.
        assertThat(sql).as(resource).doesNotContainPattern("(FROM|JOIN)\\s+[a-z_]*[A-Z]");
      }
    }
  }
}
