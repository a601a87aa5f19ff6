package io.triplake.cli;

import io.triplake.bench.FleetGenerator;
import picocli.CommandLine.Option;

/**
 * The generated fleet of a {@code bench} subcommand. A mixin with defaults passed in, not written
 * in the annotations, because each benchmark has its own: {@code trips} wants a day of real IMU
 * rates, {@code s3} few small files.
 */
final class FleetOptions {
  @Option(names = "--devices", description = "Devices (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--days", description = "Days (default: ${DEFAULT-VALUE}).")
  int days = 1;

  @Option(names = "--imu-hz", description = "IMU rate (default: ${DEFAULT-VALUE}).")
  int imuHz;

  @Option(names = "--seed", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  FleetOptions(int devices, int imuHz) {
    this.devices = devices;
    this.imuHz = imuHz;
  }

  static FleetOptions of(int devices, int days, int imuHz) {
    FleetOptions options = new FleetOptions(devices, imuHz);
    options.days = days;
    return options;
  }

  FleetGenerator.Options options() {
    return FleetGenerator.Options.of(devices, days, seed).withImuHz(imuHz);
  }
}
