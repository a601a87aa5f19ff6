package io.triplake.bench;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.lake.RawFileWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.FileIO;

/**
 * Registration throughput on many small local files: the cost that grows with a fleet's file count.
 * A warm-up run on a separate lake pays class loading and JIT first, so the figure is the steady
 * rate a daily job sees; the cold figure is printed beside it.
 */
public final class RegistrationBenchmark {
  private static final int MESSAGES = 10;
  private static final int DAYS = 10;
  private static final int ROWS_PER_FILE = 60;
  private static final List<String> SIGNALS = List.of("Speed", "Altitude", "Heading");

  /**
   * @param files files registered in the measured run
   * @param seconds wall time of the measured registration
   * @param rerunSeconds wall time of the same registration again (everything skipped)
   * @param coldSeconds wall time of the warm-up registration (first in this JVM)
   */
  public record Result(
      int files,
      int tables,
      long rows,
      double seconds,
      double filesPerSecond,
      double rerunSeconds,
      int coldFiles,
      double coldSeconds) {
    public String summary() {
      return String.format(
          "Registration: %d files (%d tables, %d rows) in %.2f s = %.0f files/s; re-run (all"
              + " skipped) %.2f s = %.0f files/s; cold JVM: %d files in %.2f s = %.0f files/s",
          files,
          tables,
          rows,
          seconds,
          filesPerSecond,
          rerunSeconds,
          files / rerunSeconds,
          coldFiles,
          coldSeconds,
          coldFiles / coldSeconds);
    }
  }

  private RegistrationBenchmark() {}

  public static Result run(Path workDir, int files) {
    int warmupFiles = Math.max(MESSAGES * DAYS, files / 20);
    Path warmupSource = generate(workDir.resolve("warmup-source"), warmupFiles, 1);
    double coldSeconds =
        time(Lake.embedded(workDir.resolve("warmup-lake")), warmupSource).seconds();

    Path source = generate(workDir.resolve("source"), files, 2);
    Lake lake = Lake.embedded(workDir.resolve("lake"));
    RawFileRegistrar.Result first = time(lake, source);
    if (first.registeredFiles() != files || !first.clean()) {
      throw new IllegalStateException(
          "Benchmark registration did not register every file: " + first.summary());
    }
    RawFileRegistrar.Result again = time(lake, source);
    if (again.skippedFiles() != files) {
      throw new IllegalStateException(
          "Benchmark re-run did not skip every file: " + again.summary());
    }
    return new Result(
        files,
        first.commits().size(),
        first.registeredRows(),
        first.seconds(),
        files / first.seconds(),
        again.seconds(),
        warmupFiles,
        coldSeconds);
  }

  private static RawFileRegistrar.Result time(Lake lake, Path source) {
    Catalog catalog = lake.catalog();
    try (FileIO io = lake.sourceIO()) {
      return RawFileRegistrar.of(lake, catalog, io).source(source.toString()).execute();
    } finally {
      if (catalog instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** {@code files} small files: MESSAGES messages x DAYS days x as many devices as it takes. */
  static Path generate(Path root, int files, int deviceSeed) {
    LocalDate firstDay = LocalDate.of(2024, 1, 1);
    int written = 0;
    for (int device = 0; written < files; device++) {
      String deviceId = String.format("%04X%04X", deviceSeed, device);
      for (int message = 0; message < MESSAGES && written < files; message++) {
        for (int day = 0; day < DAYS && written < files; day++) {
          LocalDate date = firstDay.plusDays(day);
          Path file =
              root.resolve(deviceId)
                  .resolve("CAN2_msg" + message)
                  .resolve(
                      String.format(
                          "%04d/%02d/%02d",
                          date.getYear(), date.getMonthValue(), date.getDayOfMonth()))
                  .resolve("00000001_00000001.parquet");
          long start = date.toEpochDay() * 86_400_000_000L + 8 * 3_600_000_000L;
          try (RawFileWriter writer = RawFileWriter.open(file, true, SIGNALS)) {
            for (int row = 0; row < ROWS_PER_FILE; row++) {
              writer.write(
                  start + row * 1_000_000L, 10.0 + row, 100.0 + day, (double) (row * 6 % 360));
            }
          }
          written++;
        }
      }
    }
    return root;
  }

  static double time(Runnable r) {
    long start = System.nanoTime();
    r.run();
    return (System.nanoTime() - start) / 1e9;
  }
}
