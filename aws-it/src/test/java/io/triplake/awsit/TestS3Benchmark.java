package io.triplake.awsit;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.bench.FleetGenerator;
import io.triplake.bench.S3Benchmark;
import io.triplake.bench.S3Benchmark.Phase;
import io.triplake.bench.s3.CountingProxy;
import io.triplake.bench.s3.RequestKinds;
import io.triplake.bench.s3.Traffic;
import io.triplake.lake.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code bench s3} against moto's server: the proxy counts what the SDK really sends (a hand-made
 * sequence of requests, counted exactly), and the benchmark on a tiny fleet reports counts that
 * make sense whatever the timings: every raw file read at least once, nothing written to the raw
 * bucket, commits in the warehouse.
 */
class TestS3Benchmark {
  @RegisterExtension static final MotoServer MOTO = new MotoServer();

  private static Path temp;
  private static SparkSession spark;
  private static S3Benchmark.Result result;

  @BeforeAll
  static void runTheBenchmarkOnATinyFleet() throws IOException {
    temp = Files.createTempDirectory("trip-lake-s3-bench");
    FleetGenerator.Options base = FleetGenerator.Options.of(1, 1, 3);
    FleetGenerator.Options tiny =
        new FleetGenerator.Options(1, 1, base.firstDay(), 3, 2, 2, 2, base.splitMinutes(), 0);
    System.setProperty("spark.master", "local[2]");
    // No latency: the counts do not depend on it, and the test should not wait for it.
    result =
        S3Benchmark.run(
            temp,
            new S3Benchmark.Options(tiny, Duration.ZERO, 4),
            MOTO.endpoint(),
            MOTO::cpuNanos,
            lake -> {
              spark = lake.spark("aws-it bench s3");
              spark.conf().set("spark.sql.shuffle.partitions", "4");
              return spark;
            });
  }

