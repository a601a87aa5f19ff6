package io.triplake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.bench.DuckDbDeviceDays.Registration;
import io.triplake.bench.DuckDbDeviceDays.Row;
import io.triplake.lake.RawFileWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DuckDB devicedays oracle against hand-computed rows. */
class TestDuckDbDeviceDays {
  private static final String DEV = "AAAA0001";
  private static final long S = 1_000_000L;
  private static final long MIDNIGHT =
      ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse("2024-03-02T00:00:00Z"));

  @TempDir Path raw;
  private final Map<Path, Registration> registered = new HashMap<>();

  private void file(String message, String name, long sequence, Long registeredAt, long... ts) {
    Path path = raw.resolve(DEV + "/" + message + "/2024/03/01/" + name + ".parquet");
    try (RawFileWriter w = RawFileWriter.open(path, true, List.of("Speed"))) {
      for (long t : ts) {
        w.write(t, 1.0);
      }
    }
    if (sequence > 0) {
      registered.put(path.toAbsolutePath().normalize(), new Registration(sequence, registeredAt));
    }
  }

  @Test
  void filesAcrossMidnightOverlapsLateFilesAndUnregisteredOnes() {
    // a: 23:59:00 and 00:00:30, 00:01:30 (crosses midnight), registered at 01:00.
    file(
        "CAN2_x",
        "a",
        1,
        MIDNIGHT + 3_600 * S,
        MIDNIGHT - 60 * S,
        MIDNIGHT + 30 * S,
        MIDNIGHT + 90 * S);
    // b: a later append, starting before a's start: out of order; overlaps a on the second day.
    file("CAN2_x", "b", 2, MIDNIGHT + 7_200 * S, MIDNIGHT - 120 * S, MIDNIGHT + 60 * S);
    // c: not registered: no rows.
    file("CAN2_x", "c", 0, null, MIDNIGHT + 5 * S);
    // d: another message, registration time unknown (its snapshot expired).
    file("CAN2_y", "d", 1, null, MIDNIGHT + 10 * S);

    List<Row> rows = DuckDbDeviceDays.compute(raw, registered, 60);
    LocalDate first = LocalDate.of(2024, 3, 1);
    LocalDate second = LocalDate.of(2024, 3, 2);
    assertThat(rows)
        .containsExactly(
            // Day 1: -120 (b), -60 (a): one step of 60 s, not over the limit.
            new Row(
                DEV,
                "can2_x",
                first,
                2,
                2,
                MIDNIGHT - 120 * S,
                MIDNIGHT - 60 * S,
                60.0,
                0,
                MIDNIGHT + 3_600 * S,
                MIDNIGHT + 7_200 * S,
                // b: registered 7,200 s after its last row (60 s after midnight) = 1.983 h.
                (7_200 - 60) / 3_600.0,
                1),
            // Day 2: 30 (a), 60 (b), 90 (a): steps 30, 30.
            new Row(
                DEV,
                "can2_x",
                second,
                2,
                3,
                MIDNIGHT + 30 * S,
                MIDNIGHT + 90 * S,
                30.0,
                0,
                MIDNIGHT + 3_600 * S,
                MIDNIGHT + 7_200 * S,
                (7_200 - 60) / 3_600.0,
                1),
            new Row(
                DEV,
                "can2_y",
                second,
                1,
                1,
                MIDNIGHT + 10 * S,
                MIDNIGHT + 10 * S,
                null,
                0,
                null,
                null,
                null,
                0));
  }
}
