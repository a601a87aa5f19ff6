package io.triplake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bench}'s options: the options its subcommands share keep each one's defaults. */
class TestBenchCommand {
  private static CommandSpec parsed(String... args) {
    return TripLake.commandLine().parseArgs(args).subcommand().subcommand().commandSpec();
  }

  private static Map<String, Object> fleet(CommandSpec spec) {
    return Map.of(
        "--devices", spec.findOption("--devices").getValue(),
        "--days", spec.findOption("--days").getValue(),
        "--imu-hz", spec.findOption("--imu-hz").getValue(),
        "--seed", spec.findOption("--seed").getValue());
  }

  @Test
  void tripsAndS3KeepTheirOwnFleetDefaults() {
    assertThat(fleet(parsed("bench", "trips")))
        .isEqualTo(Map.of("--devices", 10, "--days", 1, "--imu-hz", 50, "--seed", 1L));
    assertThat(fleet(parsed("bench", "s3")))
        .isEqualTo(Map.of("--devices", 2, "--days", 1, "--imu-hz", 100, "--seed", 1L));
    assertThat(fleet(parsed("bench", "s3", "--devices", "2", "--seed", "7", "--days", "3")))
        .isEqualTo(Map.of("--devices", 2, "--days", 3, "--imu-hz", 100, "--seed", 7L));
  }

  @Test
  void eachBenchmarkWritesItsOwnFiguresFile() {
    for (String bench : List.of("trips", "incremental", "register", "s3")) {
      assertThat(parsed("bench", bench).findOption("--json").<Path>getValue())
          .isEqualTo(Path.of("bench-" + bench + ".json"));
    }
    assertThat(parsed("bench", "s3", "--json", "s3.json").findOption("--json").<Path>getValue())
        .isEqualTo(Path.of("s3.json"));
  }

  @Test
  void helpShowsEachSubcommandsDefaults() {
    CommandLine bench = TripLake.commandLine().getSubcommands().get("bench");
    assertThat(bench.getSubcommands().get("trips").getUsageMessage())
        .contains("Devices (default: 10).")
        .contains("Days (default: 1).")
        .contains("IMU rate (default: 50).")
        .contains("Generator seed (default: 1).");
    assertThat(bench.getSubcommands().get("s3").getUsageMessage())
        .contains("Devices (default: 2).")
        .contains("Days (default: 1).")
        .contains("IMU rate (default: 100).")
        .contains("Generator seed (default: 1).");
  }
}
