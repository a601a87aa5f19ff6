package io.triplake.cli;

import io.triplake.lake.Lake;
import org.apache.spark.sql.SparkSession;

/** The one Spark session a command uses. */
final class Sessions {
  private Sessions() {}

  static SparkSession open(Lake lake, String appName) {
    SparkSession active = SparkSession.getActiveSession().getOrElse(() -> null);
    SparkSession spark = active != null ? active : lake.spark(appName);
    // java.time values print as instants (UTC), not in the JVM's zone.
    spark.conf().set("spark.sql.datetime.java8API.enabled", "true");
    return spark;
  }

  static void deleteQuietly(java.nio.file.Path dir) {
    if (!java.nio.file.Files.exists(dir)) {
      return;
    }
    try (var files = java.nio.file.Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
