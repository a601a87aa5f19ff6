package io.triplake.awsit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.emrserverless.model.StartJobRunRequest;

/**
 * Records every EMR Serverless StartJobRun request any SDK client of this JVM sends, including the
 * ones the code under test builds itself. A global SDK interceptor, listed in {@code
 * software/amazon/awssdk/global/handlers/execution.interceptors} (the SDK's own mechanism). moto
 * keeps the request but does not return all of it (the client token), so the tests read it here.
 */
public final class RecordingInterceptor implements ExecutionInterceptor {
  private static final List<StartJobRunRequest> START_JOB_RUNS = new CopyOnWriteArrayList<>();

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    if (context.request() instanceof StartJobRunRequest request) {
      START_JOB_RUNS.add(request);
    }
  }

  public static List<StartJobRunRequest> startJobRuns() {
    return List.copyOf(START_JOB_RUNS);
  }

  public static void clear() {
    START_JOB_RUNS.clear();
  }
}
