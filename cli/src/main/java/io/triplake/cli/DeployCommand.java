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

@Command(name = "deploy", mixinStandardHelpOptions = true,
    description = {"Put the job jar and the aggregation config where the Airflow DAG reads them: upload by content hash "
        + "(jars/trip-lake-<sha>.jar, conf/aggregations-<sha>.json), then copy to the fixed keys jars/trip-lake.jar and "
        + "conf/aggregations.json when their content differs.",
        "conf/catalog.properties is Terraform's: deploy never writes it."})
final class DeployCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  AwsOptions aws;

  @Option(names = "--jar", paramLabel = "FILE", description = "Job jar (default: emr-job/target/trip-lake-emr.jar).")
  Path jar;

  @Option(names = "--config", paramLabel = "FILE", description = "aggregations.json to deploy (default: none).")
  Path config;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (S3Client s3 = S3Client.create()) {
      ArtifactStore store = new ArtifactStore(s3, S3Uri.bucketOrUri(aws.artifacts()));
      ArtifactStore.Artifact jarArtifact = store.upload(jar != null ? jar : AwsOptions.defaultJar(), ArtifactStore.JARS_PREFIX, "trip-lake", ".jar");
      report(out, store, jarArtifact, ArtifactStore.DAG_JAR);
      if (config != null) {
        report(out, store, store.upload(config, ArtifactStore.CONF_PREFIX, "aggregations", ".json"), ArtifactStore.DAG_AGGREGATIONS);
      }
    }
    out.flush();
    return 0;
  }

  private static void report(PrintWriter out, ArtifactStore store, ArtifactStore.Artifact artifact, String fixedKey) {
    out.println((artifact.uploaded() ? "Uploaded " : "In place ") + artifact.uri() + " (" + artifact.bytes() + " bytes)");
    boolean copied = store.publish(artifact, fixedKey);
    out.println((copied ? "Published as " : "Unchanged ") + store.root().resolve(fixedKey));
  }
}
