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
    assertThat(contract.jobs()).containsOnlyKeys("register", "aggregate", "maintain");
    assertThat(contract.jobs().keySet()).containsExactly("register", "aggregate", "maintain");
    assertThat(contract.jobs().values())
        .allSatisfy(
            job -> {
              assertThat(job.executorCores())
                  .isIn(1, 2, 4, 8, 16); // what EMR Serverless offers per worker
              assertThat(job.executorMemory()).matches("[1-9][0-9]*g");
              assertThat(job.maxExecutors()).isPositive();
              assertThat(job.timeoutMinutes()).isGreaterThanOrEqualTo(5); // EMR Serverless' minimum
            });
    assertThatThrownBy(() -> contract.job("compact"))
        .hasMessage(
            "Cannot size job: unknown job, expected one of [register, aggregate, maintain]"
                + " (compact)");
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
        {"jobs": {"register": {"executor_cores": 4, "executor_memory": "8g", "max_executors": 10}},
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
}
