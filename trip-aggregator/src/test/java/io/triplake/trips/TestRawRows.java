package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.lake.RawFileWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trip job's raw reader as code outside the job (the trip report) reads a raw table. */
class TestRawRows {
  @TempDir Path dir;

  @Test
  void readsTheSignalsOfATablesFilesBetweenTwoTimesAndRefusesColumnsItCannotRead()
      throws IOException {
    Path file =
        Files.createDirectories(dir.resolve("src/AABBCCDD/CAN2_gnss_speed/2024/03/01"))
            .resolve("f.parquet");
    try (RawFileWriter w = RawFileWriter.open(file, true, List.of("Speed", "Heading"))) {
      w.write(1_000_000L, 10.0, 90.0);
      w.write(2_000_000L, null, 91.0);
      w.write(3_000_000L, 30.0, 92.0);
    }
    Lake lake = Lake.embedded(dir.resolve("lake"));
    Catalog catalog = lake.catalog();
    try (FileIO io = lake.sourceIO()) {
      RawFileRegistrar.of(lake, catalog, io).source(dir.resolve("src").toString()).execute();
    }
    Table table = catalog.loadTable(lake.rawTable("can2_gnss_speed"));

    RawRows rows = RawRows.of(table, List.of("heading", "speed")).orElseThrow();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(task -> rows.read(task.file(), 1_000_000L, 2_000_000L));
    }
    assertThat(rows.size()).isEqualTo(2);
    assertThat(rows.signals()).isEqualTo(2);
    assertThat(List.of(rows.time(0), rows.time(1))).containsExactly(1_000_000L, 2_000_000L);
    assertThat(List.of(rows.value(0, 0), rows.value(1, 0))).containsExactly(90.0, 10.0);
    assertThat(rows.value(1, 1)).as("a NULL").isNaN();

    assertThat(RawRows.of(table, List.of("nope"))).as("no such column").isEmpty();
    assertThat(RawRows.of(table, List.of("t"))).as("a timestamp is no number").isEmpty();
    if (catalog instanceof Closeable closeable) {
      closeable.close();
    }
  }
}
