package io.triplake.lake;

import java.io.IOException;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.SeekableInputStream;
import org.apache.iceberg.shaded.org.apache.parquet.ParquetReadOptions;
import org.apache.iceberg.shaded.org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.io.DelegatingSeekableInputStream;

/**
 * Opens a Parquet file through Iceberg's FileIO (so the same code reads local files and S3), with
 * the Parquet classes the Iceberg runtime bundles.
 */
public final class ParquetInput {
  /**
   * Shared, Hadoop-free configuration: the default builder creates a Hadoop Configuration per file,
   * whose synchronized look-ups made footer reads contend on one lock (under 200 files/s on 2
   * cores). The read options are not shared: they hold the codec factory, whose decompressors are
   * neither thread-safe nor usable after a reader's close releases them.
   */
  private static final PlainParquetConfiguration CONF = new PlainParquetConfiguration();

  private ParquetInput() {}

  /** A reader positioned at the first row group; the caller closes it. */
  public static ParquetFileReader open(InputFile file) throws IOException {
    return ParquetFileReader.open(new Adapter(file), ParquetReadOptions.builder(CONF).build());
  }

  private static final class Adapter
      implements org.apache.iceberg.shaded.org.apache.parquet.io.InputFile {
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
