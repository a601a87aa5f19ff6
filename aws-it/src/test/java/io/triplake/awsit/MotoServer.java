package io.triplake.awsit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * moto's server on a free loopback port, for one test class ({@code @RegisterExtension static}): started
 * before the class, stopped after it. It is {@code .cache/venv-moto} (aws-it/setup.sh) running
 * {@code src/test/python/moto_server_for_tests.py}, moto's own server with a switch for EMR Serverless job
 * run states ({@link #nextJobRunState}). {@code MOTO_SERVER} may name another {@code moto_server}; the
 * Python next to it runs the script. Missing: the test fails, saying how to install it.
 *
 * <p>The test JVM talks to it as any AWS client would be configured from outside: JVM system properties
 * for credentials, region and the SDK's checksum mode ({@link #configureSdkDefaults}).
 */
public final class MotoServer implements BeforeAllCallback, AfterAllCallback {
  public static final String ACCOUNT_ID = "123456789012";
  public static final Region REGION = Region.US_EAST_1;

  private Process process;
  private int port;
  private Path stateFile;
  private Path log;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Path root = repoRoot();
    Path motoServer = System.getenv("MOTO_SERVER") != null ? Path.of(System.getenv("MOTO_SERVER"))
        : root.resolve(".cache/venv-moto/bin/moto_server");
    Path python = motoServer.resolveSibling("python");
    if (!Files.isExecutable(motoServer) || !Files.isExecutable(python)) {
      throw new IllegalStateException("Cannot start moto's server: " + motoServer + " not found. Install it with "
          + "`bash aws-it/setup.sh` (creates .cache/venv-moto from aws-it/requirements.txt), or set MOTO_SERVER "
          + "to a moto_server of moto[server] 5.2.x with python next to it.");
    }
    Path script = root.resolve("aws-it/src/test/python/moto_server_for_tests.py");
    port = freePort();
    stateFile = Files.createTempFile("moto-job-state", ".txt");
    Files.delete(stateFile);
    log = Files.createTempFile("moto-server", ".log");
    ProcessBuilder builder = new ProcessBuilder(List.of(python.toString(), script.toString(), "-H", "127.0.0.1", "-p", String.valueOf(port)))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("TRIP_LAKE_MOTO_JOB_STATE_FILE", stateFile.toString());
    process = builder.start();
    waitUntilUp(Duration.ofSeconds(60));
    configureSdkDefaults();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (String key : List.of("aws.accessKeyId", "aws.secretAccessKey", "aws.region", "aws.requestChecksumCalculation",
        "aws.responseChecksumValidation", "aws.endpointUrl", "aws.endpointUrlS3")) {
      System.clearProperty(key);
    }
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
    Files.deleteIfExists(stateFile);
    Files.deleteIfExists(log);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * Credentials, region and checksum mode of every SDK client in this JVM, as a user sets them outside
   * the code (the SDK reads these system properties like the AWS_* environment variables). Emulators
   * reject the SDK's default request checksums (DESIGN-NOTES), hence WHEN_REQUIRED.
   */
  private void configureSdkDefaults() {
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
    System.setProperty("aws.region", REGION.id());
    System.setProperty("aws.requestChecksumCalculation", "WHEN_REQUIRED");
    System.setProperty("aws.responseChecksumValidation", "WHEN_REQUIRED");
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
    return S3Client.builder().endpointOverride(URI.create(endpoint())).region(REGION).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
  }

  public GlueClient glue() {
    return GlueClient.builder().endpointOverride(URI.create(endpoint())).region(REGION)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .build();
  }

  private void waitUntilUp(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Cannot start moto's server: it exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/moto-api/").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    process.destroyForcibly();
    throw new IllegalStateException("Cannot start moto's server: no answer on " + endpoint() + " within " + timeout + ":\n" + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The repository root: the folder above this module that holds sample-data. */
  public static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    List<Path> tried = new ArrayList<>();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve("aws-it")) && Files.isDirectory(dir.resolve("sample-data"))) {
        return dir;
      }
      tried.add(dir);
      dir = dir.getParent();
    }
    throw new IllegalStateException("Cannot find the repository root above " + tried);
  }
}
