package io.triplake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.testing.SparkLakeTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmarks on a tiny fleet: what their figures claim holds, whatever the timings. */
class TestBenchmarks extends SparkLakeTest {
  @Test
  void theTripBenchmarkComparesEqualResults() throws java.io.IOException {
    FleetGenerator.Options base = FleetGenerator.Options.of(1, 1, 3);
    FleetGenerator.Options tiny = new FleetGenerator.Options(1, 1, base.firstDay(), 3, 2, 2, 2, base.splitMinutes(), 0);
    TripBenchmark.Result result = TripBenchmark.run(tempDir.resolve("trips"), tiny, 2, spark, lake.withNamespaces("raw_tb", "trips_tb"));

    assertThat(result.oracleEqual()).as(result.summary()).isTrue();
    assertThat(result.summaryRows()).isPositive();
    assertThat(result.rows()).isPositive();
    assertThat(result.warmTripRuns()).hasSize(2).allSatisfy(s -> assertThat(s).isPositive());
    assertThat(result.warmTripSeconds()).isEqualTo((result.warmTripRuns().get(0) + result.warmTripRuns().get(1)) / 2);
    assertThat(result.duckdbWarmTripRuns()).hasSize(2).allSatisfy(s -> assertThat(s).isPositive());
    assertThat(result.warmTripToDuckdbTrip())
        .isEqualTo(result.warmTripSeconds() / ((result.duckdbWarmTripRuns().get(0) + result.duckdbWarmTripRuns().get(1)) / 2));
  }

  @Test
  void anIncrementalDayReadsOnlyItsOwnFilesWhateverTheHistory() {
    IncrementalBenchmark.Result result = IncrementalBenchmark.run(tempDir.resolve("incremental"),
        new IncrementalBenchmark.Options(1, 1, 1, List.of(1, 3), 5), spark, lake);

    assertThat(result.cases()).hasSize(2);
    for (IncrementalBenchmark.Case c : result.cases()) {
      // The history's own trips are not recomputed; the new day's files are all that is read.
      assertThat(c.incrementalFilesRead()).as(result.summary()).isEqualTo(c.newDayFiles());
      assertThat(c.incrementalTrips()).isPositive();
    }
    assertThat(result.cases().get(1).historyFiles()).isGreaterThan(result.cases().get(0).historyFiles());
  }
}
