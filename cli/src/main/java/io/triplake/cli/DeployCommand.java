package io.triplake.cli;

import io.triplake.emr.ArtifactStore;
import io.triplake.emr.S3Uri;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.s3.S3Client;

@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Put the job jar and the aggregation config where the Airflow DAG reads them: upload by"
          + " content hash beside the fixed keys of the job contract (below), then copy to the"
          + " fixed keys when their content differs.",
      "The catalog properties are Terraform's: deploy never writes them."
    })
final class DeployCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin AwsOptions aws;

  @Option(
      names = "--jar",
      paramLabel = "FILE",
      description = "Job jar (default: emr-job/target/trip-lake-emr.jar).")
  Path jar;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "aggregations.json to deploy (default: none).")
  Path config;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (S3Client s3 = S3Client.create()) {
      ArtifactStore store = new ArtifactStore(s3, S3Uri.bucketOrUri(aws.artifacts()));
      deploy(out, store, jar != null ? jar : AwsOptions.defaultJar(), ArtifactStore.DAG_JAR);
      if (config != null) {
        deploy(out, store, config, ArtifactStore.DAG_AGGREGATIONS);
      }
    }
    out.flush();
    return 0;
  }

  /** The end of the help: the keys, from the job contract (annotations can only hold constants). */
  static String[] contractFooter() {
    return new String[] {
      "%nKeys in the artifacts bucket (airflow-dags/dags/job-contract.json):",
      "  job jar            " + ArtifactStore.DAG_JAR,
      "  aggregation config " + ArtifactStore.DAG_AGGREGATIONS,
      "  catalog properties " + ArtifactStore.CATALOG_CONF + " (Terraform's)"
    };
  }

  /**
   * Uploads {@code file} by content hash beside {@code fixedKey}, then copies it there when it
   * differs.
   */
  private static void deploy(PrintWriter out, ArtifactStore store, Path file, String fixedKey) {
    ArtifactStore.Artifact artifact = store.upload(file, fixedKey);
    out.println(
        (artifact.uploaded() ? "Uploaded " : "In place ")
            + artifact.uri()
            + " ("
            + artifact.bytes()
            + " bytes)");
    boolean copied = store.publish(artifact, fixedKey);
    out.println((copied ? "Published as " : "Unchanged ") + store.root().resolve(fixedKey));
  }
}
