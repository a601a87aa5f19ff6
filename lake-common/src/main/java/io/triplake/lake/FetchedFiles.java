package io.triplake.lake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Raw files one job run has already fetched, kept on local disk while the run needs them, so that
 * its second read of a file is not a second GET. S3 bills a GET the same for a footer as for a
 * whole small file: registration that fetches a new file whole (instead of its tail) and keeps the
 * bytes lets the trip job that runs next in the same process read it for free, one GET per file in
 * all.
 *
 * <p>Every {@link PrefetchedInputFile} of this JVM looks here before it fetches, so no reader needs
 * to be told: a file is served when an open store holds the requested range of an object of the
 * same location and length. A process that never opens a store (a Spark executor elsewhere, every
 * command but {@code ingest}) always fetches. Closing the store deletes its files.
 *
 * <p>Bounded: a store keeps at most {@code maxBytes}; a file beyond that is simply not kept (the
 * next read fetches it again), so a day larger than the local disk costs GETs, never a failure.
 */
public final class FetchedFiles implements AutoCloseable {
  private static final List<FetchedFiles> OPEN = new CopyOnWriteArrayList<>();

  private record Held(Path file, long length, long start) {}

  private final Path dir;
  private final long maxBytes;
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final AtomicLong keptBytes = new AtomicLong();
  private final AtomicLong kept = new AtomicLong();
  private final AtomicLong keptTotal = new AtomicLong();
  private final AtomicLong notKept = new AtomicLong();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong servedBytes = new AtomicLong();
  private final AtomicLong names = new AtomicLong();

  private FetchedFiles(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /**
   * A store in a new directory under {@code parent} (created if missing), open for every reader of
   * this JVM until closed.
   */
  public static FetchedFiles open(Path parent, long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("Cannot keep fetched files: negative size " + maxBytes);
    }
    try {
      Files.createDirectories(parent);
      FetchedFiles store =
          new FetchedFiles(Files.createTempDirectory(parent, "fetched-files-"), maxBytes);
      OPEN.add(store);
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot keep fetched files under " + parent + ": " + e.getMessage(), e);
    }
  }

  /**
   * Keeps {@code bytes}, the range [{@code start}, {@code length}) of the object at {@code
   * location} of {@code length} bytes, unless the store is full.
   *
   * @return whether it was kept
   */
  boolean keep(String location, long length, byte[] bytes, long start) {
    if (held.containsKey(location)) {
      return true;
    }
    if (keptBytes.addAndGet(bytes.length) > maxBytes) {
      keptBytes.addAndGet(-bytes.length);
      notKept.incrementAndGet();
      return false;
    }
    Path file = dir.resolve(names.incrementAndGet() + ".bin");
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      // A full disk costs a GET later, not the run.
      keptBytes.addAndGet(-bytes.length);
      notKept.incrementAndGet();
      return false;
    }
    if (held.putIfAbsent(location, new Held(file, length, start)) != null) {
      keptBytes.addAndGet(-bytes.length);
      deleteQuietly(file);
    } else {
      kept.incrementAndGet();
      keptTotal.addAndGet(bytes.length);
    }
    return true;
  }

  /**
   * The bytes [{@code start}, {@code length}) of the object, when an open store holds them, else
   * null.
   */
  static byte[] find(String location, long length, long start) {
    for (FetchedFiles store : OPEN) {
      byte[] bytes = store.read(location, length, start);
      if (bytes != null) {
        return bytes;
      }
    }
    return null;
  }

  private byte[] read(String location, long length, long start) {
    Held h = held.get(location);
    if (h == null || h.length() != length || h.start() > start) {
      return null;
    }
    try {
      byte[] all = Files.readAllBytes(h.file());
      served.incrementAndGet();
      servedBytes.addAndGet(length - start);
      if (h.start() == start) {
        return all;
      }
      return java.util.Arrays.copyOfRange(all, (int) (start - h.start()), all.length);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * What a store did since it opened, for a run's report.
   *
   * @param filesKept files (or tails of large files) kept
   * @param bytesKept their bytes
   * @param filesNotKept files not kept: the store was full, or the local disk
   * @param reads reads served from kept files instead of a GET
   * @param bytes bytes those reads served
   */
  public record Tally(long filesKept, long bytesKept, long filesNotKept, long reads, long bytes) {}

  public Tally tally() {
    return new Tally(kept.get(), keptTotal.get(), notKept.get(), served.get(), servedBytes.get());
  }

  /** Drops every file kept so far (the next reads fetch), keeping the store open. */
  public void clear() {
    held.values().forEach(h -> deleteQuietly(h.file()));
    held.clear();
    keptBytes.set(0);
  }

  @Override
  public void close() {
    OPEN.remove(this);
    clear();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(FetchedFiles::deleteQuietly);
    } catch (IOException e) {
      // Left in the temp directory; nothing reads it again.
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Best effort: a leftover temp file holds no state.
    }
  }
}
