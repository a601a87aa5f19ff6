package io.triplake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.triplake.lake.JobContract;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The help of submit and deploy quotes the job contract's values, as the DAGs read them from the
 * file.
 */
class TestContractHelp {
  private static String help(String command) {
    StringWriter out = new StringWriter();
    CommandLine cli = TripLake.commandLine();
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute(command, "--help")).isZero();
    return out.toString();
  }

  private static JsonNode contractFile() throws Exception {
    return new ObjectMapper()
        .readTree(Path.of("..", "airflow-dags", "dags", "job-contract.json").toFile());
  }

  @Test
  void submitHelpShowsEachJobsDefaults() throws Exception {
    String help = help("submit");
    for (Map.Entry<String, JsonNode> job : contractFile().get("jobs").properties()) {
      JsonNode size = job.getValue();
      JobContract.Worker driver =
          JobContract.Worker.of(
              size.get("driver_cores").asInt(), size.get("driver_memory").asText(), "driver");
      JobContract.Worker executor =
          JobContract.Worker.of(
              size.get("executor_cores").asInt(), size.get("executor_memory").asText(), "executor");
      assertThat(help)
          .contains(
              String.format(
                  "%n  %-9s driver %d vCPU %s (%d GB), timeout %d min%n"
                      + "  %-9s executors up to %d x %d vCPU %s (%d GB)%n",
                  job.getKey(),
                  driver.vcpu(),
                  size.get("driver_memory").asText(),
                  driver.memoryGb(),
                  size.get("timeout_minutes").asInt(),
                  "",
                  size.get("max_executors").asInt(),
                  executor.vcpu(),
                  size.get("executor_memory").asText(),
                  executor.memoryGb()));
    }
    assertThat(help)
        .contains(
            "--catalog-conf s3://<artifacts>/"
                + contractFile().get("artifacts").get("catalog_conf").asText());
  }

  @Test
  void deployHelpShowsTheFixedKeys() throws Exception {
    JsonNode artifacts = contractFile().get("artifacts");
    assertThat(help("deploy"))
        .contains("job jar            " + artifacts.get("job_jar").asText())
        .contains("aggregation config " + artifacts.get("aggregations_conf").asText())
        .contains(
            "catalog properties " + artifacts.get("catalog_conf").asText() + " (Terraform's)");
  }
}
