package io.triplake.emr;

import io.triplake.lake.JobContract;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs one trip-lake job ({@code register}, {@code aggregate}, {@code ingest}, {@code maintain},
 * {@code report}) as an EMR Serverless job run: uploads the job jar (and a local aggregation config
 * or catalog config) by content hash, starts the job run with an idempotency token derived from the
 * job name and logical date, waits for it with progress lines, and reports its final state, logs
 * and billed resources.
 *
 * <p>The job run is the same contract the Airflow DAG uses (airflow-dags/README.md): entry point
 * the jar, {@code --class io.triplake.cli.TripLake}, the job's command line as entry point
 * arguments.
 */
public interface JobSubmission {
  String MAIN_CLASS = "io.triplake.cli.TripLake";

  /** The jobs of the job contract, in its order: register, aggregate, ingest, maintain, report. */
  List<String> JOBS = List.copyOf(JobContract.load().jobs().keySet());

  /**
   * The jobs that read an aggregation config ({@code --config}): a submission adds the one {@code
   * deploy} put where the DAG reads it when none is given.
   */
  List<String> CONFIG_JOBS = List.of("aggregate", "ingest");

  String RELEASE_LABEL_DEFAULT = "emr-spark-8.1.0";
  String LOG_GROUP_DEFAULT = "/aws/emr-serverless/trip-lake";
  Duration POLL_INTERVAL_DEFAULT = Duration.ofSeconds(30);

  /**
   * How much longer than the job's execution timeout {@code submit} waits before it cancels the job
   * run.
   */
  Duration WAIT_GRACE_DEFAULT = Duration.ofMinutes(15);

  static JobSubmission of(EmrServerlessClient emr, S3Client s3) {
    return new EmrServerlessJobSubmission(emr, s3);
  }

  /**
   * The job and its own arguments ({@code --source s3://raw/ --last-days 3}); the catalog conf is
   * added.
   */
  JobSubmission job(String name, List<String> arguments);

  JobSubmission applicationId(String id);

  JobSubmission executionRoleArn(String arn);

  /**
   * The artifacts bucket (name or {@code s3://bucket/}), laid out as the job contract says ({@link
   * ArtifactStore}).
   */
  JobSubmission artifacts(String bucketOrUri);

  /** The local job jar to upload (emr-job/target/trip-lake-emr.jar). */
  JobSubmission jar(Path localJar);

  /**
   * {@code --catalog-conf} of the job: an {@code s3://} URI as is, a local file uploaded by hash.
   */
  JobSubmission catalogConf(String locationOrFile);

  /**
   * A local aggregation config, uploaded by hash and passed as {@code --config} (aggregate and
   * ingest only: {@link #CONFIG_JOBS}).
   */
  JobSubmission aggregationConfig(Path localFile);

  /**
   * Spark properties passed as {@code --conf} (the lake's catalog and extensions: {@code
   * Lake.sparkConf()}).
   */
  JobSubmission sparkConf(Map<String, String> properties);

  /** The release the application must run; the jar is built for it. */
  JobSubmission releaseLabel(String label);

  JobSubmission logsUri(String s3Uri);

  JobSubmission logGroup(String name);

  JobSubmission size(JobContract.Job size);

  /** The run's name in the console; with the logical date, it makes the idempotency token. */
  JobSubmission name(String name);

  JobSubmission logicalDate(LocalDate day);

  /** Attempt number, part of the idempotency token: a new attempt starts a new job run. */
  JobSubmission attempt(int attempt);

  /**
   * How long to wait for the job run before cancelling it (default: its timeout plus 15 minutes).
   */
  JobSubmission waitTimeout(Duration timeout);

  JobSubmission pollInterval(Duration interval);

  /** Start the job run and return without waiting. */
  JobSubmission noWait();

  /** Where progress lines go (one per state change). */
  JobSubmission progress(Consumer<String> sink);

  /** Time source and sleep of the waiter; tests pass a fake clock. */
  JobSubmission clock(Clock clock, Sleeper sleeper);

  Result execute();

  /** Sleeps between polls. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  /** What happened to the job run. */
  record Result(
      String applicationId,
      String jobRunId,
      String name,
      String clientToken,
      String state,
      String stateDetails,
      boolean timedOut,
      boolean waited,
      List<ArtifactStore.Artifact> artifacts,
      List<String> entryPointArguments,
      String logUri,
      String logGroup,
      Double billedVcpuHours,
      Double billedMemoryGbHours,
      Double billedStorageGbHours,
      Integer executionSeconds) {
    public boolean succeeded() {
      return "SUCCESS".equals(state);
    }

    public String summary() {
      StringBuilder s = new StringBuilder();
      s.append("EMR Serverless job run ")
          .append(jobRunId)
          .append(" (")
          .append(name)
          .append(") of application ")
          .append(applicationId)
          .append(": ")
          .append(state);
      if (timedOut) {
        s.append(" (gave up waiting; cancel requested)");
      }
      if (stateDetails != null && !stateDetails.isBlank()) {
        s.append(" - ").append(stateDetails);
      }
      s.append(System.lineSeparator())
          .append("Logs: ")
          .append(logUri == null ? "(no S3 log URI)" : logUri);
      if (logGroup != null) {
        s.append(" and CloudWatch ").append(logGroup);
      }
      if (waited) {
        s.append(System.lineSeparator())
            .append(
                String.format(
                    java.util.Locale.ROOT,
                    "Billed: %s vCPU-hours, %s GB-hours memory, %s GB-hours storage; ran %s s",
                    fmt(billedVcpuHours),
                    fmt(billedMemoryGbHours),
                    fmt(billedStorageGbHours),
                    executionSeconds == null ? "n/a" : executionSeconds.toString()));
      }
      return s.toString();
    }

    private static String fmt(Double value) {
      return value == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f", value);
    }
  }
}
