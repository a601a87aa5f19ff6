package io.triplake.cli;

import java.time.LocalDate;
import java.time.ZoneOffset;
import picocli.CommandLine.Option;

/** Which raw files a registering command looks at: the source, and the days of it. */
final class SourceOptions {
  @Option(
      names = "--source",
      required = true,
      paramLabel = "PATH_OR_URI",
      description = "Root of the raw lake: a directory or s3://bucket/prefix.")
  String source;

  @Option(
      names = "--last-days",
      paramLabel = "N",
      description = "Only folders dated within the N days ending at --until (late uploads).")
  Integer lastDays;

  @Option(
      names = "--until",
      paramLabel = "YYYY-MM-DD",
      description = "Last folder date for --last-days (default: today, UTC).")
  LocalDate until;

  static SourceOptions of(String source) {
    SourceOptions options = new SourceOptions();
    options.source = source;
    return options;
  }

  /** The last folder date of --last-days. */
  LocalDate until() {
    return until != null ? until : LocalDate.now(ZoneOffset.UTC);
  }
}
