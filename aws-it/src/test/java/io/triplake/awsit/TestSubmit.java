package io.triplake.awsit;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.cli.TripLakeRunner;
import io.triplake.emr.JobSubmission;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.emrserverless.model.JobRun;
import software.amazon.awssdk.services.emrserverless.model.StartJobRunRequest;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code ./trip-lake submit} against moto's EMR Serverless and S3: the job run it starts (driver,
 * entry point, arguments, Spark properties, logs, role, idempotency token), and how it ends:
 * success, failure, and a job run that does not end in time (cancelled). The command builds its AWS
 * clients from the environment only; here the JVM system properties {@code aws.endpointUrl}, {@code
 * aws.region}, ... point them at moto.
 */
class TestSubmit {
  @RegisterExtension static final MotoServer MOTO = new MotoServer();

  /** moto accepts only release labels like emr-7.12.0, so the test application runs that one. */
  private static final String RELEASE = "emr-7.12.0";

  private static final String ARTIFACTS = "trip-lake-artifacts";
  private static final String ROLE =
      "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/trip-lake-emr-job";
  private static final String CATALOG =
      String.join(
          "\n",
          "type=glue",
          "warehouse=s3://trip-lake-warehouse/",
          "io-impl=org.apache.iceberg.aws.s3.S3FileIO",
          "client.region=us-east-1",
          "glue.id=" + MotoServer.ACCOUNT_ID,
          "");

  private static Path temp;
  private static Path jar;
  private static Path outputs;
  private static S3Client s3;
  private static EmrServerlessClient emr;
  private static String applicationId;

  private record Run(int exitCode, String out, String err) {}

  @BeforeAll
  static void deploy() throws IOException {
    System.setProperty("aws.endpointUrl", MOTO.endpoint());
    temp = Files.createTempDirectory("trip-lake-submit");
    s3 = MOTO.s3();
    emr =
        EmrServerlessClient.builder()
            .endpointOverride(URI.create(MOTO.endpoint()))
            .region(MotoServer.REGION)
            .build();
    s3.createBucket(b -> b.bucket(ARTIFACTS));
    s3.createBucket(b -> b.bucket("trip-lake-logs"));
    s3.putObject(
        b -> b.bucket(ARTIFACTS).key("conf/catalog.properties"), RequestBody.fromString(CATALOG));
    applicationId =
        emr.createApplication(
                b ->
                    b.name("trip-lake")
                        .releaseLabel(RELEASE)
                        .type("SPARK")
                        .clientToken("create-app"))
            .applicationId();
    jar = temp.resolve("trip-lake-emr.jar");
    Files.write(jar, "not really a jar, but bytes with a hash".getBytes(StandardCharsets.UTF_8));
    // What `terraform output -json` of terraform/examples/complete gives (the values submit reads).
    outputs = temp.resolve("outputs.json");
    Files.writeString(
        outputs,
        """
        {
          "emr_application_id": {"sensitive": false, "type": "string", "value": "%s"},
          "emr_job_execution_role_arn": {"sensitive": false, "type": "string", "value": "%s"},
          "emr_release_label": {"sensitive": false, "type": "string", "value": "%s"},
          "emr_log_group_name": {"sensitive": false, "type": "string", "value": "/aws/emr-serverless/trip-lake"},
          "artifacts_bucket": {"sensitive": false, "type": "string", "value": "%s"},
          "logs_uri": {"sensitive": false, "type": "string", "value": "s3://trip-lake-logs/emr/"}
        }
        """
            .formatted(applicationId, ROLE, RELEASE, ARTIFACTS));
  }

