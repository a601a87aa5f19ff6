package io.triplake.emr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What a submission checks before it calls AWS, and how it names things (the calls themselves:
 * aws-it).
 */
class TestJobSubmission {
  private static EmrServerlessClient emr;
  private static S3Client s3;

  @BeforeAll
  static void clients() {
    // Never called here: built only because a submission needs clients.
    emr =
        EmrServerlessClient.builder()
            .region(Region.US_EAST_1)
            .credentialsProvider(AnonymousCredentialsProvider.create())
            .build();
    s3 =
        S3Client.builder()
            .region(Region.US_EAST_1)
            .credentialsProvider(AnonymousCredentialsProvider.create())
            .build();
  }

  @AfterAll
  static void close() {
    emr.close();
    s3.close();
  }

  @Test
  void s3UrisParseAndResolve() {
    assertThat(S3Uri.parse("s3://bucket/a/b.jar")).isEqualTo(new S3Uri("bucket", "a/b.jar"));
    assertThat(S3Uri.bucketOrUri("trip-lake-artifacts").resolve("jars/x.jar").toString())
        .isEqualTo("s3://trip-lake-artifacts/jars/x.jar");
    assertThat(S3Uri.bucketOrUri("s3://b/prefix").resolve("conf/c").toString())
        .isEqualTo("s3://b/prefix/conf/c");
    assertThat(S3Uri.parse("s3://b/logs/").resolve("").toString()).isEqualTo("s3://b/logs/");
    assertThatThrownBy(() -> S3Uri.parse("/tmp/x"))
        .hasMessage("Cannot use S3 location: not an s3:// URI (/tmp/x)");
    assertThatThrownBy(() -> S3Uri.parse("s3:///key"))
        .hasMessage("Cannot use S3 location: no bucket (s3:///key)");
  }

  @Test
  void theIdempotencyTokenDependsOnNameDayAndAttemptOnly() {
    String token =
        EmrServerlessJobSubmission.clientToken(
            "trip-lake register 2024-03-02", LocalDate.of(2024, 3, 2), 1);
    assertThat(token)
        .hasSize(64)
        .matches("[0-9a-f]+")
        .isEqualTo(
            EmrServerlessJobSubmission.clientToken(
                "trip-lake register 2024-03-02", LocalDate.of(2024, 3, 2), 1))
        .isNotEqualTo(
            EmrServerlessJobSubmission.clientToken(
                "trip-lake register 2024-03-02", LocalDate.of(2024, 3, 2), 2))
        .isNotEqualTo(
            EmrServerlessJobSubmission.clientToken(
                "trip-lake register 2024-03-02", LocalDate.of(2024, 3, 3), 1));
  }

