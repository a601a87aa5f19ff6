package io.triplake.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a {@code bench} subcommand writes its figures as JSON. A mixin with the default passed in:
 * each benchmark names its own file, so that running them one after the other keeps every figure.
 */
final class FiguresFile {
  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "Where the figures go as JSON (default: ${DEFAULT-VALUE}).")
  Path json;

  FiguresFile(String name) {
    json = Path.of(name);
  }
}
