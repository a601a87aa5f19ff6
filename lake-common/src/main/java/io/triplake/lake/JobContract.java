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
 * The job contract shared with the Airflow DAGs and Terraform: each job's default executor size and
 * execution timeout, the layout of the artifacts bucket, and the {@code --as-of} formats.
 *
 * <p>Its one home is {@code airflow-dags/dags/job-contract.json}: it must sit among the DAGs, the
 * only part of the repository MWAA sees. lake-common's build copies that file onto the classpath
 * ({@link #RESOURCE}), so the jar a job runs carries the contract it was built with, and nothing in
 * Java repeats its values.
 *
 * @param jobs job name (register, aggregate, maintain, in that order) to its defaults
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

  /** Default executor size and {@code executionTimeoutMinutes} of one job's job runs. */
  @JsonIgnoreProperties("$comment")
  public record Job(
      int executorCores, String executorMemory, int maxExecutors, int timeoutMinutes) {}

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
