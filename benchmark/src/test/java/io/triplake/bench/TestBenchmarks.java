package io.triplake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.testing.SparkLakeTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The benchmarks on a tiny fleet: what their figures claim holds, whatever the timings. */
class TestBenchmarks extends SparkLakeTest {
  /** With every reader of raw files: the trip job's rows equal DuckDB's. */
  @ParameterizedTest
  @FieldSource("io.triplake.trips.TripAggregator#RAW_READERS")
  void theTripBenchmarkComparesEqualResults(String reader) throws java.io.IOException {
    FleetGenerator.Options base = FleetGenerator.Options.of(1, 1, 3);
    FleetGenerator.Options tiny =
        new FleetGenerator.Options(1, 1, base.firstDay(), 3, 2, 2, 2, base.splitMinutes(), 0);
    String suffix = reader.replace("-", "_");
    TripBenchmark.Result result =
        TripBenchmark.run(
            tempDir.resolve("trips-" + reader),
            tiny,
            2,
            reader,
            spark,
            lake.withNamespaces("raw_tb_" + suffix, "trips_tb_" + suffix));

    assertThat(result.reader()).isEqualTo(reader);
    assertThat(result.oracleEqual()).as(result.summary()).isTrue();
    assertThat(result.summaryRows()).isPositive();
    assertThat(result.rows()).isPositive();
    assertThat(result.warmTripRuns()).hasSize(2).allSatisfy(s -> assertThat(s).isPositive());
    assertThat(result.warmTripSeconds())
        .isEqualTo((result.warmTripRuns().get(0) + result.warmTripRuns().get(1)) / 2);
    assertThat(result.duckdbWarmTripRuns()).hasSize(2).allSatisfy(s -> assertThat(s).isPositive());
    assertThat(result.warmTripToDuckdbTrip())
        .isEqualTo(
            result.warmTripSeconds()
                / ((result.duckdbWarmTripRuns().get(0) + result.duckdbWarmTripRuns().get(1)) / 2));
  }

  @Test
  void anIncrementalDayReadsOnlyItsOwnFilesWhateverTheHistory() {
    IncrementalBenchmark.Result result =
        IncrementalBenchmark.run(
            tempDir.resolve("incremental"),
            new IncrementalBenchmark.Options(1, 1, 1, List.of(1, 3), 5),
            spark,
            lake);

    assertThat(result.cases()).hasSize(2);
    for (IncrementalBenchmark.Case c : result.cases()) {
      // The history's own trips are not recomputed; the new day's files are all that is read.
      assertThat(c.incrementalFilesRead()).as(result.summary()).isEqualTo(c.newDayFiles());
      assertThat(c.incrementalTrips()).isPositive();
    }
    assertThat(result.cases().get(1).historyFiles())
        .isGreaterThan(result.cases().get(0).historyFiles());
  }
}
