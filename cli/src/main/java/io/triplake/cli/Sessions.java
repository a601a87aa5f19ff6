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
}
