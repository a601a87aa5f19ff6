package io.triplake.cli;

import io.triplake.lake.Lake;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the lake is: the embedded lake directory, or any Iceberg catalog given as properties. */
final class LakeOptions {
  @Option(
      names = "--lake",
      paramLabel = "DIR",
      defaultValue = "lake",
      description =
          "Embedded lake: SQLite catalog and warehouse in DIR (default: ${DEFAULT-VALUE}).")
  Path lakeDir;

  @Option(
      names = "--catalog-conf",
      paramLabel = "FILE_OR_URI",
      description =
          "Iceberg catalog properties (type, warehouse, io-impl, ...) instead of the embedded lake;"
              + " a local file or s3://bucket/key.")
  String catalogConf;

  @Option(
      names = "--raw-namespace",
      paramLabel = "NAME",
      defaultValue = Lake.RAW_NAMESPACE_DEFAULT,
      description = "Namespace of the raw tables (default: ${DEFAULT-VALUE}).")
  String rawNamespace;

  @Option(
      names = "--trips-namespace",
      paramLabel = "NAME",
      defaultValue = Lake.TRIPS_NAMESPACE_DEFAULT,
      description = "Namespace of the trip tables (default: ${DEFAULT-VALUE}).")
  String tripsNamespace;

  @Option(
      names = "--report-dir",
      paramLabel = "DIR",
      description =
          "Where JSON run reports go (default: DIR/reports of the embedded lake, ./reports"
              + " otherwise).")
  Path reportDir;

  Lake lake() {
    Lake lake = catalogConf != null ? Lake.fromCatalogConf(catalogConf) : Lake.embedded(lakeDir);
    return lake.withNamespaces(rawNamespace, tripsNamespace);
  }

  Path reportDir() {
    if (reportDir != null) {
      return reportDir;
    }
    return catalogConf != null ? Path.of("reports") : lakeDir.resolve("reports");
  }
}
