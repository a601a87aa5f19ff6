package io.triplake.emr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.emrserverless.model.Application;
import software.amazon.awssdk.services.emrserverless.model.GetApplicationRequest;
import software.amazon.awssdk.services.emrserverless.model.GetApplicationResponse;
import software.amazon.awssdk.services.emrserverless.model.StartJobRunRequest;
import software.amazon.awssdk.services.emrserverless.model.StartJobRunResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Hand-written fakes of the two AWS clients a submission calls, for what a job run is started with
 * (the calls against an emulator: aws-it's {@code TestSubmit}).
 */
final class FakeAws {
  private FakeAws() {}

  /** An application on {@code releaseLabel} that records the job runs it is asked to start. */
  static final class EmrServerless implements EmrServerlessClient {
    final List<StartJobRunRequest> started = new ArrayList<>();
    private final String releaseLabel;

    EmrServerless(String releaseLabel) {
      this.releaseLabel = releaseLabel;
    }

    @Override
    public GetApplicationResponse getApplication(GetApplicationRequest request) {
      return GetApplicationResponse.builder()
          .application(
              Application.builder()
                  .applicationId(request.applicationId())
                  .releaseLabel(releaseLabel)
                  .build())
          .build();
    }

    @Override
    public StartJobRunResponse startJobRun(StartJobRunRequest request) {
      started.add(request);
      return StartJobRunResponse.builder()
          .applicationId(request.applicationId())
          .jobRunId("job-run-" + started.size())
          .build();
    }

    @Override
    public String serviceName() {
      return SERVICE_NAME;
    }

    @Override
    public void close() {}
  }

  /** Buckets in memory: object keys ({@code bucket/key}) and their metadata. */
  static final class S3 implements S3Client {
    final Map<String, Map<String, String>> objects = new LinkedHashMap<>();

    @Override
    public HeadObjectResponse headObject(HeadObjectRequest request) {
      Map<String, String> metadata = objects.get(request.bucket() + "/" + request.key());
      if (metadata == null) {
        throw NoSuchKeyException.builder().statusCode(404).message("no such key").build();
      }
      return HeadObjectResponse.builder().metadata(metadata).build();
    }

    @Override
    public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
      objects.put(request.bucket() + "/" + request.key(), Map.copyOf(request.metadata()));
      return PutObjectResponse.builder().build();
    }

    @Override
    public String serviceName() {
      return SERVICE_NAME;
    }

    @Override
    public void close() {}
  }
}
