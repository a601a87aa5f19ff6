package io.triplake.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.iceberg.io.FileIO;

/**
 * Writes the report whole or not at all: a local file through a temporary file in the same folder
 * and an atomic rename, any other location ({@code s3://}) with one put through the catalog's
 * FileIO (an object appears complete or not at all).
 */
final class ReportOutput {
  private ReportOutput() {}

  static boolean isLocal(String location) {
    return location.startsWith("/")
        || location.startsWith("file:")
        || !location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  }

  /** Writes {@code bytes} to {@code location}; returns the location written, absolute if local. */
  static String write(byte[] bytes, String location, FileIO io) {
    if (isLocal(location)) {
      Path file =
          location.startsWith("file:") ? Path.of(java.net.URI.create(location)) : Path.of(location);
      return writeLocal(bytes, file.toAbsolutePath().normalize()).toString();
    }
    try (OutputStream out = io.newOutputFile(location).createOrOverwrite()) {
      out.write(bytes);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot write the trip report: " + e.getMessage() + " (" + location + ")", e);
    }
    return location;
  }

  private static Path writeLocal(byte[] bytes, Path file) {
    Path tmp = null;
    try {
      Path parent = file.getParent();
      Files.createDirectories(parent);
      // A name of its own, created with the process's usual permissions (a temp file's are 0600).
      tmp = parent.resolve("." + file.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
      Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      if (tmp != null) {
        tmp.toFile().delete();
      }
      throw new UncheckedIOException(
          "Cannot write the trip report: " + e.getMessage() + " (" + file + ")", e);
    }
  }
}
