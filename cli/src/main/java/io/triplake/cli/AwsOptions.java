package io.triplake.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.triplake.lake.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Where the deployment is: given one by one, or read from {@code terraform output -json} of
 * terraform/examples/complete (or of the module). Explicit options win over the Terraform outputs.
 * Credentials, region and endpoints of the AWS clients come from the environment (the SDK's default
 * chains: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, ...), never from here.
 */
final class AwsOptions {
  @Option(
      names = "--terraform-output",
      paramLabel = "FILE",
      description =
          "JSON of `terraform output -json` (of the module or of terraform/examples/complete):"
              + " application id, job role, artifacts bucket, logs URI, log group, release.")
  Path terraformOutput;

  @Option(
      names = "--artifacts",
      paramLabel = "BUCKET_OR_URI",
      description =
          "Artifacts bucket (jars/, conf/); default: the Terraform output artifacts_bucket.")
  String artifacts;

  private JsonNode outputs;

  /** A Terraform output's value, or null. */
  String output(String name) {
    if (terraformOutput == null) {
      return null;
    }
    if (outputs == null) {
      try {
        outputs = Json.MAPPER.readTree(terraformOutput.toFile());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "Cannot read the Terraform outputs: " + e.getMessage() + " (" + terraformOutput + ")",
            e);
      }
    }
    JsonNode node = outputs.path(name);
    JsonNode value = node.has("value") ? node.get("value") : node;
    if (value.isTextual()) {
      return value.asText();
    }
    // terraform/examples/complete outputs fewer values, but all of them inside airflow_variables.
    String variable = AIRFLOW_VARIABLES.get(name);
    JsonNode variables = outputs.path("airflow_variables").path("value");
    return variable != null && variables.path(variable).isTextual()
        ? variables.path(variable).asText()
        : null;
  }

  /**
   * Terraform output name -> the Airflow Variable (in the output airflow_variables) with the same
   * value.
   */
  private static final java.util.Map<String, String> AIRFLOW_VARIABLES =
      java.util.Map.of(
          "emr_application_id", "trip_lake_emr_application_id",
          "emr_job_execution_role_arn", "trip_lake_emr_execution_role_arn",
          "artifacts_bucket", "trip_lake_artifacts_bucket",
          "logs_uri", "trip_lake_logs_uri",
          "emr_release_label", "trip_lake_release_label");

  /** An explicit option, else the Terraform output, else an error naming both. */
  String required(String explicit, String option, String outputName) {
    String value = explicit != null ? explicit : output(outputName);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot submit: "
              + option
              + " is not set and no Terraform output "
              + outputName
              + " was found ("
              + (terraformOutput == null ? "no --terraform-output" : terraformOutput.toString())
              + ")");
    }
    return value;
  }

  String artifacts() {
    return required(artifacts, "--artifacts", "artifacts_bucket");
  }

  /** The job jar: the shaded jar emr-job builds, found from the launcher's home. */
  static Path defaultJar() {
    return Path.of(
        System.getProperty("trip-lake.home", "."), "emr-job", "target", "trip-lake-emr.jar");
  }

  static String lower(String value) {
    return value.toLowerCase(Locale.ROOT);
  }
}
