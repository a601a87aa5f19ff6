package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an open store serves, to whom, and what it leaves behind. */
class TestFetchedFiles {
  @TempDir Path dir;

  @Test
  void servesTheRangesItHoldsOfTheSameObjectAndNothingElse() {
    byte[] whole = {1, 2, 3, 4, 5, 6, 7, 8};
    try (FetchedFiles store = FetchedFiles.open(dir, 100)) {
      assertThat(store.keep("s3://raw/a.parquet", 8, whole, 0)).isTrue();
      assertThat(store.keep("s3://raw/big.parquet", 1000, new byte[] {9, 9}, 998)).isTrue();

      assertThat(FetchedFiles.find("s3://raw/a.parquet", 8, 0)).containsExactly(whole);
      // A tail of a whole file held: the reader of a footer gets just that.
      assertThat(FetchedFiles.find("s3://raw/a.parquet", 8, 5)).containsExactly(6, 7, 8);
      assertThat(FetchedFiles.find("s3://raw/big.parquet", 1000, 998)).containsExactly(9, 9);
      // Not held: more than the tail, another length (the object changed), another object.
      assertThat(FetchedFiles.find("s3://raw/big.parquet", 1000, 0)).isNull();
      assertThat(FetchedFiles.find("s3://raw/a.parquet", 9, 0)).isNull();
      assertThat(FetchedFiles.find("s3://raw/b.parquet", 8, 0)).isNull();

      assertThat(store.tally()).isEqualTo(new FetchedFiles.Tally(2, 10, 0, 3, 13));
    }
    assertThat(FetchedFiles.find("s3://raw/a.parquet", 8, 0)).as("closed").isNull();
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aFullStoreKeepsNothingMoreAndAClearedOneStartsAgain() {
    try (FetchedFiles store = FetchedFiles.open(dir, 10)) {
      assertThat(store.keep("a", 6, new byte[6], 0)).isTrue();
      assertThat(store.keep("b", 6, new byte[6], 0)).isFalse();
      assertThat(FetchedFiles.find("b", 6, 0)).isNull();
      store.clear();
      assertThat(FetchedFiles.find("a", 6, 0)).isNull();
      assertThat(store.keep("b", 6, new byte[6], 0)).isTrue();
      assertThat(store.tally().filesKept()).isEqualTo(2);
      assertThat(store.tally().filesNotKept()).isEqualTo(1);
    }
  }

  @Test
  void aPrefetchedInputFileReadsAHeldFileWithoutARequest() throws Exception {
    Path file = dir.resolve("f.bin");
    byte[] bytes = {10, 20, 30, 40};
    Files.write(file, bytes);
    LakeFileIO io = new LakeFileIO();
    io.initialize(java.util.Map.of());
    String location = file.toUri().toString();
    try (FetchedFiles store = FetchedFiles.open(dir.resolve("kept"), 100)) {
      PrefetchedInputFile first = PrefetchedInputFile.whole(io.newInputFile(location, 4), 100);
      assertThat(first.keepIn(store)).isTrue();
      assertThat(first.fetches()).isEqualTo(1);
      // The object is gone from its store: only the kept copy can answer.
      Files.delete(file);
      PrefetchedInputFile second = PrefetchedInputFile.whole(io.newInputFile(location, 4), 100);
      byte[] read = new byte[4];
      try (var in = second.newStream()) {
        in.read(read, 0, 4);
      }
      assertThat(read).containsExactly(bytes);
      assertThat(second.fetches()).isZero();
    }
  }
}
