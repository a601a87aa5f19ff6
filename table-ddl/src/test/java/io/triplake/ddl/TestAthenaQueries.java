package io.triplake.ddl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.triplake.ddl.AthenaQueries.Statement;
import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.FileIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every example Athena query ({@link AthenaQueries}) keeps to Trino's rules and runs. There is no
 * Trino here: each statement is checked against the rules of Trino that Spark does not share, then
 * translated and run by Spark on the tables the jobs create (tripsummary, trips and devicedays from
 * their Spark DDL, the raw tables by registering the sample, raw._rejected_files by registering a
 * source with bad files of device 3BA199E2 and a file off the layout). The trip aggregator depends
 * on this module, so the two trips of device 3BA199E2 on 2021-07-26 are written here, one commit
 * each, so that time travel to the first commit has a difference to show.
 */
class TestAthenaQueries extends SparkLakeTest {
  private static final Pattern TIME_TRAVEL =
      Pattern.compile(
          "\\b(\\w+\\.\\w+)(\\s+FOR\\s+TIMESTAMP\\s+AS\\s+OF\\s+TIMESTAMP\\s+)'[^']*'",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern PLACEHOLDER = Pattern.compile("<(\\w+)>");

  @BeforeAll
  static void createTheJobsTables() throws IOException {
    Path bad = Files.createDirectories(tempDir.resolve("bad-uploads"));
    for (String file :
        List.of(
            "3BA199E2/CAN2_gnss_speed/2021/07/26/00000999_00000001.parquet",
            "3BA199E2/CAN2_gnss_speed/2021/07/26/00000999_00000002.parquet",
            "3BA199E2/CAN2_gnss_speed/2021-07-26.parquet")) {
      Files.createDirectories(bad.resolve(file).getParent());
      Files.write(bad.resolve(file), new byte[0]);
    }
    try (FileIO io = lake.sourceIO()) {
      for (String source : List.of(SampleLake.location().toString(), bad.toString())) {
        RawFileRegistrar.of(lake, lake.catalog(), io).source(source).execute();
      }
    }
    spark.sql("CREATE NAMESPACE IF NOT EXISTS " + Lake.CATALOG_NAME + "." + lake.tripsNamespace());
    spark.sql(TableDdl.spark(TableDdl.TRIPSUMMARY, summaryTable()));
    insertTrip("2021-07-26 04:41:10.529799", "2021-07-26 05:20:42.454899", 11.2, 27.9);
    insertTrip("2021-07-26 13:13:55.090350", "2021-07-26 14:01:01.660999", 14.6, 31.4);
    String trips = Lake.CATALOG_NAME + "." + lake.tripsTable(TableDdl.TRIPS);
    spark.sql(TableDdl.spark(TableDdl.TRIPS, trips));
    insertDeviceDays();
    // The sample's two drives of 3BA199E2 as the aggregator writes them (rounded).
    spark.sql(
        "INSERT INTO "
            + trips
            + " VALUES ('3BA199E2', 'gnss_can2', '3BA199E2_20210726T044110.529799', TIMESTAMP_NTZ"
            + " '2021-07-26 04:41:10.529799', TIMESTAMP_NTZ '2021-07-26 05:20:42.454899', DATE"
            + " '2021-07-26', 2371.925, 55.59, 12.61, 55.68, 12.35, 41.023, 2271, 87.1, 2218.0,"
            + " 154.0, 2272, 3.024, TIMESTAMP_NTZ '2024-03-02 06:00:00'), ('3BA199E2', 'gnss_can2',"
            + " '3BA199E2_20210726T131355.090350', TIMESTAMP_NTZ '2021-07-26 13:13:55.09035',"
            + " TIMESTAMP_NTZ '2021-07-26 14:01:01.660999', DATE '2021-07-26', 2826.571, 55.68,"
            + " 12.35, 55.59, 12.61, 43.27, 2704, 85.6, 2617.1, 209.4, 2705, 3.021, TIMESTAMP_NTZ"
            + " '2024-03-02 06:00:00')");
  }

  /**
   * devicedays as the aggregator writes it for two loggers: 3BA199E2 on the sample's day, 2F6913DB
   * silent since six days before.
   */
  private static void insertDeviceDays() {
    String table = Lake.CATALOG_NAME + "." + lake.tripsTable(TableDdl.DEVICEDAYS);
    spark.sql(TableDdl.spark(TableDdl.DEVICEDAYS, table));
    spark.sql(
        "INSERT INTO "
            + table
            + " VALUES ('3BA199E2', 'can2_gnss_speed', DATE '2021-07-26', 12, 24310, TIMESTAMP_NTZ"
            + " '2021-07-26 04:41:10.529799', TIMESTAMP_NTZ '2021-07-26 14:01:01.660999', 29411.3,"
            + " 3, TIMESTAMP_NTZ '2021-07-27 02:00:00', TIMESTAMP_NTZ '2021-07-27 02:00:00', 11.98,"
            + " 0, TIMESTAMP_NTZ '2024-03-02 06:00:00'), ('3BA199E2', 'can2_gnss_pos', DATE"
            + " '2021-07-26', 12, 24305, TIMESTAMP_NTZ '2021-07-26 04:41:10.6', TIMESTAMP_NTZ"
            + " '2021-07-26 14:01:01.5', 29411.2, 3, TIMESTAMP_NTZ '2021-07-27 02:00:00',"
            + " TIMESTAMP_NTZ '2021-07-28 02:00:00', 35.98, 1, TIMESTAMP_NTZ '2024-03-02"
            + " 06:00:00'), ('2F6913DB', 'can2_gnss_speed', DATE '2021-07-20', 4, 9000,"
            + " TIMESTAMP_NTZ '2021-07-20 08:00:00', TIMESTAMP_NTZ '2021-07-20 09:30:00', 2.0, 0,"
            + " NULL, NULL, NULL, 0, TIMESTAMP_NTZ '2024-03-02 06:00:00')");
  }

  private static String summaryTable() {
    return Lake.CATALOG_NAME + "." + lake.tripsTable(TableDdl.TRIPSUMMARY);
  }

  private static void insertTrip(String start, String end, double avgSpeed, double maxSpeed) {
    String row =
        "('3BA199E2', 'CAN2_gnss_speed', 'Speed', '%s', %s, 2400, 2371.9, TIMESTAMP_NTZ '"
            + start
            + "', TIMESTAMP_NTZ '"
            + end
            + "', '3BA199E2_"
            + start.replaceAll("[-:]", "").replace(' ', 'T')
            + "', 'gnss_can2', DATE '2021-07-26', TIMESTAMP_NTZ '2024-03-02 06:00:00')";
    spark.sql(
        "INSERT INTO "
            + summaryTable()
            + " VALUES "
            + row.formatted("avg", avgSpeed)
            + ", "
            + row.formatted("max", maxSpeed));
  }

  @Test
  void statementsAreTheFilesSqlAndTheQueriesItsCommentsShow() {
    List<Statement> statements =
        AthenaQueries.of(
            "x.sql",
            """
            -- With prose, which is no query.
            -- The snapshots:
            --   SELECT snapshot_id
            --     FROM t
            -- more prose
            SELECT 1;

            SELECT 2
            -- a note
            FROM u
            """);
    assertThat(statements)
        .extracting(Statement::line, Statement::sql)
        .containsExactly(
            tuple(3, "SELECT snapshot_id\n     FROM t"),
            tuple(6, "SELECT 1"),
            tuple(8, "SELECT 2\nFROM u"));
  }

  @Test
  void everyStatementKeepsToTrinosRules() {
    List<String> broken = new ArrayList<>();
    for (Statement statement : AthenaQueries.all()) {
      TrinoSql.violations(statement.sql()).forEach(v -> broken.add(statement + ": " + v));
    }
    assertThat(broken).isEmpty();
  }

  @Test
  void theRulesFindWhatFailsOrMisleadsOnTrino() {
    assertThat(TrinoSql.violations("SELECT summary['trip-lake.run-id'] FROM s"))
        .singleElement()
        .asString()
        .startsWith("map subscript `summary['trip-lake.run-id']`")
        .contains("element_at(map, key)");
    assertThat(TrinoSql.violations("SELECT round(sum(s) / 3600.0, 2), x /.5 FROM t"))
        .hasSize(2)
        .first()
        .asString()
        .startsWith("division by the decimal literal 3600.0")
        .contains("3600e0");
    assertThat(
            TrinoSql.violations(
                "SELECT element_at(summary, 'k'), ARRAY['a'], xs[1], s / 3600e0, s / 3.6e3, "
                    + "s / CAST(3600 AS double), 1.5 * s FROM t"))
        .isEmpty();
  }

  @Test
  void everyStatementRunsOnSparkAndFindsTheSampleTrips() {
    assertThat(spark.conf().get("spark.sql.session.timeZone"))
        .as("TrinoSql's AT TIME ZONE translation")
        .isEqualTo("UTC");
    List<String> failures = new ArrayList<>();
    int ran = 0;
    for (Statement statement : AthenaQueries.all()) {
      Optional<String> sql = bind(TrinoSql.toSpark(statement.sql()), statement);
      if (sql.isEmpty()) {
        continue;
      }
      try {
        int rows = spark.sql(sql.get()).collectAsList().size();
        System.out.println(statement + ": " + rows + " rows");
        if (rows == 0) {
          failures.add(
              statement
                  + ": no rows on the sample's trips (does it look at 3BA199E2 on 2021-07-26?)\n"
                  + sql.get());
        }
        ran++;
      } catch (Exception e) { // also Spark's AnalysisException, which is not a RuntimeException
        failures.add(statement + ": " + e.getMessage() + "\n" + sql.get());
      }
    }
    assertThat(failures).isEmpty();
    assertThat(ran).isPositive();
  }

  /**
   * The statement with the examples' values replaced by values of this lake: a time-travel moment
   * and a {@code <snapshot_id>} placeholder take the commit before a table's last one (the
   * examples' moments lie in a history this lake does not have). The table is the one the statement
   * names last before the value. Empty, with the reason printed, for a placeholder this test has no
   * value for.
   */
  private static Optional<String> bind(String sql, Statement statement) {
    Matcher travel = TIME_TRAVEL.matcher(sql);
    sql =
        travel.replaceAll(
            m ->
                Matcher.quoteReplacement(
                    m.group(1)
                        + m.group(2)
                        + "'"
                        + Instant.ofEpochMilli(beforeLastCommit(m.group(1)).timestampMillis())
                        + "'"));
    StringBuilder bound = new StringBuilder();
    Matcher placeholder = PLACEHOLDER.matcher(sql);
    while (placeholder.find()) {
      String table = lastTableBefore(sql, placeholder.start());
      if (!placeholder.group(1).equals("snapshot_id") || table == null) {
        System.out.println(
            "Skipped "
                + statement
                + ": no value for "
                + placeholder.group()
                + (table == null
                    ? " (no lake table is named before it)"
                    : " (this test knows <snapshot_id>: add others in TestAthenaQueries.bind)"));
        return Optional.empty();
      }
      placeholder.appendReplacement(bound, String.valueOf(beforeLastCommit(table).snapshotId()));
    }
    placeholder.appendTail(bound);
    return Optional.of(bound.toString());
  }

  /**
   * The last {@code <namespace>.<table>} of this lake in {@code sql} before {@code end}, or null.
   */
  private static String lastTableBefore(String sql, int end) {
    Matcher m =
        Pattern.compile("\\b(" + lake.rawNamespace() + "|" + lake.tripsNamespace() + ")\\.(\\w+)")
            .matcher(sql);
    String table = null;
    while (m.find() && m.start() < end) {
      table = m.group();
    }
    return table;
  }

  private static Snapshot beforeLastCommit(String table) {
    Table t = lake.catalog().loadTable(TableIdentifier.parse(table));
    Snapshot last = t.currentSnapshot();
    return last.parentId() == null ? last : t.snapshot(last.parentId());
  }
}
