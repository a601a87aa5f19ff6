package io.triplake.cli;

import io.triplake.bench.FleetGenerator;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Write a realistic CANedge-style raw lake (GNSS, 50-100 Hz IMU, drives, gaps, midnight,"
            + " late files), deterministic from a seed.")
final class GenerateCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--devices", required = true, description = "Devices.")
  int devices;

  @Option(names = "--days", required = true, description = "Days.")
  int days;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Raw lake root to write.")
  Path out;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--first-day",
      defaultValue = "2024-01-01",
      description = "First day (default: ${DEFAULT-VALUE}).")
  LocalDate firstDay;

  @Option(
      names = "--imu-hz",
      defaultValue = "50",
      description = "IMU rate, 50-100 Hz typical (default: ${DEFAULT-VALUE}).")
  int imuHz;

  @Option(
      names = "--speed-hz",
      defaultValue = "5",
      description = "GNSS speed rate (default: ${DEFAULT-VALUE}).")
  int speedHz;

  @Option(
      names = "--driving-hours",
      defaultValue = "6",
      description = "Driving per device and day (default: ${DEFAULT-VALUE}).")
  double drivingHours;

  @Option(
      names = "--late-out",
      paramLabel = "DIR",
      description = "Second raw lake for late files (upload it after the first).")
  Path lateOut;

  @Option(
      names = "--late-share",
      defaultValue = "0.05",
      description = "Share of logger splits written to --late-out (default: ${DEFAULT-VALUE}).")
  double lateShare;

  @Option(
      names = "--config-out",
      paramLabel = "FILE",
      description = "Also write the aggregations.json that summarises the generated messages.")
  Path configOut;

  @Override
  public Integer call() throws java.io.IOException {
    if (configOut != null) {
      java.nio.file.Files.writeString(configOut, FleetGenerator.CONFIG);
    }
    FleetGenerator.Options options =
        new FleetGenerator.Options(
            devices,
            days,
            firstDay,
            seed,
            imuHz,
            speedHz,
            drivingHours,
            10,
            lateOut == null ? 0 : lateShare);
    FleetGenerator.Result result = FleetGenerator.generate(out, lateOut, options);
    spec.commandLine().getOut().println(result.summary());
    return 0;
  }
}
