package io.triplake.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The S3 benchmark's options are checked before anything starts. */
class TestS3BenchmarkOptions {
  private static final FleetGenerator.Options FLEET =
      FleetGenerator.Options.of(4, 1, 1).withImuHz(5);

  @Test
  void aFleetWithAnotherImuRateKeepsTheRest() {
    assertThat(FLEET.imuHz()).isEqualTo(5);
    assertThat(FLEET)
        .isEqualTo(
            new FleetGenerator.Options(
                4, 1, FleetGenerator.Options.of(4, 1, 1).firstDay(), 1, 5, 5, 6, 10, 0));
  }

  @Test
  void refusesWhatCannotBeMeasured() {
    assertThatThrownBy(() -> new S3Benchmark.Options(FLEET, Duration.ofMillis(-1), 16))
        .hasMessage("Cannot benchmark: the latency must be 0..10000 ms (-1 ms)");
    assertThatThrownBy(() -> new S3Benchmark.Options(FLEET, Duration.ofSeconds(11), 16))
        .hasMessage("Cannot benchmark: the latency must be 0..10000 ms (11000 ms)");
    assertThatThrownBy(() -> new S3Benchmark.Options(FLEET, Duration.ofMillis(30), 0))
        .hasMessage("Cannot benchmark: the parallelism must be at least 1 (0)");
    assertThatThrownBy(() -> new S3Benchmark.Options(FLEET, Duration.ofMillis(30), 16, -1e-6, 0))
        .hasMessage("Cannot benchmark: the CPU per row must not be negative (-1.0E-6)");
    assertThatThrownBy(() -> new S3Benchmark.Options(FLEET, Duration.ofMillis(30), 16, null, -1))
        .hasMessage("Cannot benchmark: the files registered at scale must not be negative (-1)");
    assertThat(new S3Benchmark.Options(FLEET, Duration.ofMillis(30), 16).cpuSecondsPerRow())
        .isNull();
  }
}