  @AfterAll
  static void close() throws IOException {
    System.clearProperty("aws.endpointUrl");
    if (emr != null) {
      emr.close();
    }
    if (temp != null) {
      try (var files = Files.walk(temp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @BeforeEach
  @AfterEach
  void reset() {
    MOTO.nextJobRunState(null, null);
    RecordingInterceptor.clear();
  }

  private static Run submit(String... args) {
    List<String> all = new ArrayList<>(List.of("submit"));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = TripLakeRunner.run(all, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void startsTheJobRunTheDagWouldStartAndReportsItsEnd() throws Exception {
    Path config = MotoServer.repoRoot().resolve("sample-data/aggregations.json");
    Run run =
        submit(
            "aggregate",
            "--terraform-output",
            outputs.toString(),
            "--jar",
            jar.toString(),
            "--config",
            config.toString(),
            "--logical-date",
            "2024-03-02",
            "--poll-interval",
            "1s",
            "--",
            "--reprocess-day",
            "2024-03-01");
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();

    String jarSha = sha256(Files.readString(jar));
    String configSha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(config)));
    String jarUri = "s3://" + ARTIFACTS + "/jars/trip-lake-" + jarSha.substring(0, 16) + ".jar";
    String configUri =
        "s3://" + ARTIFACTS + "/conf/aggregations-" + configSha.substring(0, 16) + ".json";
    assertThat(
            s3.headObject(
                    b ->
                        b.bucket(ARTIFACTS)
                            .key("jars/trip-lake-" + jarSha.substring(0, 16) + ".jar"))
                .metadata())
        .containsEntry("trip-lake-sha256", jarSha);

    assertThat(RecordingInterceptor.startJobRuns()).hasSize(1);
    StartJobRunRequest request = RecordingInterceptor.startJobRuns().get(0);
    String name = "trip-lake aggregate 2024-03-02";
    String token = sha256(name + "\n2024-03-02\n1");
    assertThat(request.applicationId()).isEqualTo(applicationId);
    assertThat(request.executionRoleArn()).isEqualTo(ROLE);
    assertThat(request.name()).isEqualTo(name);
    assertThat(request.clientToken()).isEqualTo(token);
    assertThat(request.executionTimeoutMinutes()).isEqualTo(240L);
    assertThat(request.jobDriver().sparkSubmit().entryPoint()).isEqualTo(jarUri);
    assertThat(request.jobDriver().sparkSubmit().entryPointArguments())
        .containsExactly(
            "aggregate",
            "--catalog-conf",
            "s3://" + ARTIFACTS + "/conf/catalog.properties",
            "--config",
            configUri,
            "--reprocess-day",
            "2024-03-01",
            "--run-id",
            "trip-lake-aggregate-2024-03-02-" + token.substring(0, 8));
    assertThat(request.jobDriver().sparkSubmit().sparkSubmitParameters())
        .isEqualTo(
            String.join(
                " ",
                "--class io.triplake.cli.TripLake",
                "--conf"
                    + " spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
                "--conf spark.sql.catalog.lake=org.apache.iceberg.spark.SparkCatalog",
                "--conf spark.sql.catalog.lake.client.region=us-east-1",
                "--conf spark.sql.catalog.lake.glue.id=" + MotoServer.ACCOUNT_ID,
                "--conf spark.sql.catalog.lake.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
                "--conf spark.sql.catalog.lake.type=glue",
                "--conf spark.sql.catalog.lake.warehouse=s3://trip-lake-warehouse/",
                "--conf spark.sql.catalog.lake.cache-enabled=false",
                "--conf spark.sql.defaultCatalog=lake",
                "--conf spark.sql.session.timeZone=UTC",
                // The job contract's aggregate: airflow-dags/dags/job-contract.json.
                "--conf spark.driver.cores=2",
                "--conf spark.driver.memory=7g",
                "--conf spark.executor.cores=4",
                "--conf spark.executor.memory=7g",
                "--conf spark.dynamicAllocation.maxExecutors=20"));
    var monitoring = request.configurationOverrides().monitoringConfiguration();
    assertThat(monitoring.s3MonitoringConfiguration().logUri())
        .isEqualTo("s3://trip-lake-logs/emr/");
    assertThat(monitoring.cloudWatchLoggingConfiguration().enabled()).isTrue();
    assertThat(monitoring.cloudWatchLoggingConfiguration().logGroupName())
        .isEqualTo("/aws/emr-serverless/trip-lake");

    // What moto stored is what was sent.
    String jobRunId =
        emr.listJobRuns(b -> b.applicationId(applicationId)).jobRuns().stream()
            .filter(r -> r.name().equals(name))
            .findFirst()
            .orElseThrow()
            .id();
    JobRun stored = emr.getJobRun(b -> b.applicationId(applicationId).jobRunId(jobRunId)).jobRun();
    assertThat(stored.jobDriver().sparkSubmit().entryPoint()).isEqualTo(jarUri);
    assertThat(stored.jobDriver().sparkSubmit().entryPointArguments())
        .isEqualTo(request.jobDriver().sparkSubmit().entryPointArguments());
    assertThat(stored.jobDriver().sparkSubmit().sparkSubmitParameters())
        .isEqualTo(request.jobDriver().sparkSubmit().sparkSubmitParameters());
    assertThat(stored.executionRole()).isEqualTo(ROLE);

    assertThat(run.out())
        // Uploaded by this run or, when another test of this class ran first, already in place
        // (same content).
        .contains(jarUri + " (39 bytes)", configUri + " (1983 bytes)")
        .contains("Started EMR Serverless job run " + jobRunId)
        .contains(": SUCCESS")
        .contains(
            "Logs: s3://trip-lake-logs/emr/applications/"
                + applicationId
                + "/jobs/"
                + jobRunId
                + "/ and CloudWatch /aws/emr-serverless/trip-lake")
        .contains("Billed: 0.000 vCPU-hours, 0.000 GB-hours memory, 0.000 GB-hours storage");

    // The same job again: nothing uploaded, the same idempotency token.
    Run again =
        submit(
            "aggregate",
            "--terraform-output",
            outputs.toString(),
            "--jar",
            jar.toString(),
            "--config",
            config.toString(),
            "--logical-date",
            "2024-03-02",
            "--poll-interval",
            "1s",
            "--",
            "--reprocess-day",
            "2024-03-01");
    assertThat(again.exitCode()).isZero();
    assertThat(again.out()).contains("In place " + jarUri, "In place " + configUri);
    assertThat(RecordingInterceptor.startJobRuns())
        .extracting(StartJobRunRequest::clientToken)
        .containsExactly(token, token);
  }

  @Test
  void ingestIsSizedFromTheContractAndTakesTheAggregationConfigAsAggregateDoes() throws Exception {
    Path config = MotoServer.repoRoot().resolve("sample-data/aggregations.json");
    Run run =
        submit(
            "ingest",
            "--terraform-output",
            outputs.toString(),
            "--jar",
            jar.toString(),
            "--config",
            config.toString(),
            "--logical-date",
            "2024-05-02",
            "--no-wait",
            "--",
            "--source",
            "s3://trip-lake-raw/",
            "--last-days",
            "3");
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();

    String configSha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(config)));
    String configUri =
        "s3://" + ARTIFACTS + "/conf/aggregations-" + configSha.substring(0, 16) + ".json";
    String token = sha256("trip-lake ingest 2024-05-02\n2024-05-02\n1");
    StartJobRunRequest request = RecordingInterceptor.startJobRuns().get(0);
    assertThat(request.jobDriver().sparkSubmit().entryPointArguments())
        .containsExactly(
            "ingest",
            "--catalog-conf",
            "s3://" + ARTIFACTS + "/conf/catalog.properties",
            "--config",
            configUri,
            "--source",
            "s3://trip-lake-raw/",
            "--last-days",
            "3",
            "--run-id",
            "trip-lake-ingest-2024-05-02-" + token.substring(0, 8));
    String configKey = configUri.substring(("s3://" + ARTIFACTS + "/").length());
    assertThat(s3.headObject(b -> b.bucket(ARTIFACTS).key(configKey)).contentLength())
        .isEqualTo(Files.size(config));
    // The job contract's ingest (airflow-dags/dags/job-contract.json): the trip pass runs on the
    // driver's threads, so the driver is the large worker.
    io.triplake.lake.JobContract.Job ingest = io.triplake.lake.JobContract.load().job("ingest");
    assertThat(request.executionTimeoutMinutes()).isEqualTo((long) ingest.timeoutMinutes());
    assertThat(request.jobDriver().sparkSubmit().sparkSubmitParameters())
        .endsWith(
            String.join(
                " ",
                "--conf spark.driver.cores=" + ingest.driverCores(),
                "--conf spark.driver.memory=" + ingest.driverMemory(),
                "--conf spark.executor.cores=" + ingest.executorCores(),
                "--conf spark.executor.memory=" + ingest.executorMemory(),
                "--conf spark.dynamicAllocation.maxExecutors=" + ingest.maxExecutors()));
  }

  @Test
  void onlyTheJobsThatReadAConfigGetTheOneTheDagReads() {
    // Without --config, aggregate and ingest get the config deploy put at the DAG's fixed key.
    String catalog = "s3://" + ARTIFACTS + "/conf/catalog.properties";
    String dagConfig =
        "s3://"
            + ARTIFACTS
            + "/"
            + io.triplake.lake.JobContract.load().artifacts().aggregationsConf();
    for (String job : io.triplake.emr.JobSubmission.JOBS) {
      RecordingInterceptor.clear();
      Run run =
          submit(
              job,
              "--terraform-output",
              outputs.toString(),
              "--jar",
              jar.toString(),
              // A name and day no other test submits with: the idempotency token is the job run's
              // name, day and try (moto answers a token it knows with the job run it started for
              // it), and other tests find their job runs by name.
              "--name",
              "config check " + job,
              "--logical-date",
              "2024-05-03",
              "--no-wait",
              "--",
              "--run-id",
              "r1");
      assertThat(run.exitCode()).as(job + ": " + run.out() + run.err()).isZero();
      List<String> arguments =
          RecordingInterceptor.startJobRuns()
              .get(0)
              .jobDriver()
              .sparkSubmit()
              .entryPointArguments();
      if (io.triplake.emr.JobSubmission.CONFIG_JOBS.contains(job)) {
        assertThat(arguments)
            .as(job)
            .containsExactly(
                job, "--catalog-conf", catalog, "--config", dagConfig, "--run-id", "r1");
      } else {
        assertThat(arguments)
            .as(job)
            .containsExactly(job, "--catalog-conf", catalog, "--run-id", "r1");
      }
    }
  }

  @Test
  void aFailedJobRunFailsTheCommandAndSaysWhere() {
    MOTO.nextJobRunState("FAILED", "Job failed, ExitCode: 3. See the driver's stderr");
    Run run =
        submit(
            "register",
            "--application-id",
            applicationId,
            "--execution-role-arn",
            ROLE,
            "--artifacts",
            ARTIFACTS,
            "--release-label",
            RELEASE,
            "--logs-uri",
            "s3://trip-lake-logs/emr/",
            "--jar",
            jar.toString(),
            "--poll-interval",
            "1s",
            "--",
            "--source",
            "s3://trip-lake-raw/");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains(": FAILED - Job failed, ExitCode: 3. See the driver's stderr");
    assertThat(run.err())
        .startsWith("trip-lake submit: job run ")
        .contains(" ended FAILED; see s3://trip-lake-logs/emr/applications/");
    StartJobRunRequest request = RecordingInterceptor.startJobRuns().get(0);
    assertThat(request.executionTimeoutMinutes()).isEqualTo(120L);
    assertThat(request.jobDriver().sparkSubmit().entryPointArguments())
        .startsWith(
            "register",
            "--catalog-conf",
            "s3://" + ARTIFACTS + "/conf/catalog.properties",
            "--source",
            "s3://trip-lake-raw/");
  }

  @Test
  void aJobRunThatDoesNotEndInTimeIsCancelled() throws IOException {
    MOTO.nextJobRunState("RUNNING", null);
    // What `terraform output -json` of terraform/examples/complete gives: the values inside
    // airflow_variables.
    Path example = temp.resolve("example-outputs.json");
    Files.writeString(
        example,
        """
        {"airflow_variables": {"sensitive": false, "type": ["object", {}], "value": {
          "trip_lake_emr_application_id": "%s", "trip_lake_emr_execution_role_arn": "%s",
          "trip_lake_artifacts_bucket": "%s", "trip_lake_raw_uri": "s3://trip-lake-raw/",
          "trip_lake_logs_uri": "s3://trip-lake-logs/emr/", "trip_lake_release_label": "%s"}}}
        """
            .formatted(applicationId, ROLE, ARTIFACTS, RELEASE));
    Run run =
        submit(
            "maintain",
            "--terraform-output",
            example.toString(),
            "--jar",
            jar.toString(),
            "--wait-timeout",
            "2s",
            "--poll-interval",
            "1s");
    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(4);
    String jobRunId =
        RecordingInterceptor.startJobRuns().isEmpty()
            ? null
            : emr.listJobRuns(b -> b.applicationId(applicationId)).jobRuns().stream()
                .filter(r -> r.name().startsWith("trip-lake maintain"))
                .findFirst()
                .orElseThrow()
                .id();
    assertThat(run.out())
        .contains(
            "RUNNING",
            "cancelling job run " + jobRunId,
            ": CANCELLED (gave up waiting; cancel requested)");
    assertThat(
            emr.getJobRun(b -> b.applicationId(applicationId).jobRunId(jobRunId))
                .jobRun()
                .stateAsString())
        .isEqualTo("CANCELLED");
    assertThat(
            RecordingInterceptor.startJobRuns()
                .get(0)
                .configurationOverrides()
                .monitoringConfiguration()
                .s3MonitoringConfiguration()
                .logUri())
        .isEqualTo("s3://trip-lake-logs/emr/");
  }

  @Test
  void theWaiterGivesUpOnTheClockItIsGiven() {
    MOTO.nextJobRunState("RUNNING", null);
    Instant[] now = {Instant.parse("2024-03-02T03:00:00Z")};
    Clock clock =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    List<String> progress = new ArrayList<>();
    JobSubmission.Result result;
    try (S3Client client = MOTO.s3()) {
      result =
          JobSubmission.of(emr, client)
              .job("aggregate", List.of())
              .applicationId(applicationId)
              .executionRoleArn(ROLE)
              .artifacts("s3://" + ARTIFACTS + "/")
              .jar(jar)
              .releaseLabel(RELEASE)
              .logsUri("s3://trip-lake-logs/emr/")
              .logicalDate(LocalDate.of(2024, 3, 2))
              .size(new io.triplake.lake.JobContract.Job(2, "7g", 4, "7g", 20, 240))
              .pollInterval(Duration.ofMinutes(10))
              .clock(clock, d -> now[0] = now[0].plus(d))
              .progress(progress::add)
              .execute();
    }
    assertThat(result.entryPointArguments())
        .as("aggregate without a config reads the one deploy put where the DAG reads it")
        .containsSubsequence("--config", "s3://" + ARTIFACTS + "/conf/aggregations.json");
    assertThat(result.timedOut()).isTrue();
    assertThat(result.state()).isEqualTo("CANCELLED");
    assertThat(result.succeeded()).isFalse();
    // Its execution timeout (240 min) plus 15 minutes of grace, polled every 10 minutes.
    assertThat(Duration.between(Instant.parse("2024-03-02T03:00:00Z"), now[0]))
        .isEqualTo(Duration.ofMinutes(250));
    assertThat(progress)
        .first()
        .asString()
        .startsWith("Started EMR Serverless job run " + result.jobRunId());
    assertThat(progress)
        .contains(
            "  0:00:00  RUNNING",
            "  4:10:00  still RUNNING after waiting 4:15:00: cancelling job run "
                + result.jobRunId());
  }

  @Test
  void anApplicationOnAnotherReleaseIsRefusedBeforeAnyUpload() {
    Run run =
        submit(
            "register",
            "--terraform-output",
            outputs.toString(),
            "--release-label",
            "emr-spark-8.1.0",
            "--jar",
            jar.toString(),
            "--",
            "--source",
            "s3://trip-lake-raw/");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains(
            "Cannot submit to application "
                + applicationId
                + ": it runs "
                + RELEASE
                + " but the job jar is built for emr-spark-8.1.0 (--release-label)");
    assertThat(RecordingInterceptor.startJobRuns()).isEmpty();
  }

  @Test
  void deployPublishesToTheKeysTheDagReadsOnlyWhenTheContentChanged() throws Exception {
    Path config = MotoServer.repoRoot().resolve("sample-data/aggregations.json");
    Path deployJar = temp.resolve("deploy.jar");
    Files.writeString(deployJar, "version 1");
    Run first = deploy(deployJar, config);
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    assertThat(first.out())
        .contains("Published as s3://" + ARTIFACTS + "/jars/trip-lake.jar")
        .contains("Published as s3://" + ARTIFACTS + "/conf/aggregations.json");
    assertThat(
            s3.getObjectAsBytes(b -> b.bucket(ARTIFACTS).key("jars/trip-lake.jar")).asUtf8String())
        .isEqualTo("version 1");

    Run again = deploy(deployJar, config);
    assertThat(again.out())
        .contains(
            "Unchanged s3://" + ARTIFACTS + "/jars/trip-lake.jar",
            "Unchanged s3://" + ARTIFACTS + "/conf/aggregations.json")
        .doesNotContain("Uploaded ", "Published");

    Files.writeString(deployJar, "version 2");
    Run changed = deploy(deployJar, config);
    assertThat(changed.out())
        .contains(
            "Published as s3://" + ARTIFACTS + "/jars/trip-lake.jar",
            "Unchanged s3://" + ARTIFACTS + "/conf/aggregations.json");
    assertThat(
            s3.getObjectAsBytes(b -> b.bucket(ARTIFACTS).key("jars/trip-lake.jar")).asUtf8String())
        .isEqualTo("version 2");
    assertThat(s3.headObject(b -> b.bucket(ARTIFACTS).key("jars/trip-lake.jar")).metadata())
        .containsEntry("trip-lake-sha256", sha256("version 2"));
  }

  private static Run deploy(Path deployJar, Path config) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        TripLakeRunner.run(
            List.of(
                "deploy",
                "--terraform-output",
                outputs.toString(),
                "--jar",
                deployJar.toString(),
                "--config",
                config.toString()),
            new PrintWriter(out),
            new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }
}
