package io.triplake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
      assertThat(help)
          .containsPattern(
              "\\n  "
                  + job.getKey()
                  + " +"
                  + size.get("executor_cores").asInt()
                  + " cores, "
                  + size.get("executor_memory").asText()
                  + ", up to "
                  + size.get("max_executors").asInt()
                  + " executors, timeout "
                  + size.get("timeout_minutes").asInt()
                  + " minutes\\R");
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
