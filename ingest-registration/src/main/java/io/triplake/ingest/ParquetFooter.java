package io.triplake.ingest;

import java.io.IOException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.SeekableInputStream;
import org.apache.iceberg.shaded.org.apache.parquet.ParquetReadOptions;
import org.apache.iceberg.shaded.org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.iceberg.shaded.org.apache.parquet.io.DelegatingSeekableInputStream;

/**
 * Reads a Parquet footer through Iceberg's FileIO (so the same code reads local files and S3), with the
 * Parquet classes the Iceberg runtime bundles: metrics are computed from the same footer object.
 */
final class ParquetFooter {
  private ParquetFooter() {}

  /** Minimum size of a Parquet file: magic, footer length and magic. */
  private static final int MIN_SIZE = 12;

  /**
   * Shared, Hadoop-free read options: the default builder creates a Hadoop Configuration per file, whose
   * synchronized look-ups made footer reads contend on one lock (under 200 files/s on 2 cores).
   */
  private static final ParquetReadOptions OPTIONS = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();

  static ParquetMetadata read(FileIO io, String location, long length) throws IOException {
    if (length == 0) {
      throw new IOException("empty file (0 bytes)");
    }
    if (length < MIN_SIZE) {
      throw new IOException("not a Parquet file: " + length + " bytes is shorter than any Parquet file");
    }
    InputFile file = io.newInputFile(location, length);
    try (ParquetFileReader reader = ParquetFileReader.open(new Adapter(file), OPTIONS)) {
      return reader.getFooter();
    } catch (RuntimeException e) {
      // parquet-mr reports bad magic and corrupt footers as RuntimeExceptions.
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (msg.contains("is not a Parquet file")) {
        throw new IOException("not a Parquet file (no PAR1 magic at the end: truncated or another format)", e);
      }
      throw new IOException("corrupt Parquet footer: " + msg, e);
    }
  }

  private static final class Adapter implements org.apache.iceberg.shaded.org.apache.parquet.io.InputFile {
    private final InputFile file;

    Adapter(InputFile file) {
      this.file = file;
    }

    @Override
    public long getLength() {
      return file.getLength();
    }

    @Override
    public org.apache.iceberg.shaded.org.apache.parquet.io.SeekableInputStream newStream() {
      SeekableInputStream in = file.newStream();
      return new DelegatingSeekableInputStream(in) {
        @Override
        public long getPos() throws IOException {
          return in.getPos();
        }

        @Override
        public void seek(long pos) throws IOException {
          in.seek(pos);
        }
      };
    }
  }
}
