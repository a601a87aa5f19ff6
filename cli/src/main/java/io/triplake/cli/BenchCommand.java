package io.triplake.cli;

import io.triplake.bench.RegistrationBenchmark;
import io.triplake.lake.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures (and write them as JSON): registration throughput.",
    subcommands = {BenchCommand.Register.class})
final class BenchCommand implements Runnable {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "register", mixinStandardHelpOptions = true,
      description = "Generate small CANedge files and time their registration into a fresh embedded lake.")
  static final class Register implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--files", defaultValue = "2000", description = "Files to register (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Scratch folder (default: a new temporary one, deleted after).")
    Path workDir;

    @Option(names = "--json", paramLabel = "FILE", defaultValue = "bench-register.json",
        description = "Where the figures go as JSON (default: ${DEFAULT-VALUE}).")
    Path json;

    @Override
    public Integer call() throws IOException {
      if (files < 1) {
        throw new IllegalArgumentException("Cannot benchmark: --files must be at least 1 (" + files + ")");
      }
      Path dir = workDir != null ? workDir : Files.createTempDirectory("trip-lake-bench");
      try {
        RegistrationBenchmark.Result result = RegistrationBenchmark.run(dir, files);
        PrintWriter out = spec.commandLine().getOut();
        out.println(result.summary());
        Json.write(result, json);
        out.println("Figures: " + json);
        return 0;
      } finally {
        if (workDir == null) {
          Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
