package io.triplake.lake;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.RangeReadable;
import org.apache.iceberg.io.SeekableInputStream;

/**
 * A file read with as few requests as an object store bills: its last {@code prefetch} bytes (or
 * all of it, when it is no larger) in one ranged GET on first use, kept in memory; a read before
 * that part opens one more stream. Parquet readers seek to the tail, then to the footer, then to
 * each column chunk: on S3 each seek is a GET of its own. Raw logger files are small, so one GET of
 * the whole object is the cheapest read, and for a large one a GET of the tail holds the footer.
 *
 * <p>Not thread-safe: one reader at a time, as Parquet readers use a file.
 */
public final class PrefetchedInputFile implements InputFile {
  /**
   * Enough for the footer of any logger file seen so far (a few KB); a larger one costs a second
   * GET.
   */
  public static final int TAIL_DEFAULT = 64 * 1024;

  /**
   * Files up to this size are fetched whole by the readers of raw rows (and by registration that
   * keeps them for those readers): one GET, and a few such files per reading thread fit in memory.
   */
  public static final int WHOLE_DEFAULT = 16 << 20;

  private final InputFile file;
  private final int prefetch;
  private byte[] bytes;
  private long start;
  private int fetches;

  /** The prefetch started by {@link #prefetchIn}, joined on first use. */
  private java.util.concurrent.CompletableFuture<Void> pending;

  private PrefetchedInputFile(InputFile file, int prefetch) {
    this.file = file;
    this.prefetch = prefetch;
  }

  /** The file's tail ({@link #TAIL_DEFAULT} bytes): a footer in one request. */
  public static PrefetchedInputFile tail(InputFile file) {
    return new PrefetchedInputFile(file, TAIL_DEFAULT);
  }

  /** The whole file in one request when it is at most {@code maxBytes}, else its tail. */
  public static PrefetchedInputFile whole(InputFile file, int maxBytes) {
    return new PrefetchedInputFile(
        file, file.getLength() <= maxBytes ? (int) file.getLength() : TAIL_DEFAULT);
  }

  /** Bytes held in memory (0 before the first read). */
  public int heldBytes() {
    return bytes == null ? 0 : bytes.length;
  }

  /**
   * Requests made to the underlying file so far: one for the prefetch, one per stream opened before
   * it.
   */
  public int fetches() {
    return fetches;
  }

  @Override
  public long getLength() {
    return file.getLength();
  }

  @Override
  public SeekableInputStream newStream() {
    fetch();
    return new Stream();
  }

  @Override
  public String location() {
    return file.location();
  }

  @Override
  public boolean exists() {
    return file.exists();
  }

  /**
   * Fetches the prefetch now (unless done) and keeps it in {@code store} for this run's later reads
   * of the file.
   *
   * @return whether the store kept it
   */
  public boolean keepIn(FetchedFiles store) {
    fetch();
    return store.keep(file.location(), file.getLength(), bytes, start);
  }

  /**
   * Starts the prefetch on {@code executor} now, so that the request's wait overlaps the caller's
   * work on other files; the first read joins it. At most once, before the first read.
   */
  public PrefetchedInputFile prefetchIn(java.util.concurrent.Executor executor) {
    if (pending == null && bytes == null) {
      pending = java.util.concurrent.CompletableFuture.runAsync(this::load, executor);
    }
    return this;
  }

  private void fetch() {
    if (bytes != null) {
      return;
    }
    if (pending != null) {
      try {
        pending.join();
      } catch (java.util.concurrent.CompletionException e) {
        if (e.getCause() instanceof RuntimeException cause) {
          throw cause;
        }
        throw e;
      }
      return;
    }
    load();
  }

  private void load() {
    long length = file.getLength();
    int n = (int) Math.min(prefetch, length);
    byte[] held = FetchedFiles.find(file.location(), length, length - n);
    if (held != null) {
      bytes = held;
      start = length - n;
      return;
    }
    byte[] buffer = new byte[n];
    try (SeekableInputStream in = file.newStream()) {
      if (in instanceof RangeReadable ranged) {
        // One ranged GET of the last n bytes (S3FileIO), instead of an open-ended GET from a seek.
        ranged.readFully(length - n, buffer, 0, n);
      } else {
        in.seek(length - n);
        readFully(in, buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file.location() + ": " + e.getMessage(), e);
    }
    fetches++;
    bytes = buffer;
    start = length - n;
  }

  private static void readFully(java.io.InputStream in, byte[] buffer, int offset, int length)
      throws IOException {
    int done = 0;
    while (done < length) {
      int r = in.read(buffer, offset + done, length - done);
      if (r < 0) {
        throw new EOFException("file ended " + (length - done) + " bytes early");
      }
      done += r;
    }
  }

  /**
   * Serves the prefetched bytes; reads before them go to a stream of the underlying file, opened on
   * demand.
   */
  private final class Stream extends SeekableInputStream {
    private long pos;
    private SeekableInputStream head;

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) {
      pos = newPos;
    }

    @Override
    public int read() throws IOException {
      if (pos >= getLength()) {
        return -1;
      }
      if (pos >= start) {
        return bytes[(int) (pos++ - start)] & 0xff;
      }
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos >= getLength()) {
        return -1;
      }
      if (pos >= start) {
        int n = (int) Math.min(len, getLength() - pos);
        System.arraycopy(bytes, (int) (pos - start), b, off, n);
        pos += n;
        return n;
      }
      if (head == null) {
        head = file.newStream();
        fetches++;
      }
      head.seek(pos);
      int n = head.read(b, off, (int) Math.min(len, start - pos));
      if (n > 0) {
        pos += n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      if (head != null) {
        head.close();
        head = null;
      }
    }
  }
}
