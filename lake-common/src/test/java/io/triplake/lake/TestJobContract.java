package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The contract Java reads is the file the DAGs and Terraform read, and a broken file fails loudly.
 */
class TestJobContract {
  /**
   * The one home of the contract, relative to this module (surefire runs in the module's
   * directory).
   */
  static final Path HOME = Path.of("..", "airflow-dags", "dags", "job-contract.json");

  @Test
  void theClasspathCopyIsTheFileAmongTheDags() throws Exception {
    try (InputStream copy = JobContract.class.getResourceAsStream(JobContract.RESOURCE)) {
      assertThat(copy).as("the build copies %s onto the classpath", HOME).isNotNull();
      assertThat(copy.readAllBytes()).isEqualTo(Files.readAllBytes(HOME));
    }
  }

  @Test
  void everyJobHasItsDefaultsInTheOrderOfTheFile() {
    JobContract contract = JobContract.load();
    assertThat(contract.jobs().keySet())
        .containsExactly("register", "aggregate", "ingest", "maintain", "report");
    contract
        .jobs()
        .forEach(
            (name, job) -> {
              // Loading checked that each size fits a worker; these are the right-sized bounds.
              if (!name.equals("ingest")) {
                assertThat(job.driverWorker().memoryGb()).as(name).isLessThanOrEqualTo(8);
              }
              assertThat(job.executorWorker()).as(name).isEqualTo(new JobContract.Worker(4, 8));
              assertThat(job.maxExecutors()).as(name).isPositive();
              // EMR Serverless' minimum
              assertThat(job.timeoutMinutes()).as(name).isGreaterThanOrEqualTo(5);
            });
    assertThatThrownBy(() -> contract.job("compact"))
        .hasMessage(
            "Cannot size job: unknown job, expected one of [register, aggregate, ingest, maintain,"
                + " report] (compact)");
  }

  @Test
  void ingestRunsItsTripPassOnTheLargestHeapOfASixteenVcpuWorker() {
    // The trip pass runs on the driver's threads: 16 vCPU, and 29g, the largest heap a 32 GB
    // worker holds (29 + 2.9 GB overhead); no Spark task, so one executor of the smallest worker.
    JobContract.Job ingest = JobContract.load().job("ingest");
    assertThat(ingest.driverWorker()).isEqualTo(new JobContract.Worker(16, 32));
    assertThat(ingest.driverMemory()).isEqualTo("29g");
    assertThat(JobContract.Worker.of(16, "30g", "driver"))
        .isEqualTo(new JobContract.Worker(16, 40));
    assertThat(ingest.maxExecutors()).isEqualTo(1);
    assertThat(ingest.executorWorker()).isEqualTo(new JobContract.Worker(4, 8));
  }

  @Test
  void fixedKeysLieUnderThePrefixesTheJobRoleMayRead() {
    JobContract.Artifacts artifacts = JobContract.load().artifacts();
    assertThat(artifacts.jarsPrefix()).endsWith("/");
    assertThat(artifacts.confPrefix()).endsWith("/");
    assertThat(artifacts.jobJar()).startsWith(artifacts.jarsPrefix()).endsWith(".jar");
    assertThat(artifacts.catalogConf()).startsWith(artifacts.confPrefix());
    assertThat(artifacts.aggregationsConf()).startsWith(artifacts.confPrefix());
  }

  @Test
  void theAsOfExamplesAgreeWithThePattern() {
    JobContract.AsOf asOf = JobContract.load().asOf();
    assertThat(asOf.accepted())
        .isNotEmpty()
        .allSatisfy(value -> assertThat(asOf.matches(value)).as(value).isTrue());
    assertThat(asOf.refused())
        .isNotEmpty()
        .allSatisfy(value -> assertThat(asOf.matches(value)).as(value).isFalse());
  }

