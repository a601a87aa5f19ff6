package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeFileIO;
import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.SeekableInputStream;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/**
 * One ingest run leaves the tables as register then aggregate do, and reads each raw file once
 * where the two runs read the files the trip job needs twice.
 */
class TestTripIngest extends SparkLakeTest {
  /** Streams opened per raw file: what S3 would bill as GETs (one per PrefetchedInputFile load). */
  static final Map<String, AtomicInteger> OPENED = new ConcurrentHashMap<>();

  /** The lake's FileIO, counting the streams opened on the raw source's files. */
  public static final class CountingFileIO extends LakeFileIO {
    @Override
    public InputFile newInputFile(String location, long length) {
      return counted(super.newInputFile(location, length));
    }

    @Override
    public InputFile newInputFile(String location) {
      return counted(super.newInputFile(location));
    }

    private static InputFile counted(InputFile file) {
      if (!file.location().endsWith(".parquet") || file.location().contains("/warehouse/")) {
        return file;
      }
      return new InputFile() {
        @Override
        public long getLength() {
          return file.getLength();
        }

        @Override
        public SeekableInputStream newStream() {
          OPENED.computeIfAbsent(file.location(), k -> new AtomicInteger()).incrementAndGet();
          return file.newStream();
        }

        @Override
        public String location() {
          return file.location();
        }

        @Override
        public boolean exists() {
          return file.exists();
        }
      };
    }
  }

  private static Lake countingLake(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("warehouse"));
    Path conf = dir.resolve("catalog.properties");
    try (Writer w = Files.newBufferedWriter(conf)) {
      w.write("type=jdbc\n");
      w.write("uri=jdbc:sqlite:" + dir.toAbsolutePath().resolve("catalog.db") + "\n");
      w.write("warehouse=" + dir.toAbsolutePath().resolve("warehouse").toUri().toString() + "\n");
      w.write("jdbc.schema-version=V1\n");
      w.write(CatalogProperties.FILE_IO_IMPL + "=" + CountingFileIO.class.getName() + "\n");
    }
    return Lake.fromCatalogConf(conf);
  }

  private static FileIO countingSourceIO() {
    CountingFileIO io = new CountingFileIO();
    io.initialize(Map.of());
    return io;
  }

  private static TripConfig sampleConfig() throws IOException {
    Path config = SampleLake.location().getParent().resolve("aggregations.json");
    return TripConfig.parse(Files.readString(config), config.toString());
  }

  private static long parquetFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.toString().endsWith(".parquet")).count();
    }
  }

  /** A trip table's rows without {@code except}, as sorted text. */
  private static List<String> rows(Lake target, String name, Set<String> except)
      throws IOException {
    Table table = target.catalog().loadTable(target.tripsTable(name));
    List<String> columns =
        table.schema().columns().stream()
            .map(Types.NestedField::name)
            .filter(c -> !except.contains(c))
            .toList();
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      for (Record r : records) {
        rows.add(columns.stream().map(c -> String.valueOf(r.getField(c))).toList().toString());
      }
    }
    Collections.sort(rows);
    return rows;
  }

  @Test
  void oneRunInPartsEqualsRegisterThenAggregateAndReadsEachFileOnce() throws IOException {
    Path source = SampleLake.copyTo(tempDir.resolve("source"));
    String root = source.toUri().toString();
    TripConfig config = sampleConfig();
    long files = parquetFiles(source);

    // Register, then aggregate: two runs.
    OPENED.clear();
    Lake separate = countingLake(tempDir.resolve("separate"));
    try (FileIO io = countingSourceIO()) {
      RawFileRegistrar.Result registered =
          RawFileRegistrar.of(separate, separate.catalog(), io).source(root).execute();
      assertThat(registered.registeredFiles()).isEqualTo(files);
    }
    TripAggregator.of(separate, () -> spark, config).execute();
    int separateReads = OPENED.values().stream().mapToInt(AtomicInteger::get).sum();
    assertThat(OPENED).hasSize((int) files);
    // The trip job's files are read twice (the counter sees what an object store bills).
    assertThat(OPENED.values().stream().filter(n -> n.get() == 2).count()).isPositive();

    // Ingest: one run, in parts of about one device.
    OPENED.clear();
    Lake ingested = countingLake(tempDir.resolve("ingested"));
    TripIngest.Result result;
    try (FileIO io = countingSourceIO()) {
      result =
          TripIngest.of(ingested, io, () -> spark, config)
              .source(root)
              .batchBytes(1)
              .keepDir(tempDir.resolve("kept"))
              .runId("ingest-test")
              .execute();
    }
    assertThat(result.parts()).hasSize(7);
    assertThat(result.registeredFiles()).isEqualTo((int) files);
    assertThat(result.clean()).isTrue();
    assertThat(OPENED).hasSize((int) files);
    assertThat(OPENED.entrySet().stream().filter(e -> e.getValue().get() != 1).toList())
        .as("files read more than once")
        .isEmpty();
    assertThat(result.kept().filesKept()).isEqualTo(files);
    assertThat(result.kept().reads()).isEqualTo(separateReads - files);
    try (Stream<Path> left = Files.list(tempDir.resolve("kept"))) {
      assertThat(left).as("kept files are deleted with the run").isEmpty();
    }

    for (String name : new String[] {"tripsummary", "trips"}) {
      assertThat(rows(ingested, name, Set.of("updatedat")))
          .as(name)
          .isNotEmpty()
          .isEqualTo(rows(separate, name, Set.of("updatedat")));
    }
    // Registration times differ between the two lakes; everything else agrees.
    Set<String> registration =
        Set.of("first_registered", "last_registered", "max_lag_h", "updatedat");
    assertThat(rows(ingested, "devicedays", registration))
        .isNotEmpty()
        .isEqualTo(rows(separate, "devicedays", registration));

    // Nothing new: nothing read, nothing registered.
    OPENED.clear();
    try (FileIO io = countingSourceIO()) {
      TripIngest.Result again =
          TripIngest.of(ingested, io, () -> spark, config)
              .source(root)
              .keepDir(tempDir.resolve("kept"))
              .execute();
      assertThat(again.registeredFiles()).isZero();
      assertThat(again.parts()).hasSize(1);
    }
    assertThat(OPENED).isEmpty();
  }
}
