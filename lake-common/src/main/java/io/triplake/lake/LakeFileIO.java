package io.triplake.lake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.BulkDeletionFailureException;
import org.apache.iceberg.io.DelegateFileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.ResolvingFileIO;
import org.apache.iceberg.io.SeekableInputStream;

/**
 * FileIO for the embedded lake and for raw sources: local files through {@code java.nio}, every
 * other scheme ({@code s3://}, ...) through Iceberg's {@link ResolvingFileIO} with the same
 * properties.
 *
 * <p>Why not Hadoop's local file system: without Hadoop's native library (not on Maven Central) it
 * forks a shell ({@code ls -ld}, {@code chmod}) for every file it lists or creates, about 20 ms
 * each, which made registering a few hundred files take seconds.
 */
public class LakeFileIO implements DelegateFileIO {
  private static final long serialVersionUID = 1L;

  private HashMap<String, String> properties = new HashMap<>();
  private transient volatile ResolvingFileIO remote;

  @Override
  public void initialize(Map<String, String> props) {
    this.properties = new HashMap<>(props);
  }

  @Override
  public Map<String, String> properties() {
    return Map.copyOf(properties);
  }

  static boolean isLocal(String location) {
    return location.startsWith("file:") || location.startsWith("/");
  }

  static Path path(String location) {
    if (location.startsWith("/")) {
      return Path.of(location);
    }
    return Path.of(
        location.substring(5).replaceFirst("^//localhost/", "/").replaceFirst("^/+", "/"));
  }

  private ResolvingFileIO remote() {
    if (remote == null) {
      synchronized (this) {
        if (remote == null) {
          ResolvingFileIO io = new ResolvingFileIO();
          io.setConf(new Configuration());
          io.initialize(properties);
          remote = io;
        }
      }
    }
    return remote;
  }

  @Override
  public InputFile newInputFile(String location) {
    return isLocal(location) ? new LocalInputFile(location, -1) : remote().newInputFile(location);
  }

  @Override
  public InputFile newInputFile(String location, long length) {
    return isLocal(location)
        ? new LocalInputFile(location, length)
        : remote().newInputFile(location, length);
  }

  @Override
  public OutputFile newOutputFile(String location) {
    return isLocal(location) ? new LocalOutputFile(location) : remote().newOutputFile(location);
  }

  @Override
  public void deleteFile(String location) {
    if (!isLocal(location)) {
      remote().deleteFile(location);
      return;
    }
    try {
      Files.deleteIfExists(path(location));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + location + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void deleteFiles(Iterable<String> locations) throws BulkDeletionFailureException {
    List<String> remoteFiles = new ArrayList<>();
    int failures = 0;
    for (String location : locations) {
      if (!isLocal(location)) {
        remoteFiles.add(location);
        continue;
      }
      try {
        Files.deleteIfExists(path(location));
      } catch (IOException e) {
        failures++;
      }
    }
    if (!remoteFiles.isEmpty()) {
      remote().deleteFiles(remoteFiles);
    }
    if (failures > 0) {
      throw new BulkDeletionFailureException(failures);
    }
  }

  /** Files below the prefix, named {@code file:/abs/path} as Hadoop and Iceberg name them. */
  @Override
  public Iterable<FileInfo> listPrefix(String prefix) {
    if (!isLocal(prefix)) {
      return remote().listPrefix(prefix);
    }
    Path root = path(prefix);
    if (!Files.exists(root)) {
      throw new UncheckedIOException(
          new NoSuchFileException(root.toString(), null, "no such file or directory"));
    }
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path file : (Iterable<Path>) walk::iterator) {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        if (attrs.isRegularFile()) {
          files.add(
              new FileInfo(
                  "file:" + file.toAbsolutePath().normalize(),
                  attrs.size(),
                  attrs.lastModifiedTime().toMillis()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  @Override
  public void deletePrefix(String prefix) {
    if (!isLocal(prefix)) {
      remote().deletePrefix(prefix);
      return;
    }
    Path root = path(prefix);
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (remote != null) {
      remote.close();
    }
  }

  private static final class LocalInputFile implements InputFile {
    private final String location;
    private long length;

    LocalInputFile(String location, long length) {
      this.location = location;
      this.length = length;
    }

    @Override
    public long getLength() {
      if (length < 0) {
        try {
          length = Files.size(path(location));
        } catch (NoSuchFileException e) {
          throw new NotFoundException(e, "File does not exist: %s", location);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return length;
    }

    @Override
    public SeekableInputStream newStream() {
      try {
        return new ChannelInputStream(FileChannel.open(path(location), StandardOpenOption.READ));
      } catch (NoSuchFileException e) {
        throw new NotFoundException(e, "File does not exist: %s", location);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot open " + location + ": " + e.getMessage(), e);
      }
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public boolean exists() {
      return Files.exists(path(location));
    }
  }

  private static final class ChannelInputStream extends SeekableInputStream {
    private final FileChannel channel;

    ChannelInputStream(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public long getPos() throws IOException {
      return channel.position();
    }

    @Override
    public void seek(long pos) throws IOException {
      channel.position(pos);
    }

    @Override
    public int read() throws IOException {
      ByteBuffer one = ByteBuffer.allocate(1);
      int n = channel.read(one);
      return n <= 0 ? -1 : one.get(0) & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      return channel.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public long skip(long n) throws IOException {
      long pos = channel.position();
      long target = Math.min(channel.size(), pos + Math.max(0, n));
      channel.position(target);
      return target - pos;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(Integer.MAX_VALUE, channel.size() - channel.position());
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private static final class LocalOutputFile implements OutputFile {
    private final String location;

    LocalOutputFile(String location) {
      this.location = location;
    }

    @Override
    public PositionOutputStream create() {
      return open(StandardOpenOption.CREATE_NEW);
    }

    @Override
    public PositionOutputStream createOrOverwrite() {
      return open(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private PositionOutputStream open(StandardOpenOption... options) {
      Path file = path(location);
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<StandardOpenOption> opts = new ArrayList<>(List.of(options));
        opts.add(StandardOpenOption.WRITE);
        return new ChannelOutputStream(
            FileChannel.open(file, opts.toArray(StandardOpenOption[]::new)));
      } catch (FileAlreadyExistsException e) {
        throw new AlreadyExistsException(e, "File already exists: %s", location);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create " + location + ": " + e.getMessage(), e);
      }
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public InputFile toInputFile() {
      return new LocalInputFile(location, -1);
    }
  }

  private static final class ChannelOutputStream extends PositionOutputStream {
    private final FileChannel channel;
    private final java.io.OutputStream buffered;
    private long pos;

    ChannelOutputStream(FileChannel channel) {
      this.channel = channel;
      this.buffered =
          new java.io.BufferedOutputStream(
              java.nio.channels.Channels.newOutputStream(channel), 1 << 16);
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void write(int b) throws IOException {
      buffered.write(b);
      pos++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      buffered.write(b, off, len);
      pos += len;
    }

    @Override
    public void flush() throws IOException {
      buffered.flush();
    }

    @Override
    public void close() throws IOException {
      buffered.close();
      channel.close();
    }
  }
}
