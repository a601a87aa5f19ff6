package io.triplake.cli;

import io.triplake.emr.ArtifactStore;
import io.triplake.emr.JobSubmission;
import io.triplake.lake.Lake;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.s3.S3Client;

@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description = {
      "Run a job on EMR Serverless: upload the job jar (and a local config) when changed, start a"
          + " job run, wait, print its final state, logs and billed resources. Exit code 0 only"
          + " when the job run succeeded.",
      "Example: ./trip-lake submit register --terraform-output outputs.json -- --source s3://raw/"
          + " --last-days 3",
      "Everything after -- goes to the job; --catalog-conf (and --config, --run-id) are added when"
          + " missing."
    })
final class SubmitCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin AwsOptions aws;

  @Parameters(
      index = "0",
      paramLabel = "JOB",
      description = "register, aggregate, ingest, maintain or report.")
  String job;

  @Parameters(
      index = "1..*",
      paramLabel = "JOB_ARG",
      description = "The job's own arguments (after --).")
  List<String> jobArguments = new ArrayList<>();

  @Option(
      names = "--application-id",
      paramLabel = "ID",
      description = "EMR Serverless application (default: Terraform output emr_application_id).")
  String applicationId;

  @Option(
      names = "--execution-role-arn",
      paramLabel = "ARN",
      description = "Job execution role (default: Terraform output emr_job_execution_role_arn).")
  String executionRoleArn;

  @Option(
      names = "--release-label",
      paramLabel = "LABEL",
      description =
          "Release the application must run (default: Terraform output emr_release_label, else "
              + JobSubmission.RELEASE_LABEL_DEFAULT
              + ").")
  String releaseLabel;

  @Option(
      names = "--logs-uri",
      paramLabel = "S3_URI",
      description = "S3 log URI of the job run (default: Terraform output logs_uri).")
  String logsUri;

  @Option(
      names = "--log-group",
      paramLabel = "NAME",
      description =
          "CloudWatch log group (default: Terraform output emr_log_group_name, else "
              + JobSubmission.LOG_GROUP_DEFAULT
              + ").")
  String logGroup;

  @Option(
      names = "--jar",
      paramLabel = "FILE",
      description = "Job jar (default: emr-job/target/trip-lake-emr.jar).")
  Path jar;

  @Option(
      names = "--catalog-conf",
      paramLabel = "FILE_OR_URI",
      description =
          "Catalog properties of the job: s3:// as is, a local file is uploaded (default: the one"
              + " Terraform writes to the artifacts bucket, see below).")
  String catalogConf;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "aggregate, ingest: a local aggregations.json, uploaded and passed as --config (default:"
              + " the one deploy put where the DAG reads it).")
  Path config;

  @Option(
      names = "--driver-cores",
      paramLabel = "N",
      description = "vCPU of the driver: 1, 2, 4, 8 or 16 (default: the job's, below).")
  Integer driverCores;

  @Option(
      names = "--driver-memory",
      paramLabel = "SIZE",
      description =
          "Heap of the driver, like 7g; with 10 % overhead (at least 384 MB) it must fit a worker"
              + " of its vCPU (default: the job's, below).")
  String driverMemory;

  @Option(
      names = "--executor-cores",
      paramLabel = "N",
      description = "vCPU per executor: 1, 2, 4, 8 or 16 (default: the job's, below).")
  Integer executorCores;

  @Option(
      names = "--executor-memory",
      paramLabel = "SIZE",
      description =
          "Heap per executor, like 7g; with 10 % overhead (at least 384 MB) it must fit a worker"
              + " of its vCPU (default: the job's, below).")
  String executorMemory;

  @Option(
      names = "--max-executors",
      paramLabel = "N",
      description = "spark.dynamicAllocation.maxExecutors (default: the job's, below).")
  Integer maxExecutors;

  @Option(
      names = "--timeout-minutes",
      paramLabel = "N",
      description = "executionTimeoutMinutes of the job run (default: the job's, below).")
  Integer timeoutMinutes;

  @Option(
      names = "--logical-date",
      paramLabel = "YYYY-MM-DD",
      description =
          "Day the run is for (default: today, UTC); with the name it makes the idempotency token.")
  LocalDate logicalDate;

  @Option(
      names = "--attempt",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Attempt number (default: ${DEFAULT-VALUE}): the same job, day and attempt never start a"
              + " second job run.")
  int attempt;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Job run name (default: trip-lake <job> <logical date>).")
  String name;

  @Option(
      names = "--wait-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Give up waiting (and cancel the job run) after this long, like 90s, 30m, 4h (default:"
              + " its timeout + 15m).")
  Duration waitTimeout;

  @Option(
      names = "--poll-interval",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "30s",
      description = "Time between state checks (default: ${DEFAULT-VALUE}).")
  Duration pollInterval;

  @Option(names = "--no-wait", description = "Return once the job run is started.")
  boolean noWait;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String artifacts = aws.artifacts();
    String conf =
        catalogConf != null
            ? catalogConf
            : io.triplake.emr.S3Uri.bucketOrUri(artifacts)
                .resolve(ArtifactStore.CATALOG_CONF)
                .toString();
    // The job's Spark properties come from the catalog properties it will read.
    Lake lake = Lake.fromCatalogConf(conf);
    io.triplake.lake.JobContract.Job defaults = io.triplake.lake.JobContract.load().job(job);
    io.triplake.lake.JobContract.Job size =
        new io.triplake.lake.JobContract.Job(
            driverCores != null ? driverCores : defaults.driverCores(),
            driverMemory != null ? driverMemory : defaults.driverMemory(),
            executorCores != null ? executorCores : defaults.executorCores(),
            executorMemory != null ? executorMemory : defaults.executorMemory(),
            maxExecutors != null ? maxExecutors : defaults.maxExecutors(),
            timeoutMinutes != null ? timeoutMinutes : defaults.timeoutMinutes());
    String group = logGroup != null ? logGroup : aws.output("emr_log_group_name");
    String release = releaseLabel != null ? releaseLabel : aws.output("emr_release_label");
    String logs = logsUri != null ? logsUri : aws.output("logs_uri");

    JobSubmission.Result result;
    try (EmrServerlessClient emr = EmrServerlessClient.create();
        S3Client s3 = S3Client.create()) {
      JobSubmission submission =
          JobSubmission.of(emr, s3)
              .job(job, jobArguments)
              .applicationId(aws.required(applicationId, "--application-id", "emr_application_id"))
              .executionRoleArn(
                  aws.required(
                      executionRoleArn, "--execution-role-arn", "emr_job_execution_role_arn"))
              .artifacts(artifacts)
              .jar(jar != null ? jar : AwsOptions.defaultJar())
              .catalogConf(conf)
              .aggregationConfig(config)
              .sparkConf(lake.sparkConf())
              .releaseLabel(release != null ? release : JobSubmission.RELEASE_LABEL_DEFAULT)
              .logsUri(logs)
              .logGroup(group != null ? group : JobSubmission.LOG_GROUP_DEFAULT)
              .size(size)
              .logicalDate(logicalDate != null ? logicalDate : LocalDate.now(ZoneOffset.UTC))
              .attempt(attempt)
              .pollInterval(pollInterval)
              .progress(
                  line -> {
                    out.println(line);
                    out.flush();
                  });
      if (name != null) {
        submission.name(name);
      }
      if (waitTimeout != null) {
        submission.waitTimeout(waitTimeout);
      }
      if (noWait) {
        submission.noWait();
      }
      result = submission.execute();
    }
    for (ArtifactStore.Artifact a : result.artifacts()) {
      out.println(
          (a.uploaded() ? "Uploaded " : "In place ") + a.uri() + " (" + a.bytes() + " bytes)");
    }
    out.println(result.summary());
    out.flush();
    if (!result.waited() || result.succeeded()) {
      return 0;
    }
    spec.commandLine()
        .getErr()
        .println(
            "trip-lake submit: job run "
                + result.jobRunId()
                + " ended "
                + result.state()
                + (result.timedOut() ? " after submit gave up waiting" : "")
                + "; see "
                + result.logUri());
    return result.timedOut() ? TripLake.EXIT_GAVE_UP : 1;
  }

  /**
   * The end of the help: each job's defaults and the catalog properties' key, from the job contract
   * (the values the DAGs run with; annotations can only hold constants, so {@link TripLake} sets
   * it).
   */
  static String[] contractFooter() {
    List<String> lines = new ArrayList<>();
    lines.add(
        "%nDefaults, as the Airflow DAGs run the jobs (airflow-dags/dags/job-contract.json);");
    lines.add("GB is the worker EMR Serverless bills: heap + overhead, rounded up:");
    JobSubmission.JOBS.forEach(
        job -> {
          io.triplake.lake.JobContract.Job size = io.triplake.lake.JobContract.load().job(job);
          // Two lines a job: the help wraps at 80 columns.
          lines.add(
              String.format(
                  Locale.ROOT,
                  "  %-9s driver %d vCPU %s (%d GB), timeout %d min",
                  job,
                  size.driverCores(),
                  size.driverMemory(),
                  size.driverWorker().memoryGb(),
                  size.timeoutMinutes()));
          lines.add(
              String.format(
                  Locale.ROOT,
                  "  %-9s executors up to %d x %d vCPU %s (%d GB)",
                  "",
                  size.maxExecutors(),
                  size.executorCores(),
                  size.executorMemory(),
                  size.executorWorker().memoryGb()));
        });
    lines.add("  --catalog-conf s3://<artifacts>/" + ArtifactStore.CATALOG_CONF);
    return lines.toArray(String[]::new);
  }

  /** {@code 90s}, {@code 30m}, {@code 4h}, or ISO-8601 ({@code PT30M}). */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim();
      if (v.matches("[0-9]+[smh]")) {
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (v.charAt(v.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      }
      return Duration.parse(v);
    }
  }
}
