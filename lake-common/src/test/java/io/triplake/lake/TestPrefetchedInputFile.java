package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.RangeReadable;
import org.apache.iceberg.io.SeekableInputStream;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.PageReadStore;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an object store bills: requests. An InputFile over a real local file counts what the reader
 * asks of it the way S3FileIO would turn it into GETs: every stream read after a seek, every ranged
 * read.
 */
class TestPrefetchedInputFile {
  @TempDir Path dir;

  /**
   * A local file whose streams count the requests S3 would bill, and can offer ranged reads as
   * S3FileIO's do.
   */
  private static final class Billed implements InputFile {
    private final Path path;
    private final boolean ranged;
    final List<String> requests = new ArrayList<>();

    Billed(Path path, boolean ranged) {
      this.path = path;
      this.ranged = ranged;
    }

    @Override
    public long getLength() {
      try {
        return Files.size(path);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public SeekableInputStream newStream() {
      byte[] all;
      try {
        all = Files.readAllBytes(path);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return ranged ? new RangedStream(all) : new Stream(all);
    }

    @Override
    public String location() {
      return path.toUri().toString();
    }

    @Override
    public boolean exists() {
      return Files.exists(path);
    }

    /** Like S3InputStream: the first read after a seek is a GET from there on. */
    class Stream extends SeekableInputStream {
      final byte[] all;
      long pos;
      boolean open;

      Stream(byte[] all) {
        this.all = all;
      }

      @Override
      public long getPos() {
        return pos;
      }

      @Override
      public void seek(long newPos) {
        if (newPos != pos) {
          open = false;
        }
        pos = newPos;
      }

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= all.length) {
          return -1;
        }
        if (!open) {
          requests.add("GET bytes=" + pos + "-");
          open = true;
        }
        int n = (int) Math.min(len, all.length - pos);
        System.arraycopy(all, (int) pos, b, off, n);
        pos += n;
        return n;
      }
    }

    class RangedStream extends Stream implements RangeReadable {
      RangedStream(byte[] all) {
        super(all);
      }

      @Override
      public void readFully(long position, byte[] buffer, int offset, int length) {
        requests.add("GET bytes=" + position + "-" + (position + length - 1));
        System.arraycopy(all, (int) position, buffer, offset, length);
      }

      @Override
      public int readTail(byte[] buffer, int offset, int length) {
        throw new UnsupportedOperationException();
      }
    }
  }

  private Path parquet(String name, int rows) {
    Path file = dir.resolve(name + ".parquet");
    Random random = new Random(7);
    try (RawFileWriter w = RawFileWriter.open(file, true, List.of("Speed", "Course"))) {
      for (int i = 0; i < rows; i++) {
        w.write(i * 200_000L, random.nextDouble() * 30, random.nextDouble() * 360);
      }
    }
    return file;
  }

  private static long readAllRows(InputFile input) throws IOException {
    long rows = 0;
    try (ParquetFileReader reader = ParquetInput.open(input)) {
      PageReadStore group;
      while ((group = reader.readNextRowGroup()) != null) {
        rows += group.getRowCount();
      }
    }
    return rows;
  }

