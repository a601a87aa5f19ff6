package io.triplake.lake;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The job contract shared with the Airflow DAGs and Terraform: each job's default driver and
 * executor sizes and execution timeout, the layout of the artifacts bucket, and the {@code --as-of}
 * formats.
 *
 * <p>Its one home is {@code airflow-dags/dags/job-contract.json}: it must sit among the DAGs, the
 * only part of the repository MWAA sees. lake-common's build copies that file onto the classpath
 * ({@link #RESOURCE}), so the jar a job runs carries the contract it was built with, and nothing in
 * Java repeats its values.
 *
 * @param jobs job name (register, aggregate, ingest, maintain, report, in that order) to its
 *     defaults
 */
@JsonIgnoreProperties("$comment")
public record JobContract(Map<String, Job> jobs, Artifacts artifacts, AsOf asOf) {
  /** Where the build puts the contract on the classpath. */
  public static final String RESOURCE = "/io/triplake/lake/job-contract.json";

  // Missing or misspelt fields fail the load instead of reading as null or 0.
  private static final ObjectMapper READER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
          .build();

  /**
   * Driver and executor sizes and {@code executionTimeoutMinutes} of a job run: the contract's
   * defaults of one job, or a submission's own. Checked on construction, so that a size the service
   * would refuse or round up fails before anything is uploaded: each must fit an EMR Serverless
   * worker ({@link Worker#of}), the timeout must be one EMR Serverless accepts.
   */
  @JsonIgnoreProperties("$comment")
  public record Job(
      int driverCores,
      String driverMemory,
      int executorCores,
      String executorMemory,
      int maxExecutors,
      int timeoutMinutes) {
    public Job {
      Worker.of(driverCores, driverMemory, "driver");
      Worker.of(executorCores, executorMemory, "executor");
      if (maxExecutors < 1) {
        throw new IllegalArgumentException(
            "Cannot size job: max_executors must be at least 1 (" + maxExecutors + ")");
      }
      if (timeoutMinutes < 5) {
        throw new IllegalArgumentException(
            "Cannot size job: EMR Serverless needs a timeout of at least 5 minutes ("
                + timeoutMinutes
                + ")");
      }
    }

    /** The worker EMR Serverless bills for the driver of each job run. */
    public Worker driverWorker() {
      return Worker.of(driverCores, driverMemory, "driver");
    }

    /** The worker EMR Serverless bills for each executor. */
    public Worker executorWorker() {
      return Worker.of(executorCores, executorMemory, "executor");
    }
  }

  /**
   * One EMR Serverless worker as it is billed: its vCPU and its memory in GB.
   *
   * <p>EMR Serverless runs a Spark driver or executor in a worker that holds the JVM's heap ({@code
   * spark.driver.memory}, {@code spark.executor.memory}) plus Spark's memory overhead (10 % of the
   * heap, at least 384 MB), rounded up to a size it offers for that many vCPU ("Supported worker
   * configurations"): 1 vCPU 2-8 GB, 2 vCPU 4-16 GB, 4 vCPU 8-30 GB in 1 GB steps, 8 vCPU 16-60 GB
   * in 4 GB steps, 16 vCPU 32-120 GB in 8 GB steps. A heap below the minimum is billed at the
   * minimum; one whose overhead does not fit the maximum cannot start.
   *
   * @param vcpu vCPU of the worker
   * @param memoryGb memory billed, in GB
   */
  public record Worker(int vcpu, int memoryGb) {
    /** Spark's default {@code memoryOverheadFactor} and its floor ({@code 384m}). */
    static final double OVERHEAD_FACTOR = 0.10;

    static final int OVERHEAD_MIN_MB = 384;

    private static final Pattern MEMORY = Pattern.compile("[1-9][0-9]*g");

    /**
     * The worker for a Spark process of {@code cores} and {@code memory} (like {@code 7g}), or an
     * error naming {@code role}'s settings when EMR Serverless has no such worker.
     */
    public static Worker of(int cores, String memory, String role) {
      int[] range =
          switch (cores) {
            case 1 -> new int[] {2, 8, 1};
            case 2 -> new int[] {4, 16, 1};
            case 4 -> new int[] {8, 30, 1};
            case 8 -> new int[] {16, 60, 4};
            case 16 -> new int[] {32, 120, 8};
            default ->
                throw new IllegalArgumentException(
                    "Cannot size job: "
                        + role
                        + "_cores must be 1, 2, 4, 8 or 16, the vCPU of an EMR Serverless worker ("
                        + cores
                        + ")");
          };
      if (memory == null || !MEMORY.matcher(memory).matches()) {
        throw new IllegalArgumentException(
            "Cannot size job: " + role + "_memory must be whole GB like 7g (" + memory + ")");
      }
      long heapMb = Long.parseLong(memory.substring(0, memory.length() - 1)) * 1024;
      long overheadMb = Math.max((long) (heapMb * OVERHEAD_FACTOR), OVERHEAD_MIN_MB);
      long neededGb = ceilDiv(heapMb + overheadMb, 1024);
      long step = range[2];
      long billedGb = Math.max(range[0], ceilDiv(neededGb, step) * step);
      if (billedGb > range[1]) {
        throw new IllegalArgumentException(
            "Cannot size job: "
                + role
                + "_memory "
                + memory
                + " plus Spark's overhead needs "
                + neededGb
                + " GB, more than the largest worker of "
                + cores
                + " vCPU ("
                + range[1]
                + " GB)");
      }
      return new Worker(cores, (int) billedGb);
    }

    // Math.ceilDiv is Java 18.
    private static long ceilDiv(long x, long y) {
      return (x + y - 1) / y;
    }
  }

  /**
   * Keys in the artifacts bucket: the upload prefixes and the fixed keys the DAGs pass to the jobs.
   */
  @JsonIgnoreProperties("$comment")
  public record Artifacts(
      String jarsPrefix,
      String confPrefix,
      String jobJar,
      String catalogConf,
      String aggregationsConf) {}

  /**
   * The {@code --as-of} formats: a snapshot id or an ISO-8601 time with {@code Z} or an offset.
   *
   * @param pattern the syntax, as the DAGs' {@code as_of} param checks it (a JSON-schema pattern)
   * @param accepted values both the job and the DAGs accept (the tests run them)
   * @param refused values both refuse
   */
  @JsonIgnoreProperties("$comment")
  public record AsOf(String pattern, List<String> accepted, List<String> refused) {
    public AsOf {
      accepted = List.copyOf(accepted);
      refused = List.copyOf(refused);
    }

    /**
     * Whether {@code text} has the syntax of the pattern (the whole text, as the DAG param's
     * check).
     */
    public boolean matches(String text) {
      return Pattern.compile(pattern).matcher(text).matches();
    }
  }

  public JobContract {
    jobs = Collections.unmodifiableMap(new LinkedHashMap<>(jobs));
  }

  /** The contract on the classpath, read once. */
  public static JobContract load() {
    return Loaded.CONTRACT;
  }

  /** The defaults of {@code job}, or an error that names the jobs there are. */
  public Job job(String name) {
    Job job = jobs.get(name);
    if (job == null) {
      throw new IllegalArgumentException(
          "Cannot size job: unknown job, expected one of " + jobs.keySet() + " (" + name + ")");
    }
    return job;
  }

  static JobContract read(InputStream json) {
    try {
      return READER.readValue(json, JobContract.class);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read the job contract " + RESOURCE + ": " + e.getMessage(), e);
    }
  }

  /**
   * Holder: the file is read on the first {@link #load()}, so that {@link #read} works without it.
   */
  private static final class Loaded {
    static final JobContract CONTRACT = readResource();

    private static JobContract readResource() {
      try (InputStream in = JobContract.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "Cannot read the job contract: "
                  + RESOURCE
                  + " is not on the classpath "
                  + "(lake-common's build copies it from airflow-dags/dags/job-contract.json)");
        }
        return read(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
