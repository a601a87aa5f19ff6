package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/**
 * What {@link SparkDdl} reads from a DDL's text, and how it refuses one it cannot read. That the
 * tables it creates equal the ones Spark creates from the same DDL is checked where the DDL lives
 * (TestTableDdl) and where a job creates its table (TestSummaryTable).
 */
class TestSparkDdl {
  private static final String DDL =
      """
      -- A header that mentions (parentheses), commas, and 'quotes'.
      CREATE TABLE IF NOT EXISTS ${table} (
        deviceid  STRING        COMMENT 'logger id (8 hex characters), as in the path',
        value     DOUBLE        COMMENT 'the logger''s value',
        n         BIGINT,
        day       DATE          COMMENT 'partition',
        at        TIMESTAMP_NTZ COMMENT 'UTC')
      USING iceberg
      PARTITIONED BY (day)
      TBLPROPERTIES (
        'format-version' = '2',
        'write.parquet.compression-codec' = 'zstd')
      """;

  @Test
  void readsColumnsCommentsPartitionAndProperties() {
    SparkDdl ddl = SparkDdl.parse("t", DDL);

    Schema expected =
        new Schema(
            Types.NestedField.optional(
                1,
                "deviceid",
                Types.StringType.get(),
                "logger id (8 hex characters), as in the path"),
            Types.NestedField.optional(2, "value", Types.DoubleType.get(), "the logger's value"),
            Types.NestedField.optional(3, "n", Types.LongType.get()),
            Types.NestedField.optional(4, "day", Types.DateType.get(), "partition"),
            Types.NestedField.optional(5, "at", Types.TimestampType.withoutZone(), "UTC"));
    assertThat(ddl.schema().asStruct()).isEqualTo(expected.asStruct());
    assertThat(ddl.spec())
        .isEqualTo(PartitionSpec.builderFor(ddl.schema()).identity("day").build());
    assertThat(ddl.properties())
        .containsExactly(
            java.util.Map.entry("format-version", "2"),
            java.util.Map.entry("write.parquet.compression-codec", "zstd"));
  }

  @Test
  void aTableWithoutPartitionOrPropertiesIsUnpartitioned() {
    SparkDdl ddl =
        SparkDdl.parse("t", "CREATE TABLE x (a STRING COMMENT 'a', b INT)\nUSING iceberg\n");
    assertThat(ddl.schema().columns())
        .extracting(Types.NestedField::name)
        .containsExactly("a", "b");
    assertThat(ddl.spec().isUnpartitioned()).isTrue();
    assertThat(ddl.properties()).isEmpty();
  }

  @Test
  void namesTheTableAndWhatDoesNotFit() {
    assertThatThrownBy(() -> SparkDdl.parse("raw.x", "SELECT 1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot read the Spark DDL of raw.x: it does not start with CREATE TABLE <name> ("
                + " (SELECT 1)");
    assertThatThrownBy(
            () ->
                SparkDdl.parse("raw.x", "CREATE TABLE x (a BINARY COMMENT 'bytes') USING iceberg"))
        .hasMessage(
            "Cannot read the Spark DDL of raw.x: column a has a type this reader does not map"
                + " (BINARY)");
    assertThatThrownBy(
            () -> SparkDdl.parse("raw.x", "CREATE TABLE x (a DECIMAL(10, 2)) USING iceberg"))
        .hasMessage(
            "Cannot read the Spark DDL of raw.x: a column is not <name> <TYPE> [COMMENT '<text>']"
                + " (a DECIMAL(10, 2))");
    assertThatThrownBy(
            () ->
                SparkDdl.parse(
                    "raw.x", "CREATE TABLE x (t TIMESTAMP) USING iceberg PARTITIONED BY (days(t))"))
        .hasMessageStartingWith(
            "Cannot read the Spark DDL of raw.x: PARTITIONED BY names no column (only identity"
                + " partitions are read)");
    assertThatThrownBy(
            () ->
                SparkDdl.parse(
                    "raw.x", "CREATE TABLE x (a STRING) USING iceberg TBLPROPERTIES (format = 2)"))
        .hasMessage(
            "Cannot read the Spark DDL of raw.x: a TBLPROPERTIES entry is not '<key>' = '<value>'"
                + " (format = 2)");
    assertThatThrownBy(() -> SparkDdl.parse("raw.x", "CREATE TABLE x (a STRING) USING parquet"))
        .hasMessage(
            "Cannot read the Spark DDL of raw.x: the column list is not followed by USING iceberg"
                + " (USING parquet)");
    assertThatThrownBy(() -> SparkDdl.parse("raw.x", "CREATE TABLE x (a STRING USING iceberg"))
        .hasMessageStartingWith(
            "Cannot read the Spark DDL of raw.x: the column list is not closed");
  }
}
