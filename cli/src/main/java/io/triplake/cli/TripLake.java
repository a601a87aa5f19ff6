package io.triplake.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code trip-lake} command line. */
@Command(
    name = "trip-lake",
    mixinStandardHelpOptions = true,
    version = "trip-lake 0.1.0 (Spark 4.1.1, Iceberg 1.11.0)",
    description =
        "Vehicle-telemetry lake on Apache Iceberg: register raw CANedge Parquet, summarise trips.",
    subcommands = {
      DemoCommand.class,
      RegisterCommand.class,
      AggregateCommand.class,
      IngestCommand.class,
      MaintainCommand.class,
      ReportCommand.class,
      SqlCommand.class,
      SubmitCommand.class,
      DeployCommand.class,
      GenerateCommand.class,
      BenchCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:failed (the message says why; nothing was half-written)",
      "2:bad command line",
      "3:done, but some files were rejected or changed (see the report)",
      "4:submit gave up waiting for the job run and cancelled it"
    })
public final class TripLake implements Runnable {
  /** The job finished, but input was rejected: callers (Airflow) must notice. */
  public static final int EXIT_REJECTED = 3;

  /** {@code submit} waited longer than allowed and cancelled the job run. */
  public static final int EXIT_GAVE_UP = 4;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new TripLake());
    // Help that quotes the job contract: its values are read at run time, which annotations cannot
    // do.
    cli.getSubcommands()
        .get("submit")
        .getCommandSpec()
        .usageMessage()
        .footer(SubmitCommand.contractFooter());
    cli.getSubcommands()
        .get("deploy")
        .getCommandSpec()
        .usageMessage()
        .footer(DeployCommand.contractFooter());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          // Users get the message that names the file, table or setting; the stack trace goes to
          // the log.
          org.slf4j.LoggerFactory.getLogger(TripLake.class).debug("Command failed", e);
          commandLine
              .getErr()
              .println("trip-lake " + commandLine.getCommandName() + ": " + message(e));
          return 1;
        });
    return cli;
  }

  private static String message(Throwable e) {
    String msg = e.getMessage();
    return msg == null ? e.toString() : msg;
  }
}
