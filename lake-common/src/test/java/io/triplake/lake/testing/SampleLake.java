package io.triplake.lake.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The bundled real CANedge sample (sample-data/canedge-sample), found from any module's test run.
 */
public final class SampleLake {
  private SampleLake() {}

  public static Path location() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path sample = dir.resolve("sample-data").resolve("canedge-sample");
      if (Files.isDirectory(sample)) {
        return sample;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "Cannot find sample-data/canedge-sample above " + Path.of("").toAbsolutePath());
  }

  /** A private copy, for tests that add files to the source. */
  public static Path copyTo(Path target) {
    Path source = location();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.toList()) {
        Path to = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else {
          Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }
}