  @AfterAll
  static void stop() throws IOException {
    if (spark != null) {
      spark.stop();
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    System.clearProperty("spark.master");
    if (temp != null) {
      try (Stream<Path> files = Files.walk(temp)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void theProxyCountsExactlyWhatTheSdkSends() throws IOException {
    try (CountingProxy proxy =
            CountingProxy.start(
                URI.create(MOTO.endpoint()),
                Duration.ZERO,
                RequestKinds.s3(Map.of("counted", "raw")));
        S3Client s3 = io.triplake.bench.s3.MotoServerProcess.s3(proxy.endpoint())) {
      s3.createBucket(b -> b.bucket("counted"));
      for (String key : List.of("a/1.parquet", "a/2.parquet", "b/3.parquet")) {
        s3.putObject(b -> b.bucket("counted").key(key), RequestBody.fromString("0123456789" + key));
      }
      assertThat(s3.listObjectsV2(b -> b.bucket("counted").prefix("a/")).contents()).hasSize(2);
      assertThat(s3.headObject(b -> b.bucket("counted").key("a/1.parquet")).contentLength())
          .isEqualTo(21);
      assertThat(
              s3.getObjectAsBytes(b -> b.bucket("counted").key("a/2.parquet"))
                  .asString(StandardCharsets.UTF_8))
          .isEqualTo("0123456789a/2.parquet");
      assertThat(
              s3.getObjectAsBytes(b -> b.bucket("counted").key("b/3.parquet").range("bytes=5-9"))
                  .asString(StandardCharsets.UTF_8))
          .isEqualTo("56789");
      s3.deleteObject(b -> b.bucket("counted").key("b/3.parquet"));

      Traffic traffic = proxy.reset();
      assertThat(traffic.requests("raw", RequestKinds.PUT))
          .as("the bucket and three objects")
          .isEqualTo(4);
      assertThat(traffic.requests("raw", RequestKinds.LIST)).isEqualTo(1);
      assertThat(traffic.requests("raw", RequestKinds.HEAD)).isEqualTo(1);
      Traffic.Tally gets = traffic.tally("raw", RequestKinds.GET);
      assertThat(gets.requests()).isEqualTo(2);
      assertThat(gets.rangeRequests()).isEqualTo(1);
      assertThat(gets.bodyBytes()).isEqualTo(21 + 5);
      assertThat(gets.rangeBodyBytes()).isEqualTo(5);
      assertThat(traffic.requests("raw", RequestKinds.DELETE)).isEqualTo(1);
      assertThat(traffic.total("raw").requests()).isEqualTo(9);
      assertThat(traffic.groups().keySet()).containsExactly("raw");
      assertThat(proxy.failures()).isZero();
    }
  }

  @Test
  void registrationReadsEveryRawFileAndWritesOnlyTheWarehouse() {
    Phase register = result.register();
    assertThat(result.rawFiles()).isPositive();
    assertThat(register.s3().requests(S3Benchmark.RAW, RequestKinds.GET))
        .as("each footer read at least once")
        .isGreaterThanOrEqualTo(result.rawFiles());
    assertThat(register.s3().requests(S3Benchmark.RAW, RequestKinds.LIST)).isPositive();
    assertThat(register.s3().requests(S3Benchmark.WAREHOUSE, RequestKinds.PUT))
        .as("table metadata")
        .isPositive();
    // The generator writes five messages: one raw table each, created through Glue, and the
    // rejected-files table beside them.
    assertThat(register.glue().requests(RequestKinds.GLUE, "CreateTable")).isEqualTo(6);
    assertThat(register.s3().tally(S3Benchmark.RAW, RequestKinds.GET).bodyBytes())
        .isLessThan(result.rawBytes());
  }

  @Test
  void registrationsCpuIsSplitBetweenTheJobTheProxiesAndTheEmulator() {
    Phase register = result.register();
    // Every raw GET went through the proxy and was answered by moto: both used CPU for it, and the
    // job's share is what is left of this JVM's.
    assertThat(register.proxyCpuSeconds()).isPositive().isLessThan(register.cpuSeconds());
    assertThat(register.emulatorCpuSeconds()).isPositive();
    assertThat(register.jobCpuSeconds())
        .isEqualTo(register.cpuSeconds() - register.proxyCpuSeconds());
    assertThat(result.measured().registerCpuSecondsPerFile())
        .as("the cost model prices the job's CPU, not the benchmark's proxies")
        .isEqualTo(register.jobCpuSeconds() / result.rawFiles());
    assertThat(result.summary()).contains("its CPU per file: the job", "bounds on");
  }

  @Test
  void aggregationReadsEveryFileItUsesAndWritesOnlyTheWarehouse() {
    assertThat(result.aggregateFilesRead()).isEqualTo(result.rawFiles());
    assertThat(result.rows()).isPositive();
    assertThat(result.summaryTrips()).isPositive();
    for (Phase phase : List.of(result.aggregate(), result.rerun())) {
      assertThat(phase.s3().requests(S3Benchmark.RAW, RequestKinds.GET))
          .as(phase.name())
          .isGreaterThanOrEqualTo(result.aggregateFilesRead());
      assertThat(
              phase.s3().requests(S3Benchmark.WAREHOUSE, RequestKinds.PUT)
                  + phase.s3().requests(S3Benchmark.WAREHOUSE, RequestKinds.POST))
          .as(phase.name() + ": tripsummary's files and metadata")
          .isPositive();
    }
  }

  @Test
  void nothingIsEverWrittenToTheRawBucketNorLost() {
    for (Phase phase : List.of(result.register(), result.aggregate(), result.rerun())) {
      for (String kind : List.of(RequestKinds.PUT, RequestKinds.POST, RequestKinds.DELETE)) {
        assertThat(phase.s3().requests(S3Benchmark.RAW, kind))
            .as("%s %s", phase.name(), kind)
            .isZero();
      }
      assertThat(phase.s3().groups().keySet())
          .as(phase.name())
          .containsOnly(S3Benchmark.RAW, S3Benchmark.WAREHOUSE);
    }
    assertThat(result.proxyFailures()).as("%s", result.proxyFailureMessages()).isZero();
  }

  @Test
  void theCostTableCoversTheFleetSizesFromTheMeasuredFigures() {
    assertThat(result.costs()).extracting(e -> e.devices()).containsExactly(1, 100, 500, 1000);
    assertThat(result.costs())
        .extracting(e -> e.totalDollars())
        .isSorted()
        .allSatisfy(t -> assertThat(t).isPositive());
    assertThat(result.measured().registerRawPerFile().get())
        .isEqualTo(
            result.register().s3().requests(S3Benchmark.RAW, RequestKinds.GET)
                / (double) result.rawFiles());
    assertThat(result.summary())
        .contains("Cost per day", "500 devices:", "aggregate: executor work");
    assertThat(Json.write(result)).contains("\"registerRawPerFile\"", "\"rangeRequests\"");
  }
}
