package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Catalog profiles from a properties file with Iceberg's own property names. */
class TestCatalogConf {
  @TempDir Path dir;

  private Path write(String content) throws IOException {
    Path file = dir.resolve("catalog.properties");
    Files.writeString(file, content);
    return file;
  }

  @Test
  void aJobsCatalogCachesManifestsUnlessTheConfigurationSaysOtherwise() throws IOException {
    Lake lake = Lake.embedded(dir.resolve("lake"));
    org.apache.iceberg.catalog.Catalog catalog = lake.catalog();
    ((org.apache.iceberg.catalog.SupportsNamespaces) catalog)
        .createNamespace(org.apache.iceberg.catalog.Namespace.of("n"));
    org.apache.iceberg.Table table =
        catalog.createTable(
            org.apache.iceberg.catalog.TableIdentifier.of("n", "t"),
            new org.apache.iceberg.Schema(
                org.apache.iceberg.types.Types.NestedField.optional(
                    1, "x", org.apache.iceberg.types.Types.LongType.get())));
    // Iceberg's ManifestFiles reads the switch from the table's FileIO.
    assertThat(table.io().properties()).containsEntry("io.manifest.cache-enabled", "true");
    assertThat(lake.catalogProperties()).doesNotContainKey("io.manifest.cache-enabled");
    if (catalog instanceof java.io.Closeable closeable) {
      closeable.close();
    }
  }

  @Test
  void glueProfileKeepsIcebergPropertiesAsWritten() throws IOException {
    Path file =
        write(
            """
            type=glue
            warehouse=s3://wh-bucket/
            io-impl=org.apache.iceberg.aws.s3.S3FileIO
            client.region=eu-west-1
            glue.id=123456789012
            """);
    Lake lake = Lake.fromCatalogConf(file.toString());
    assertThat(lake.catalogProperties())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "type",
                "glue",
                "warehouse",
                "s3://wh-bucket/",
                "io-impl",
                "org.apache.iceberg.aws.s3.S3FileIO",
                "client.region",
                "eu-west-1",
                "glue.id",
                "123456789012"));
    assertThat(lake.sparkConf())
        .containsEntry(
            "spark.sql.extensions",
            "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .containsEntry("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog")
        .containsEntry("spark.sql.catalog.lake.type", "glue")
        .containsEntry("spark.sql.catalog.lake.warehouse", "s3://wh-bucket/")
        .containsEntry("spark.sql.catalog.lake.io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
        .containsEntry("spark.sql.catalog.lake.cache-enabled", "false")
        .containsEntry("spark.sql.defaultCatalog", "lake")
        .containsEntry("spark.sql.session.timeZone", "UTC");
  }

  @Test
  void relativeAndFileUriLocationsReadTheSameFile() throws IOException {
    Path file = write("type=rest\nuri=http://127.0.0.1:8181/\n");
    assertThat(Lake.fromCatalogConf(file.toUri().toString()).catalogProperties())
        .containsEntry("type", "rest");
    assertThat(Lake.fromCatalogConf(file).catalogProperties())
        .containsEntry("uri", "http://127.0.0.1:8181/");
  }

  @Test
  void profilesSayWhatIsMissing() throws IOException {
    assertThatThrownBy(
            () -> Lake.fromCatalogConf(write("type=glue\nwarehouse=/tmp/wh\n").toString()))
        .hasMessageStartingWith(
            "Cannot configure the catalog: type=glue needs 'warehouse' = s3://bucket/prefix"
                + " (/tmp/wh in ");
    assertThatThrownBy(
            () -> Lake.fromCatalogConf(write("type=jdbc\nwarehouse=/tmp/wh\n").toString()))
        .hasMessageStartingWith("Cannot configure the catalog: type=jdbc needs 'uri' (");
    assertThatThrownBy(() -> Lake.fromCatalogConf(write("type=rest\n").toString()))
        .hasMessageStartingWith("Cannot configure the catalog: type=rest needs 'uri' (");
    assertThatThrownBy(() -> Lake.fromCatalogConf(write("warehouse=s3://b/\n").toString()))
        .hasMessageStartingWith(
            "Cannot configure the catalog: neither 'type' nor 'catalog-impl' is set (");
    assertThat(
            Lake.fromCatalogConf(write("catalog-impl=com.example.MyCatalog\n").toString())
                .catalogProperties())
        .containsEntry("catalog-impl", "com.example.MyCatalog");
  }

  @Test
  void aMissingFileIsNamed() {
    String missing = dir.resolve("nope.properties").toString();
    assertThatThrownBy(() -> Lake.fromCatalogConf(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot read the catalog configuration: ")
        .hasMessageEndingWith("(" + missing + ")");
  }
}