  @Test
  void aParquetReaderAsksForTheTailTheFooterAndEachChunkSeparately() throws IOException {
    Billed plain = new Billed(parquet("plain", 5000), false);
    assertThat(readAllRows(plain)).isEqualTo(5000);
    assertThat(plain.requests)
        .as("what the reader costs without prefetching")
        .hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void aFooterIsOneRangedRequest() throws IOException {
    Billed file = new Billed(parquet("footer", 5000), true);
    PrefetchedInputFile tail = PrefetchedInputFile.tail(file);
    try (ParquetFileReader reader = ParquetInput.open(tail)) {
      assertThat(reader.getFooter().getBlocks().stream().mapToLong(b -> b.getRowCount()).sum())
          .isEqualTo(5000);
    }
    long length = file.getLength();
    long from = Math.max(0, length - PrefetchedInputFile.TAIL_DEFAULT);
    assertThat(file.requests).containsExactly("GET bytes=" + from + "-" + (length - 1));
    assertThat(tail.fetches()).isEqualTo(1);
  }

  @Test
  void aSmallFileIsReadWholeWithOneRequestAndTheSameRowsAsWithout() throws IOException {
    Path path = parquet("whole", 20_000);
    Billed file = new Billed(path, true);
    PrefetchedInputFile whole = PrefetchedInputFile.whole(file, 16 << 20);
    assertThat(readAllRows(whole)).isEqualTo(20_000);
    assertThat(file.requests).containsExactly("GET bytes=0-" + (file.getLength() - 1));
    assertThat(whole.heldBytes()).isEqualTo(file.getLength());
    // Read again through the same input (the trip job's second read of an identifier file): no
    // request.
    assertThat(readAllRows(whole)).isEqualTo(20_000);
    assertThat(file.requests).hasSize(1);
  }

  @Test
  void readsBeforeThePrefetchedTailGoToOneMoreStreamAndReturnTheFilesBytes() throws IOException {
    Path path = parquet("large", 50_000);
    byte[] expected = Files.readAllBytes(path);
    assertThat(expected.length)
        .as("larger than the tail")
        .isGreaterThan(PrefetchedInputFile.TAIL_DEFAULT);
    Billed file = new Billed(path, false);
    PrefetchedInputFile tail = PrefetchedInputFile.tail(file);
    byte[] read = new byte[expected.length];
    try (SeekableInputStream in = tail.newStream()) {
      // Backwards from the end in odd-sized pieces that straddle the tail's start.
      int piece = 9_973;
      for (int end = expected.length; end > 0; end -= piece) {
        int start = Math.max(0, end - piece);
        in.seek(start);
        int done = 0;
        while (done < end - start) {
          int n = in.read(read, start + done, end - start - done);
          assertThat(n).isPositive();
          done += n;
        }
      }
      in.seek(expected.length);
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(read).isEqualTo(expected);
    assertThat(tail.fetches())
        .as("the tail, then one stream for everything before it")
        .isEqualTo(2);
  }

  @Test
  void aFileShorterThanTheTailIsHeldWhole() throws IOException {
    Path path = dir.resolve("tiny.bin");
    Files.write(path, new byte[] {1, 2, 3, 4, 5});
    Billed file = new Billed(path, true);
    PrefetchedInputFile tail = PrefetchedInputFile.tail(file);
    try (SeekableInputStream in = tail.newStream()) {
      in.seek(2);
      assertThat(in.read()).isEqualTo(3);
      byte[] rest = new byte[4];
      assertThat(in.read(rest, 0, 4)).isEqualTo(2);
      assertThat(in.read(rest, 0, 4)).isEqualTo(-1);
    }
    assertThat(file.requests).containsExactly("GET bytes=0-4");
  }

  @Test
  void aPrefetchStartedAheadIsTheOneRequestAndItsRowsAreTheFiles() throws Exception {
    Path path = parquet("ahead", 20_000);
    Billed file = new Billed(path, true);
    java.util.concurrent.CountDownLatch fetched = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      PrefetchedInputFile ahead = PrefetchedInputFile.whole(file, 16 << 20);
      ahead.prefetchIn(
          r ->
              pool.execute(
                  () -> {
                    r.run();
                    fetched.countDown();
                  }));
      assertThat(fetched.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      // Fetched before anything read it; a second start is a no-op.
      assertThat(file.requests).containsExactly("GET bytes=0-" + (file.getLength() - 1));
      ahead.prefetchIn(pool);
      assertThat(readAllRows(ahead)).isEqualTo(20_000);
      assertThat(file.requests).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPrefetchAheadThatFailsFailsTheReadNamingTheFile() {
    Path missing = dir.resolve("gone.parquet");
    InputFile gone =
        new InputFile() {
          @Override
          public long getLength() {
            return 100;
          }

          @Override
          public SeekableInputStream newStream() {
            throw new org.apache.iceberg.exceptions.NotFoundException("no such key");
          }

          @Override
          public String location() {
            return missing.toString();
          }

          @Override
          public boolean exists() {
            return false;
          }
        };
    PrefetchedInputFile ahead = PrefetchedInputFile.whole(gone, 16 << 20).prefetchIn(Runnable::run);
    org.assertj.core.api.Assertions.assertThatThrownBy(ahead::newStream)
        .isInstanceOf(org.apache.iceberg.exceptions.NotFoundException.class)
        .hasMessageContaining("no such key");
  }
}
