package io.triplake.emr;

import io.triplake.lake.JobContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.emrserverless.model.Application;
import software.amazon.awssdk.services.emrserverless.model.ConfigurationOverrides;
import software.amazon.awssdk.services.emrserverless.model.JobDriver;
import software.amazon.awssdk.services.emrserverless.model.JobRun;
import software.amazon.awssdk.services.emrserverless.model.MonitoringConfiguration;
import software.amazon.awssdk.services.emrserverless.model.StartJobRunRequest;
import software.amazon.awssdk.services.emrserverless.model.StartJobRunResponse;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@link JobSubmission} with the AWS SDK v2: S3 for the artifacts, EMR Serverless for the job run.
 */
final class EmrServerlessJobSubmission implements JobSubmission {
  private static final Logger LOG = LoggerFactory.getLogger(JobSubmission.class);
  private static final Set<String> TERMINAL = Set.of("SUCCESS", "FAILED", "CANCELLED");

  private final EmrServerlessClient emr;
  private final S3Client s3;
  private String job;
  private List<String> arguments = List.of();
  private String applicationId;
  private String executionRoleArn;
  private S3Uri artifacts;
  private Path jar;
  private String catalogConf;
  private Path aggregationConfig;
  private final Map<String, String> sparkConf = new LinkedHashMap<>();
  private String releaseLabel = RELEASE_LABEL_DEFAULT;
  private String logsUri;
  private String logGroup = LOG_GROUP_DEFAULT;
  private JobContract.Job size;
  private String name;
  private LocalDate logicalDate;
  private int attempt = 1;
  private Duration waitTimeout;
  private Duration pollInterval = POLL_INTERVAL_DEFAULT;
  private boolean wait = true;
  private Consumer<String> progress = line -> LOG.info(line);
  private Clock clock = Clock.systemUTC();
  private Sleeper sleeper = d -> Thread.sleep(d.toMillis());

  EmrServerlessJobSubmission(EmrServerlessClient emr, S3Client s3) {
    this.emr = Objects.requireNonNull(emr, "emr");
    this.s3 = Objects.requireNonNull(s3, "s3");
  }

  @Override
  public JobSubmission job(String jobName, List<String> jobArguments) {
    if (!JOBS.contains(jobName)) {
      throw new IllegalArgumentException(
          "Cannot submit: unknown job, expected one of " + JOBS + " (" + jobName + ")");
    }
    for (String argument : jobArguments) {
      if (argument == null || argument.isBlank()) {
        throw new IllegalArgumentException(
            "Cannot submit: empty job argument (" + jobArguments + ")");
      }
    }
    this.job = jobName;
    this.arguments = List.copyOf(jobArguments);
    return this;
  }

  @Override
  public JobSubmission applicationId(String id) {
    this.applicationId = required(id, "application id");
    return this;
  }

  @Override
  public JobSubmission executionRoleArn(String arn) {
    this.executionRoleArn = required(arn, "execution role ARN");
    return this;
  }

  @Override
  public JobSubmission artifacts(String bucketOrUri) {
    this.artifacts = S3Uri.bucketOrUri(bucketOrUri);
    return this;
  }

  @Override
  public JobSubmission jar(Path localJar) {
    this.jar = Objects.requireNonNull(localJar, "jar");
    return this;
  }

  @Override
  public JobSubmission catalogConf(String locationOrFile) {
    this.catalogConf = required(locationOrFile, "catalog conf");
    return this;
  }

  @Override
  public JobSubmission aggregationConfig(Path localFile) {
    this.aggregationConfig = localFile;
    return this;
  }

  @Override
  public JobSubmission sparkConf(Map<String, String> properties) {
    properties.forEach(
        (k, v) -> {
          if (v == null || v.isEmpty() || v.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(
                "Cannot pass Spark property "
                    + k
                    + " to EMR Serverless: sparkSubmitParameters is one string, values cannot be"
                    + " empty or contain spaces ("
                    + v
                    + ")");
          }
          sparkConf.put(k, v);
        });
    return this;
  }

  @Override
  public JobSubmission releaseLabel(String label) {
    this.releaseLabel = required(label, "release label");
    return this;
  }

  @Override
  public JobSubmission logsUri(String s3Uri) {
    this.logsUri = s3Uri == null ? null : S3Uri.parse(s3Uri).resolve("").toString();
    return this;
  }

  @Override
  public JobSubmission logGroup(String groupName) {
    this.logGroup = groupName;
    return this;
  }

  @Override
  public JobSubmission size(JobContract.Job jobSize) {
    // Size checked itself on construction: each size fits a worker, the timeout is long enough.
    this.size = Objects.requireNonNull(jobSize, "size");
    return this;
  }

  @Override
  public JobSubmission name(String runName) {
    this.name = required(runName, "job run name");
    return this;
  }

  @Override
  public JobSubmission logicalDate(LocalDate day) {
    this.logicalDate = Objects.requireNonNull(day, "logical date");
    return this;
  }

  @Override
  public JobSubmission attempt(int number) {
    if (number < 1) {
      throw new IllegalArgumentException(
          "Cannot submit: attempt must be at least 1 (" + number + ")");
    }
    this.attempt = number;
    return this;
  }

