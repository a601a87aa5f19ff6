package io.triplake.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs the trip-lake command line in this JVM, as {@code ./trip-lake ARGS} would (same package as
 * TripLake).
 */
public final class TripLakeRunner {
  private TripLakeRunner() {}

  public static int run(List<String> args, PrintWriter out, PrintWriter err) {
    CommandLine cli = TripLake.commandLine();
    cli.setOut(out);
    cli.setErr(err);
    int code = cli.execute(args.toArray(String[]::new));
    out.flush();
    err.flush();
    return code;
  }
}
