package io.triplake.bench;

import io.triplake.lake.RawFileWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** One raw file in the layout: day folder 2024/03/01 and UTC-adjusted t unless told otherwise. */
final class RawFileBuilder {
  private final Path root;
  private final String device;
  private final String message;
  private final List<String> signals;
  private String day = "2024/03/01";
  private String name = "00000001_00000001.parquet";
  private boolean utc = true;
  private final List<Instant> times = new ArrayList<>();
  private final List<Double[]> values = new ArrayList<>();

  RawFileBuilder(Path root, String device, String message, List<String> signals) {
    this.root = root;
    this.device = device;
    this.message = message;
    this.signals = signals;
  }

  RawFileBuilder day(String yyyyMmDd) {
    this.day = yyyyMmDd;
    return this;
  }

  RawFileBuilder name(String fileName) {
    this.name = fileName;
    return this;
  }

  RawFileBuilder utc(boolean adjustedToUtc) {
    this.utc = adjustedToUtc;
    return this;
  }

  RawFileBuilder row(Instant t, Double... signalValues) {
    times.add(t);
    values.add(signalValues);
    return this;
  }

  void write() {
    Path file = root.resolve(device).resolve(message).resolve(day).resolve(name);
    try (RawFileWriter writer = RawFileWriter.open(file, utc, signals)) {
      for (int i = 0; i < times.size(); i++) {
        Instant t = times.get(i);
        writer.write(ChronoUnit.MICROS.between(Instant.EPOCH, t), values.get(i));
      }
    }
  }
}
