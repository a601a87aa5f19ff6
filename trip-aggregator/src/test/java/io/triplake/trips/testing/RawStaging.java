package io.triplake.trips.testing;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.lake.RawFileWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.LongFunction;
import org.apache.iceberg.io.FileIO;
import org.apache.spark.sql.SparkSession;

/**
 * Raw files written to a staging folder the way loggers lay them out, then copied into a lake's raw
 * source and registered, as an upload is: how the trip and the maintenance tests feed a lake. Files
 * are staged first so that a test can upload them in any order, late or twice.
 */
public final class RawStaging {
  public static final long SECOND = 1_000_000L;
  public static final long MINUTE = 60 * SECOND;

  private final Path root;

  public RawStaging(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public static long at(String instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(instant));
  }

  /** Where a logger puts a file whose first row is at {@code t}: its day folder is that row's. */
  public Path path(String device, String message, String fileName, long t) {
    String day =
        Instant.EPOCH.plus(t, ChronoUnit.MICROS).toString().substring(0, 10).replace('-', '/');
    return root.resolve(device).resolve(message).resolve(day).resolve(fileName + ".parquet");
  }

  /**
   * A file of one message with rows every {@code step} from {@code from} to {@code to} (inclusive).
   */
  public Path file(
      String device,
      String message,
      String fileName,
      long from,
      long to,
      long step,
      List<String> signals,
      LongFunction<Double[]> values) {
    Path path = path(device, message, fileName, from);
    try (RawFileWriter w = RawFileWriter.open(path, true, signals)) {
      for (long t = from; t <= to; t += step) {
        w.write(t, values.apply(t));
      }
    }
    return path;
  }

  /**
   * A CAN2_speed file whose Speed is the second modulo 97: every row differs from its neighbours.
   */
  public Path speed(String device, String fileName, long from, long to, long step) {
    return file(
        device,
        "CAN2_speed",
        fileName,
        from,
        to,
        step,
        List.of("Speed"),
        t -> new Double[] {(double) ((t / SECOND) % 97)});
  }

  /**
   * Copies staged files into {@code source}, as a logger upload would, and registers the source.
   */
  public RawFileRegistrar.Result upload(
      SparkSession spark, Lake lake, Path source, List<Path> files) {
    for (Path f : files) {
      Path to = source.resolve(root.relativize(f).toString());
      try {
        Files.createDirectories(to.getParent());
        Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return register(spark, lake, source);
  }

  public static RawFileRegistrar.Result register(SparkSession spark, Lake lake, Path source) {
    try (FileIO io = lake.sourceIO()) {
      return RawFileRegistrar.of(lake, lake.catalog(spark), io).source(source.toString()).execute();
    }
  }

  /** A query's rows but updatedat, sorted: what two computations must agree on exactly. */
  public static List<String> rows(SparkSession spark, String query) {
    return spark.sql(query).drop("updatedat").collectAsList().stream()
        .map(Object::toString)
        .sorted()
        .toList();
  }
}
