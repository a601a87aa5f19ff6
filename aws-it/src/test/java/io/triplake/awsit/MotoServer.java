package io.triplake.awsit;

import io.triplake.bench.s3.MotoServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * moto's server on a free loopback port, for one test class ({@code @RegisterExtension static}):
 * started before the class, stopped after it. It is {@code .cache/venv-moto} (aws-it/setup.sh)
 * running {@code src/test/python/moto_server_for_tests.py}, moto's own server with a switch for EMR
 * Serverless job run states ({@link #nextJobRunState}), started by {@link MotoServerProcess} (which
 * finds it, or says how to install it).
 *
 * <p>The test JVM talks to it as any AWS client would be configured from outside: JVM system
 * properties for credentials, region and the SDK's checksum mode ({@link
 * MotoServerProcess#SDK_PROPERTIES}).
 */
public final class MotoServer implements BeforeAllCallback, AfterAllCallback {
  public static final String ACCOUNT_ID = MotoServerProcess.ACCOUNT_ID;
  public static final Region REGION = MotoServerProcess.REGION;

  private MotoServerProcess process;
  private Path stateFile;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Path root = repoRoot();
    Path python = MotoServerProcess.locate(root).resolveSibling("python");
    Path script = root.resolve("aws-it/src/test/python/moto_server_for_tests.py");
    stateFile = Files.createTempFile("moto-job-state", ".txt");
    Files.delete(stateFile);
    process =
        MotoServerProcess.start(
            List.of(python.toString(), script.toString()),
            Map.of("TRIP_LAKE_MOTO_JOB_STATE_FILE", stateFile.toString()));
    MotoServerProcess.SDK_PROPERTIES.forEach(System::setProperty);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    MotoServerProcess.SDK_PROPERTIES.keySet().forEach(System::clearProperty);
    System.clearProperty("aws.endpointUrl");
    System.clearProperty("aws.endpointUrlS3");
    if (process != null) {
      process.close();
    }
    Files.deleteIfExists(stateFile);
  }

  public String endpoint() {
    return process.endpoint();
  }

  /** The server process's CPU time so far ({@link MotoServerProcess#cpuNanos}). */
  public long cpuNanos() {
    return process.cpuNanos();
  }

  /** The state the next EMR Serverless job runs start in; null: moto's SUCCESS. */
  public void nextJobRunState(String state, String details) {
    try {
      if (state == null) {
        Files.deleteIfExists(stateFile);
      } else {
        Files.writeString(stateFile, state + "\n" + (details == null ? "" : details) + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public S3Client s3() {
    return MotoServerProcess.s3(endpoint());
  }

  public GlueClient glue() {
    return MotoServerProcess.glue(endpoint());
  }

  /** The repository root ({@link MotoServerProcess#repoRoot}). */
  public static Path repoRoot() {
    return MotoServerProcess.repoRoot();
  }
}