  @Test
  void aContractWithAMissingValueIsRefused() {
    String json =
        """
        {"jobs": {"register": {"driver_cores": 4, "driver_memory": "7g", "executor_cores": 4,
                               "executor_memory": "7g", "max_executors": 10}},
         "artifacts": {"jars_prefix": "jars/", "conf_prefix": "conf/", "job_jar": "jars/trip-lake.jar",
                       "catalog_conf": "conf/catalog.properties", "aggregations_conf": "conf/aggregations.json"},
         "as_of": {"pattern": "^[0-9]+$", "accepted": ["1"], "refused": ["x"]}}
        """;
    assertThatThrownBy(
            () -> JobContract.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))))
        .hasMessageStartingWith(
            "Cannot read the job contract "
                + JobContract.RESOURCE
                + ": Missing creator property 'timeout_minutes'");
  }

  @Test
  void aContractWithoutTheDriverSizeIsRefused() {
    assertThatThrownBy(() -> read(job("\"executor_cores\": 4, \"executor_memory\": \"7g\"")))
        .hasMessageContaining("Missing creator property 'driver_cores'");
  }

  @Test
  void aContractWithASizeNoWorkerHasIsRefused() {
    assertThatThrownBy(() -> read(job(sizes(4, "30g", 4, "7g"))))
        .hasMessageContaining(
            "Cannot size job: driver_memory 30g plus Spark's overhead needs 33 GB, more than the"
                + " largest worker of 4 vCPU (30 GB)");
    assertThatThrownBy(() -> read(job(sizes(4, "7g", 3, "7g"))))
        .hasMessageContaining(
            "Cannot size job: executor_cores must be 1, 2, 4, 8 or 16, the vCPU of an EMR"
                + " Serverless worker (3)");
    assertThatThrownBy(() -> read(job(sizes(4, "7g", 4, "7GB"))))
        .hasMessageContaining("Cannot size job: executor_memory must be whole GB like 7g (7GB)");
  }

  @Test
  void aWorkerIsBilledForTheHeapPlusOverheadRoundedUpToASizeEmrOffers() {
    // 7g + 0.7 g overhead = 7.7 GB: the 8 GB minimum of 4 vCPU.
    assertThat(JobContract.Worker.of(4, "7g", "executor")).isEqualTo(new JobContract.Worker(4, 8));
    // 8g + 0.8 g = 8.8 GB: rounded up to 9 GB.
    assertThat(JobContract.Worker.of(4, "8g", "executor")).isEqualTo(new JobContract.Worker(4, 9));
    // 16g + 1.6 g = 17.6 GB: 18 GB, the DAG's old executor.
    assertThat(JobContract.Worker.of(4, "16g", "executor"))
        .isEqualTo(new JobContract.Worker(4, 18));
    // EMR Serverless's default driver: 14g + 1.4 g = 15.4 GB, so 16 GB.
    assertThat(JobContract.Worker.of(4, "14g", "driver")).isEqualTo(new JobContract.Worker(4, 16));
    // The 384 MB floor: 3g + 384 MB = 3.4 GB, so the 4 GB of 2 vCPU; 1g on 4 vCPU is billed 8 GB.
    assertThat(JobContract.Worker.of(2, "3g", "driver")).isEqualTo(new JobContract.Worker(2, 4));
    assertThat(JobContract.Worker.of(4, "1g", "driver")).isEqualTo(new JobContract.Worker(4, 8));
    // 8 vCPU come in 4 GB steps: 20g + 2 g = 22 GB, so 24 GB; 16 vCPU in 8 GB steps.
    assertThat(JobContract.Worker.of(8, "20g", "executor"))
        .isEqualTo(new JobContract.Worker(8, 24));
    assertThat(JobContract.Worker.of(16, "40g", "executor"))
        .isEqualTo(new JobContract.Worker(16, 48));
    // A small heap on 16 vCPU is billed the 32 GB minimum; 109g + 10.9 g = 119.9 GB is the
    // largest heap of the largest worker (120 GB), 110g needs 121 GB.
    assertThat(JobContract.Worker.of(16, "1g", "driver")).isEqualTo(new JobContract.Worker(16, 32));
    assertThat(JobContract.Worker.of(16, "109g", "driver"))
        .isEqualTo(new JobContract.Worker(16, 120));
    assertThatThrownBy(() -> JobContract.Worker.of(16, "110g", "driver"))
        .hasMessage(
            "Cannot size job: driver_memory 110g plus Spark's overhead needs 121 GB, more than the"
                + " largest worker of 16 vCPU (120 GB)");
    // The largest heaps that still fit: 27g + 2.7 g = 29.7 GB on 4 vCPU; 28g needs 31 GB.
    assertThat(JobContract.Worker.of(4, "27g", "executor"))
        .isEqualTo(new JobContract.Worker(4, 30));
    assertThatThrownBy(() -> JobContract.Worker.of(4, "28g", "executor"))
        .hasMessage(
            "Cannot size job: executor_memory 28g plus Spark's overhead needs 31 GB, more than the"
                + " largest worker of 4 vCPU (30 GB)");
    assertThatThrownBy(() -> JobContract.Worker.of(1, "8g", "driver"))
        .hasMessage(
            "Cannot size job: driver_memory 8g plus Spark's overhead needs 9 GB, more than the"
                + " largest worker of 1 vCPU (8 GB)");
  }

  @Test
  void theJobsWorkersAreTheirSizesAsBilled() {
    JobContract.Job aggregate = new JobContract.Job(2, "7g", 4, "16g", 20, 240);
    assertThat(aggregate.driverWorker()).isEqualTo(new JobContract.Worker(2, 8));
    assertThat(aggregate.executorWorker()).isEqualTo(new JobContract.Worker(4, 18));
    assertThatThrownBy(() -> new JobContract.Job(2, "7g", 4, "7g", 0, 240))
        .hasMessage("Cannot size job: max_executors must be at least 1 (0)");
  }

  private static String sizes(int driverCores, String driverMemory, int cores, String memory) {
    return String.format(
        "\"driver_cores\": %d, \"driver_memory\": \"%s\", \"executor_cores\": %d,"
            + " \"executor_memory\": \"%s\"",
        driverCores, driverMemory, cores, memory);
  }

  /** A contract whose one job has {@code sizes} and is otherwise complete. */
  private static String job(String sizes) {
    return """
    {"jobs": {"register": {%s, "max_executors": 1, "timeout_minutes": 60}},
     "artifacts": {"jars_prefix": "jars/", "conf_prefix": "conf/", "job_jar": "jars/trip-lake.jar",
                   "catalog_conf": "conf/catalog.properties", "aggregations_conf": "conf/aggregations.json"},
     "as_of": {"pattern": "^[0-9]+$", "accepted": ["1"], "refused": ["x"]}}
    """
        .formatted(sizes);
  }

  private static JobContract read(String json) {
    return JobContract.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }
}
