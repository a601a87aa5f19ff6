package io.triplake.cli;

import io.triplake.lake.Lake;
import org.apache.spark.sql.SparkSession;

/** The one Spark session a command uses. */
final class Sessions {
  private Sessions() {}

  /**
   * The active session when its {@code lake} catalog is this lake, a new session of the same Spark
   * context with this lake's catalog otherwise (a JVM can hold several lakes: the demo's, a
   * test's).
   */
  static SparkSession open(Lake lake, String appName) {
    SparkSession active = SparkSession.getActiveSession().getOrElse(() -> null);
    SparkSession spark;
    if (active == null) {
      spark = lake.spark(appName);
    } else if (lake.sparkCatalogConf().entrySet().stream()
        .allMatch(
            e -> e.getValue().equals(active.conf().getOption(e.getKey()).getOrElse(() -> null)))) {
      spark = active;
    } else {
      spark = active.newSession();
      lake.sparkCatalogConf().forEach(spark.conf()::set);
      SparkSession.setActiveSession(spark);
    }
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
