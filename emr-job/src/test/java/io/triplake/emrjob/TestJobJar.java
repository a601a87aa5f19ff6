package io.triplake.emrjob;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The job jar holds what EMR does not provide, and nothing that EMR provides; it runs on Spark's
 * classpath.
 */
class TestJobJar {
  private static final Path JAR =
      Path.of(System.getProperty("job.jar", "target/trip-lake-emr.jar"));

  @Test
  void bundlesTheJobIcebergAndTheAwsSdkButNotSpark() throws IOException {
    assertThat(JAR).isRegularFile();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.triplake.cli.TripLake");
      List<String> names = jar.stream().map(e -> e.getName()).toList();
      assertThat(names)
          .contains(
              "io/triplake/cli/TripLake.class",
              "io/triplake/ingest/RawFileRegistrar.class",
              "io/triplake/trips/TripAggregator.class",
              "io/triplake/report/TripReport.class",
              "io/triplake/report/trip-report.js",
              "META-INF/maven/org.webjars.npm/echarts/pom.properties",
              "io/triplake/emr/JobSubmission.class",
              "io/triplake/ddl/spark/tripsummary.sql",
              "picocli/CommandLine.class",
              "org/apache/iceberg/spark/SparkCatalog.class",
              "org/apache/iceberg/spark/extensions/IcebergSparkSessionExtensions.class",
              "org/apache/iceberg/aws/glue/GlueCatalog.class",
              "org/apache/iceberg/aws/s3/S3FileIO.class",
              "software/amazon/awssdk/services/glue/GlueClient.class",
              "software/amazon/awssdk/services/s3/S3Client.class",
              "software/amazon/awssdk/services/kms/KmsClient.class",
              "software/amazon/awssdk/services/sts/StsClient.class");
      // Iceberg's SQL extensions put a few classes into org.apache.spark.sql packages; Spark itself
      // is not here.
      assertThat(names)
          .doesNotContain(
              "org/apache/spark/SparkContext.class", "org/apache/spark/sql/SparkSession.class");
      assertThat(names)
          .as("provided by EMR, or not needed there")
          .noneMatch(
              n ->
                  n.startsWith("scala/")
                      || n.startsWith("org/apache/hadoop/")
                      || n.startsWith("com/fasterxml/")
                      || n.startsWith("org/slf4j/")
                      || n.startsWith("org/apache/logging/")
                      || n.startsWith("io/netty/")
                      || n.startsWith("org/duckdb/")
                      || n.startsWith("org/sqlite/")
                      || n.equals("log4j2.properties"));
      assertThat(names)
          .as("the report's script, and nothing else of the ECharts WebJar")
          .anyMatch(n -> n.matches("META-INF/resources/webjars/echarts/[^/]+/dist/echarts.min.js"))
          .noneMatch(n -> n.endsWith("echarts.common.min.js") || n.endsWith("echarts.esm.js"));
      assertThat(jar.getEntry("META-INF/services/software.amazon.awssdk.http.SdkHttpService"))
          .isNotNull();
    }
  }

  /**
   * spark-submit's view: the job jar plus Spark's own jars (here: the test classpath less what the
   * jar bundles).
   */
  @Test
  void startsOnSparksClasspath() throws Exception {
    List<String> spark = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      boolean bundled =
          entry.contains("/io/triplake/")
              || entry.contains("/target/classes")
              || entry.contains("/target/test-classes")
              || name.startsWith("iceberg-")
              || name.startsWith("picocli")
              || name.startsWith("emrserverless")
              || name.startsWith("sqlite-jdbc")
              || name.startsWith("duckdb")
              || name.startsWith("junit")
              || name.startsWith("assertj");
      if (!bundled) {
        spark.add(entry);
      }
    }
    assertThat(spark).anyMatch(e -> e.contains("spark-sql_"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = JAR + File.pathSeparator + String.join(File.pathSeparator, spark);
    for (List<String> args :
        List.of(
            List.of("--version"),
            List.of("submit", "--help"),
            List.of("aggregate", "--help"),
            List.of("report", "--help"))) {
      List<String> command =
          new ArrayList<>(Arrays.asList(java, "-cp", classpath, "io.triplake.cli.TripLake"));
      command.addAll(args);
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(args + ": " + out).isZero();
      assertThat(out).isNotBlank();
    }
  }
}
