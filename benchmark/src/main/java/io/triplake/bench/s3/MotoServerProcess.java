package io.triplake.bench.s3;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * moto's server (S3, Glue, EMR Serverless over HTTP) as a child process on a free loopback port:
 * for the S3 benchmark and the AWS integration tests. {@code .cache/venv-moto} (aws-it/setup.sh)
 * provides it; {@code MOTO_SERVER} may name another {@code moto_server}.
 */
public final class MotoServerProcess implements AutoCloseable {
  public static final String ACCOUNT_ID = "123456789012";
  public static final Region REGION = Region.US_EAST_1;
  private static final String CREDENTIAL = "testing";

  /**
   * What every SDK client of a JVM that talks to the emulator needs, as JVM system properties (the
   * SDK reads them like the AWS_* environment variables): test credentials, the region, and the
   * SDK's request checksums only when required, because emulators reject the default ones
   * (DESIGN-NOTES).
   */
  public static final Map<String, String> SDK_PROPERTIES =
      Map.of(
          "aws.accessKeyId",
          CREDENTIAL,
          "aws.secretAccessKey",
          CREDENTIAL,
          "aws.region",
          REGION.id(),
          "aws.requestChecksumCalculation",
          "WHEN_REQUIRED",
          "aws.responseChecksumValidation",
          "WHEN_REQUIRED");

  private final Process process;
  private final int port;
  private final Path log;

  private MotoServerProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * The repository root: {@code trip-lake.home} (set by the launcher), else the first folder at or
   * above the working directory that holds aws-it and sample-data (tests run inside a module).
   */
  public static Path repoRoot() {
    String home = System.getProperty("trip-lake.home");
    if (home != null) {
      return Path.of(home);
    }
    Path dir = Path.of("").toAbsolutePath();
    List<Path> tried = new ArrayList<>();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve("aws-it"))
          && Files.isDirectory(dir.resolve("sample-data"))) {
        return dir;
      }
      tried.add(dir);
      dir = dir.getParent();
    }
    throw new IllegalStateException("Cannot find the repository root above " + tried);
  }

  /**
   * The {@code moto_server} to run: {@code MOTO_SERVER} if set, else {@code
   * <repo>/.cache/venv-moto/bin/moto_server}; fails saying how to install it when it is not there.
   */
  public static Path locate(Path repoRoot) {
    String configured = System.getenv("MOTO_SERVER");
    Path motoServer =
        configured != null
            ? Path.of(configured)
            : repoRoot.resolve(".cache/venv-moto/bin/moto_server");
    if (!Files.isExecutable(motoServer)
        || !Files.isExecutable(motoServer.resolveSibling("python"))) {
      throw new IllegalStateException(
          "Cannot start moto's server: "
              + motoServer
              + " not found. Install it with `bash aws-it/setup.sh` (creates .cache/venv-moto from"
              + " aws-it/requirements.txt), or set MOTO_SERVER to a moto_server of moto[server]"
              + " 5.2.x with python next to it.");
    }
    return motoServer;
  }

  /**
   * Starts {@code command} (moto_server, or a Python script that runs moto's server) with {@code -H
   * 127.0.0.1 -p PORT} appended and {@code environment} added, and waits until it answers.
   */
  public static MotoServerProcess start(List<String> command, Map<String, String> environment)
      throws IOException {
    int port = freePort();
    Path log = Files.createTempFile("moto-server", ".log");
    List<String> full = new ArrayList<>(command);
    full.addAll(List.of("-H", "127.0.0.1", "-p", String.valueOf(port)));
    ProcessBuilder builder =
        new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    MotoServerProcess moto = new MotoServerProcess(builder.start(), port, log);
    try {
      moto.waitUntilUp(Duration.ofSeconds(60));
    } catch (IOException | RuntimeException e) {
      moto.close();
      throw e;
    }
    return moto;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * CPU time the server process has used so far (user and system, all its threads), or -1 where the
   * operating system does not tell.
   */
  public long cpuNanos() {
    return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }

  /** An S3 client straight to moto (path-style, test credentials, checksums only when required). */
  public static S3Client s3(String endpoint) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(REGION)
        .forcePathStyle(true)
        .credentialsProvider(credentials())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
  }

  /** A Glue client straight to moto. */
  public static GlueClient glue(String endpoint) {
    return GlueClient.builder()
        .endpointOverride(URI.create(endpoint))
        .region(REGION)
        .credentialsProvider(credentials())
        .build();
  }

  private static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(CREDENTIAL, CREDENTIAL));
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private void waitUntilUp(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Cannot start moto's server: it exited with "
                + process.exitValue()
                + ":\n"
                + Files.readString(log));
      }
      try {
        HttpURLConnection c =
            (HttpURLConnection) URI.create(endpoint() + "/moto-api/").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while waiting for moto's server", e);
      }
    }
    throw new IllegalStateException(
        "Cannot start moto's server: no answer on "
            + endpoint()
            + " within "
            + timeout
            + ":\n"
            + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