  @Override
  public JobSubmission waitTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "Cannot wait: the timeout must be positive (" + timeout + ")");
    }
    this.waitTimeout = timeout;
    return this;
  }

  @Override
  public JobSubmission pollInterval(Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "Cannot poll: the interval must be positive (" + interval + ")");
    }
    this.pollInterval = interval;
    return this;
  }

  @Override
  public JobSubmission noWait() {
    this.wait = false;
    return this;
  }

  @Override
  public JobSubmission progress(Consumer<String> sink) {
    this.progress = Objects.requireNonNull(sink, "progress");
    return this;
  }

  @Override
  public JobSubmission clock(Clock time, Sleeper sleep) {
    this.clock = Objects.requireNonNull(time, "clock");
    this.sleeper = Objects.requireNonNull(sleep, "sleeper");
    return this;
  }

  private static String required(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot submit: the " + what + " is empty (" + value + ")");
    }
    return value.trim();
  }

  /**
   * The idempotency token of a job run: SHA-256 of its name, logical date and attempt (64 hex
   * characters).
   */
  static String clientToken(String runName, LocalDate day, int attempt) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((runName + "\n" + day + "\n" + attempt).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Result execute() {
    if (job == null
        || applicationId == null
        || executionRoleArn == null
        || artifacts == null
        || jar == null) {
      throw new IllegalStateException(
          "Cannot submit: job, application id, execution role, artifacts bucket and jar are"
              + " required");
    }
    if (aggregationConfig != null && !CONFIG_JOBS.contains(job)) {
      throw new IllegalArgumentException(
          "Cannot submit "
              + job
              + ": an aggregation config is only for aggregate and ingest ("
              + aggregationConfig
              + ")");
    }
    if (aggregationConfig != null && arguments.contains("--config")) {
      throw new IllegalArgumentException(
          "Cannot submit "
              + job
              + ": --config is given twice ("
              + aggregationConfig
              + " and the job arguments)");
    }
    JobContract.Job jobSize = size != null ? size : JobContract.load().job(job);
    LocalDate day =
        logicalDate != null ? logicalDate : LocalDate.now(clock.withZone(ZoneOffset.UTC));
    String runName =
        name != null
            ? name
            : "trip-lake " + job + " " + day + (attempt > 1 ? " attempt " + attempt : "");
    String token = clientToken(runName, day, attempt);

    // Check the application before uploading anything: a jar for Spark 4.1 on another release fails
    // late.
    Application application = emr.getApplication(b -> b.applicationId(applicationId)).application();
    if (!releaseLabel.equals(application.releaseLabel())) {
      throw new IllegalArgumentException(
          "Cannot submit to application "
              + applicationId
              + ": it runs "
              + application.releaseLabel()
              + " but the job jar is built for "
              + releaseLabel
              + " (--release-label)");
    }

    ArtifactStore store = new ArtifactStore(s3, artifacts);
    List<ArtifactStore.Artifact> uploaded = new ArrayList<>();
    ArtifactStore.Artifact jarArtifact = store.upload(jar, ArtifactStore.DAG_JAR);
    uploaded.add(jarArtifact);

    List<String> entryArguments = new ArrayList<>();
    entryArguments.add(job);
    if (!arguments.contains("--catalog-conf")) {
      String conf =
          catalogConf != null
              ? catalogConf
              : artifacts.resolve(ArtifactStore.CATALOG_CONF).toString();
      if (!conf.startsWith("s3://")) {
        ArtifactStore.Artifact confArtifact =
            store.upload(Path.of(conf), ArtifactStore.CATALOG_CONF);
        uploaded.add(confArtifact);
        conf = confArtifact.uri();
      }
      entryArguments.add("--catalog-conf");
      entryArguments.add(conf);
    }
    if (aggregationConfig != null) {
      ArtifactStore.Artifact config =
          store.upload(aggregationConfig, ArtifactStore.DAG_AGGREGATIONS);
      uploaded.add(config);
      entryArguments.add("--config");
      entryArguments.add(config.uri());
    } else if (CONFIG_JOBS.contains(job) && !arguments.contains("--config")) {
      // What the DAG passes: the config that deploy put at the fixed key.
      entryArguments.add("--config");
      entryArguments.add(artifacts.resolve(ArtifactStore.DAG_AGGREGATIONS).toString());
    }
    entryArguments.addAll(arguments);
    if (!arguments.contains("--run-id")) {
      entryArguments.add("--run-id");
      entryArguments.add(runName.replace(' ', '-') + "-" + token.substring(0, 8));
    }

    StartJobRunRequest request =
        StartJobRunRequest.builder()
            .applicationId(applicationId)
            .executionRoleArn(executionRoleArn)
            .clientToken(token)
            .name(runName)
            .executionTimeoutMinutes((long) jobSize.timeoutMinutes())
            .jobDriver(
                JobDriver.builder()
                    .sparkSubmit(
                        s ->
                            s.entryPoint(jarArtifact.uri())
                                .entryPointArguments(entryArguments)
                                .sparkSubmitParameters(sparkSubmitParameters(jobSize)))
                    .build())
            .configurationOverrides(configurationOverrides())
            .tags(Map.of("trip-lake-job", job, "trip-lake-logical-date", day.toString()))
            .build();
    StartJobRunResponse started = emr.startJobRun(request);
    String jobRunId = started.jobRunId();
    String logUri =
        logsUri == null
            ? null
            : logsUri + "applications/" + applicationId + "/jobs/" + jobRunId + "/";
    progress.accept(
        "Started EMR Serverless job run "
            + jobRunId
            + " ("
            + runName
            + ") of application "
            + applicationId);

    if (!wait) {
      return new Result(
          applicationId,
          jobRunId,
          runName,
          token,
          "SUBMITTED",
          null,
          false,
          false,
          List.copyOf(uploaded),
          List.copyOf(entryArguments),
          logUri,
          cloudWatchGroup(),
          null,
          null,
          null,
          null);
    }
    Duration limit =
        waitTimeout != null
            ? waitTimeout
            : Duration.ofMinutes(jobSize.timeoutMinutes()).plus(WAIT_GRACE_DEFAULT);
    return waitFor(jobRunId, runName, token, uploaded, entryArguments, logUri, limit);
  }

  /**
   * {@code --class}, the Spark properties of the lake, and the job's driver and executor sizes (the
   * driver's too: unset, EMR Serverless gives it 4 vCPU / 14g, a 16 GB worker).
   */
  String sparkSubmitParameters(JobContract.Job jobSize) {
    Map<String, String> conf = new LinkedHashMap<>(sparkConf);
    conf.put("spark.driver.cores", String.valueOf(jobSize.driverCores()));
    conf.put("spark.driver.memory", jobSize.driverMemory());
    conf.put("spark.executor.cores", String.valueOf(jobSize.executorCores()));
    conf.put("spark.executor.memory", jobSize.executorMemory());
    conf.put("spark.dynamicAllocation.maxExecutors", String.valueOf(jobSize.maxExecutors()));
    StringBuilder params = new StringBuilder("--class ").append(MAIN_CLASS);
    conf.forEach((k, v) -> params.append(" --conf ").append(k).append('=').append(v));
    return params.toString();
  }

  private String cloudWatchGroup() {
    return logGroup == null || logGroup.isBlank() ? null : logGroup;
  }

  private ConfigurationOverrides configurationOverrides() {
    MonitoringConfiguration.Builder monitoring = MonitoringConfiguration.builder();
    if (logsUri != null) {
      monitoring.s3MonitoringConfiguration(b -> b.logUri(logsUri));
    }
    if (cloudWatchGroup() != null) {
      monitoring.cloudWatchLoggingConfiguration(
          b -> b.enabled(true).logGroupName(cloudWatchGroup()));
    }
    return ConfigurationOverrides.builder().monitoringConfiguration(monitoring.build()).build();
  }

  private Result waitFor(
      String jobRunId,
      String runName,
      String token,
      List<ArtifactStore.Artifact> uploaded,
      List<String> entryArguments,
      String logUri,
      Duration limit) {
    Instant start = clock.instant();
    Instant deadline = start.plus(limit);
    String lastState = null;
    JobRun run;
    boolean timedOut = false;
    while (true) {
      run = emr.getJobRun(b -> b.applicationId(applicationId).jobRunId(jobRunId)).jobRun();
      String state = run.stateAsString();
      Duration elapsed = Duration.between(start, clock.instant());
      if (!state.equals(lastState)) {
        progress.accept(
            "  "
                + format(elapsed)
                + "  "
                + state
                + (run.stateDetails() == null || run.stateDetails().isBlank()
                    ? ""
                    : " - " + run.stateDetails()));
        lastState = state;
      }
      if (TERMINAL.contains(state)) {
        break;
      }
      if (!clock.instant().plus(pollInterval).isBefore(deadline)) {
        progress.accept(
            "  "
                + format(elapsed)
                + "  still "
                + state
                + " after waiting "
                + format(limit)
                + ": cancelling job run "
                + jobRunId);
        emr.cancelJobRun(b -> b.applicationId(applicationId).jobRunId(jobRunId));
        run = emr.getJobRun(b -> b.applicationId(applicationId).jobRunId(jobRunId)).jobRun();
        timedOut = true;
        break;
      }
      try {
        sleeper.sleep(pollInterval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "Interrupted while waiting for job run "
                + jobRunId
                + "; it keeps running (cancel it in the console)",
            e);
      }
    }
    var billed = run.billedResourceUtilization();
    return new Result(
        applicationId,
        jobRunId,
        runName,
        token,
        run.stateAsString(),
        run.stateDetails(),
        timedOut,
        true,
        List.copyOf(uploaded),
        List.copyOf(entryArguments),
        logUri,
        cloudWatchGroup(),
        billed == null ? null : billed.vcpuHour(),
        billed == null ? null : billed.memoryGBHour(),
        billed == null ? null : billed.storageGBHour(),
        run.totalExecutionDurationSeconds());
  }

  private static String format(Duration d) {
    long s = d.toSeconds();
    return String.format(java.util.Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}
