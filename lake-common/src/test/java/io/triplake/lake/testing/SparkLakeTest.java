package io.triplake.lake.testing;

import io.triplake.lake.Lake;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * One local[2] Spark session and one embedded lake per test class: starting Spark costs seconds, so
 * tests in a class share it and use fresh namespaces or folders where they need isolation.
 */
public abstract class SparkLakeTest {
  protected static Path tempDir;
  protected static Lake lake;
  protected static SparkSession spark;

  @BeforeAll
  static void startSparkAndLake() throws IOException {
    tempDir = Files.createTempDirectory("trip-lake-test");
    lake = Lake.embedded(tempDir.resolve("lake"));
    // Set before the session exists: Lake.spark() keeps a master that is already configured.
    System.setProperty("spark.master", "local[2]");
    spark = lake.spark("test");
    spark.conf().set("spark.sql.shuffle.partitions", "4");
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    System.clearProperty("spark.master");
    deleteRecursively(tempDir);
  }

  protected static void deleteRecursively(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