  @Test
  void sparkSubmitParametersCarryTheClassTheLakeAndTheSize() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog");
    conf.put("spark.sql.catalog.lake.type", "glue");
    EmrServerlessJobSubmission submission = new EmrServerlessJobSubmission(emr, s3);
    submission.sparkConf(conf);
    assertThat(
            submission.sparkSubmitParameters(
                new io.triplake.lake.JobContract.Job(2, "3g", 8, "20g", 5, 60)))
        .isEqualTo(
            "--class io.triplake.cli.TripLake --conf"
                + " spark.sql.catalog.lake=org.apache.iceberg.spark.SparkCatalog --conf"
                + " spark.sql.catalog.lake.type=glue --conf spark.driver.cores=2 --conf"
                + " spark.driver.memory=3g --conf spark.executor.cores=8 --conf"
                + " spark.executor.memory=20g --conf spark.dynamicAllocation.maxExecutors=5");
  }

  @Test
  void everyJobRunSetsTheContractsDriverAndExecutorSizes() throws Exception {
    // Unset, EMR Serverless would give the driver 4 vCPU / 14g (a 16 GB worker) whatever the job.
    EmrServerlessJobSubmission submission = new EmrServerlessJobSubmission(emr, s3);
    JsonNode jobs = contractFile().get("jobs");
    for (String job : JobSubmission.JOBS) {
      JsonNode file = jobs.get(job);
      assertThat(submission.sparkSubmitParameters(io.triplake.lake.JobContract.load().job(job)))
          .as(job)
          .isEqualTo(
              "--class io.triplake.cli.TripLake"
                  + " --conf spark.driver.cores="
                  + file.get("driver_cores").asInt()
                  + " --conf spark.driver.memory="
                  + file.get("driver_memory").asText()
                  + " --conf spark.executor.cores="
                  + file.get("executor_cores").asInt()
                  + " --conf spark.executor.memory="
                  + file.get("executor_memory").asText()
                  + " --conf spark.dynamicAllocation.maxExecutors="
                  + file.get("max_executors").asInt());
    }
  }

  @Test
  void badInputIsRefusedWithWhatToFix(@TempDir Path dir) throws Exception {
    JobSubmission submission = JobSubmission.of(emr, s3);
    assertThatThrownBy(() -> submission.job("compact", List.of()))
        .hasMessage(
            "Cannot submit: unknown job, expected one of [register, aggregate, ingest, maintain,"
                + " report] (compact)");
    assertThatThrownBy(() -> submission.job("register", List.of("--source", " ")))
        .hasMessage("Cannot submit: empty job argument ([--source,  ])");
    assertThatThrownBy(() -> submission.sparkConf(Map.of("spark.x", "a b")))
        .hasMessage(
            "Cannot pass Spark property spark.x to EMR Serverless: sparkSubmitParameters is one"
                + " string, values cannot be empty or contain spaces (a b)");
    assertThatThrownBy(() -> new io.triplake.lake.JobContract.Job(2, "7g", 4, "16", 20, 240))
        .hasMessage("Cannot size job: executor_memory must be whole GB like 7g (16)");
    assertThatThrownBy(() -> new io.triplake.lake.JobContract.Job(2, "16g", 4, "7g", 20, 240))
        .hasMessage(
            "Cannot size job: driver_memory 16g plus Spark's overhead needs 18 GB, more than the"
                + " largest worker of 2 vCPU (16 GB)");
    assertThatThrownBy(() -> new io.triplake.lake.JobContract.Job(0, "7g", 4, "7g", 20, 240))
        .hasMessage(
            "Cannot size job: driver_cores must be 1, 2, 4, 8 or 16, the vCPU of an EMR Serverless"
                + " worker (0)");
    assertThatThrownBy(() -> new io.triplake.lake.JobContract.Job(2, "7g", 4, "7g", 0, 240))
        .hasMessage("Cannot size job: max_executors must be at least 1 (0)");
    assertThatThrownBy(() -> new io.triplake.lake.JobContract.Job(2, "7g", 4, "7g", 20, 4))
        .hasMessage("Cannot size job: EMR Serverless needs a timeout of at least 5 minutes (4)");
    assertThatThrownBy(() -> submission.attempt(0))
        .hasMessage("Cannot submit: attempt must be at least 1 (0)");
    assertThatThrownBy(() -> submission.applicationId(" "))
        .hasMessage("Cannot submit: the application id is empty ( )");
    assertThatThrownBy(submission::execute)
        .hasMessage(
            "Cannot submit: job, application id, execution role, artifacts bucket and jar are"
                + " required");

    Path config = Files.writeString(dir.resolve("aggregations.json"), "{}");
    JobSubmission register =
        JobSubmission.of(emr, s3)
            .job("register", List.of())
            .applicationId("app")
            .executionRoleArn("arn")
            .artifacts("bucket")
            .jar(config)
            .aggregationConfig(config);
    assertThatThrownBy(register::execute)
        .hasMessage(
            "Cannot submit register: an aggregation config is only for aggregate and ingest ("
                + config
                + ")");
    JobSubmission twice =
        JobSubmission.of(emr, s3)
            .job("ingest", List.of("--source", "s3://raw/", "--config", "s3://b/conf/a.json"))
            .applicationId("app")
            .executionRoleArn("arn")
            .artifacts("bucket")
            .jar(config)
            .aggregationConfig(config);
    // Refused before anything is asked of AWS (the clients here would fail: no credentials).
    assertThatThrownBy(twice::execute)
        .hasMessage(
            "Cannot submit ingest: --config is given twice (" + config + " and the job arguments)");
  }

  @Test
  void artifactKeysCarryTheContentHash(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("a.jar"), "abc");
    assertThat(ArtifactStore.sha256(file))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(ArtifactStore.hashedKey("jars/trip-lake.jar", "ba7816bf8f01cfea"))
        .isEqualTo("jars/trip-lake-ba7816bf8f01cfea.jar");
    assertThat(ArtifactStore.hashedKey("conf/v1.2/catalog", "ab"))
        .isEqualTo("conf/v1.2/catalog-ab");
  }

  /** The job contract as the DAGs and Terraform read it: the file itself, not Java's copy of it. */
  private static JsonNode contractFile() throws Exception {
    return new ObjectMapper()
        .readTree(Path.of("..", "airflow-dags", "dags", "job-contract.json").toFile());
  }

  @Test
  void jobDefaultsAreTheJobContracts() throws Exception {
    JsonNode jobs = contractFile().get("jobs");
    assertThat(JobSubmission.JOBS).containsExactlyElementsOf(jobs::fieldNames);
    for (String job : JobSubmission.JOBS) {
      JsonNode file = jobs.get(job);
      assertThat(io.triplake.lake.JobContract.load().job(job))
          .as(job)
          .isEqualTo(
              new io.triplake.lake.JobContract.Job(
                  file.get("driver_cores").asInt(),
                  file.get("driver_memory").asText(),
                  file.get("executor_cores").asInt(),
                  file.get("executor_memory").asText(),
                  file.get("max_executors").asInt(),
                  file.get("timeout_minutes").asInt()));
    }
    assertThatThrownBy(() -> io.triplake.lake.JobContract.load().job("compact"))
        .hasMessage(
            "Cannot size job: unknown job, expected one of [register, aggregate, ingest, maintain,"
                + " report] (compact)");
  }

  @Test
  void artifactKeysAreTheJobContracts() throws Exception {
    JsonNode artifacts = contractFile().get("artifacts");
    assertThat(ArtifactStore.DAG_JAR)
        .isEqualTo(artifacts.get("job_jar").asText())
        .isEqualTo("jars/trip-lake.jar");
    assertThat(ArtifactStore.DAG_AGGREGATIONS)
        .isEqualTo(artifacts.get("aggregations_conf").asText());
    assertThat(ArtifactStore.CATALOG_CONF).isEqualTo(artifacts.get("catalog_conf").asText());
  }
}
