package io.triplake.ingest;

import io.triplake.lake.FetchedFiles;
import io.triplake.lake.ParquetInput;
import io.triplake.lake.PrefetchedInputFile;
import java.io.IOException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * Reads a Parquet footer through Iceberg's FileIO ({@link ParquetInput}): metrics are computed from
 * the same footer object.
 */
final class ParquetFooter {
  private ParquetFooter() {}

  /** Minimum size of a Parquet file: magic, footer length and magic. */
  private static final int MIN_SIZE = 12;

  /**
   * The footer (one GET of the file's tail), and with a {@code store} the whole file (up to {@link
   * PrefetchedInputFile#WHOLE_DEFAULT}, else its tail) kept there for the run's trip job: the same
   * single GET serves both.
   */
  static ParquetMetadata read(FileIO io, String location, long length, FetchedFiles store)
      throws IOException {
    if (length == 0) {
      throw new IOException("empty file (0 bytes)");
    }
    if (length < MIN_SIZE) {
      throw new IOException(
          "not a Parquet file: " + length + " bytes is shorter than any Parquet file");
    }
    // The footer is in the file's last bytes: one ranged GET on S3 instead of one for its length
    // and one for it.
    PrefetchedInputFile file =
        store == null
            ? PrefetchedInputFile.tail(io.newInputFile(location, length))
            : PrefetchedInputFile.whole(
                io.newInputFile(location, length), PrefetchedInputFile.WHOLE_DEFAULT);
    try (ParquetFileReader reader = ParquetInput.open(file)) {
      ParquetMetadata footer = reader.getFooter();
      if (store != null) {
        file.keepIn(store);
      }
      return footer;
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    } catch (RuntimeException e) {
      // parquet-mr reports bad magic and corrupt footers as RuntimeExceptions.
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (msg.contains("is not a Parquet file")) {
        throw new IOException(
            "not a Parquet file (no PAR1 magic at the end: truncated or another format)", e);
      }
      throw new IOException("corrupt Parquet footer: " + msg, e);
    }
  }
}
