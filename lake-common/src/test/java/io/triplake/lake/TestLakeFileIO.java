package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestLakeFileIO {
  @TempDir Path dir;

  private final LakeFileIO io = new LakeFileIO();

  @Test
  void writesReadsAndSeeksLikeIcebergExpects() throws IOException {
    String location = "file:" + dir.resolve("a/b/metadata.json");
    try (PositionOutputStream out = io.newOutputFile(location).create()) {
      out.write("hello ".getBytes(StandardCharsets.UTF_8));
      out.write('w');
      assertThat(out.getPos()).isEqualTo(7);
      out.write("orld".getBytes(StandardCharsets.UTF_8));
    }
    // create() never replaces a file: Iceberg relies on it for metadata files.
    assertThatThrownBy(() -> io.newOutputFile(location).create())
        .isInstanceOf(AlreadyExistsException.class);

    InputFile in = io.newInputFile(location);
    assertThat(in.exists()).isTrue();
    assertThat(in.getLength()).isEqualTo(11);
    try (SeekableInputStream stream = in.newStream()) {
      stream.seek(6);
      assertThat(new String(stream.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("world");
      assertThat(stream.getPos()).isEqualTo(11);
      assertThat(stream.read()).isEqualTo(-1);
      stream.seek(0);
      assertThat(stream.read()).isEqualTo('h');
    }

    try (PositionOutputStream out = io.newOutputFile(location).createOrOverwrite()) {
      out.write('x');
    }
    assertThat(Files.readString(dir.resolve("a/b/metadata.json"))).isEqualTo("x");
  }

  @Test
  void listsLikeHadoopNamesFilesAndDeletes() throws IOException {
    Files.createDirectories(dir.resolve("p/q"));
    Files.writeString(dir.resolve("p/q/one"), "1");
    Files.writeString(dir.resolve("p/two"), "22");
    Files.writeString(dir.resolve("other"), "3");

    List<FileInfo> files =
        StreamSupport.stream(io.listPrefix(dir.resolve("p").toString()).spliterator(), false)
            .sorted(java.util.Comparator.comparing(FileInfo::location))
            .toList();
    assertThat(files)
        .extracting(FileInfo::location)
        .containsExactly("file:" + dir.resolve("p/q/one"), "file:" + dir.resolve("p/two"));
    assertThat(files).extracting(FileInfo::size).containsExactly(1L, 2L);

    io.deleteFile("file://" + dir.resolve("p/two"));
    assertThat(dir.resolve("p/two")).doesNotExist();
    io.deletePrefix("file:" + dir.resolve("p"));
    assertThat(dir.resolve("p")).doesNotExist();
    assertThat(dir.resolve("other")).exists();

    assertThatThrownBy(() -> io.newInputFile("file:" + dir.resolve("missing")).getLength())
        .isInstanceOf(NotFoundException.class);
  }
}
