package io.triplake.bench.s3;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What kind of request an HTTP request to S3 or Glue is, by the lines S3 bills separately: {@code
 * GET} (objects and bucket sub-resources), {@code HEAD}, {@code LIST} (ListObjects, ListObjectsV2,
 * ListBuckets, ListMultipartUploads, ListParts), {@code PUT} (PutObject, UploadPart, CopyObject,
 * CreateBucket), {@code POST} (CreateMultipartUpload, CompleteMultipartUpload), {@code DELETE}
 * (DeleteObject and DeleteObjects, which is a POST {@code ?delete}), {@code OTHER}. The group is
 * the role of the bucket named by the path's first segment (requests are path-style, as S3FileIO
 * sends them to an emulator).
 */
public final class RequestKinds {
  public static final String GET = "GET";
  public static final String HEAD = "HEAD";
  public static final String LIST = "LIST";
  public static final String PUT = "PUT";
  public static final String POST = "POST";
  public static final String DELETE = "DELETE";
  public static final String OTHER = "OTHER";

  /** The S3 kinds in the order reports list them. */
  public static final List<String> S3_KINDS = List.of(GET, HEAD, LIST, PUT, POST, DELETE, OTHER);

  /**
   * Group of the requests to buckets that have no role, and of requests to no bucket (ListBuckets).
   */
  public static final String OTHER_BUCKETS = "other";

  /**
   * Group of Glue's requests; their kind is the operation ({@code GetTable}, {@code UpdateTable},
   * ...).
   */
  public static final String GLUE = "glue";

  private static final Set<String> LISTING_PARAMETERS =
      Set.of(
          "list-type",
          "prefix",
          "delimiter",
          "marker",
          "continuation-token",
          "start-after",
          "versions",
          "uploads",
          "max-keys");

  private RequestKinds() {}

  /** Group and kind of one request. */
  public record Key(String group, String kind) {}

  /** Classifies one request line and its headers (names lower case). */
  @FunctionalInterface
  public interface Classifier {
    Key classify(String method, String target, Map<String, String> headers);
  }

  /** S3 requests, grouped by the role of their bucket ({@code bucket name -> role}). */
  public static Classifier s3(Map<String, String> bucketRoles) {
    Map<String, String> roles = Map.copyOf(bucketRoles);
    return (method, target, headers) -> {
      int q = target.indexOf('?');
      String path = q < 0 ? target : target.substring(0, q);
      Set<String> query =
          q < 0
              ? Set.of()
              : Arrays.stream(target.substring(q + 1).split("&"))
                  .map(p -> p.contains("=") ? p.substring(0, p.indexOf('=')) : p)
                  .filter(p -> !p.isEmpty())
                  .collect(Collectors.toSet());
      String trimmed = path.startsWith("/") ? path.substring(1) : path;
      int slash = trimmed.indexOf('/');
      String bucket = slash < 0 ? trimmed : trimmed.substring(0, slash);
      boolean object = slash >= 0 && slash < trimmed.length() - 1;
      String group = roles.getOrDefault(bucket, OTHER_BUCKETS);
      return new Key(group, s3Kind(method, bucket.isEmpty(), object, query));
    };
  }

  private static String s3Kind(String method, boolean service, boolean object, Set<String> query) {
    switch (method) {
      case "GET":
        if (service) {
          return LIST;
        }
        if (object) {
          return query.contains("uploadId") ? LIST : GET;
        }
        return query.isEmpty() || query.stream().anyMatch(LISTING_PARAMETERS::contains)
            ? LIST
            : GET;
      case "HEAD":
        return HEAD;
      case "PUT":
        return PUT;
      case "POST":
        return query.contains("delete") ? DELETE : POST;
      case "DELETE":
        return DELETE;
      default:
        return OTHER;
    }
  }

  /**
   * Glue's JSON protocol: the operation is the {@code X-Amz-Target} header's last part ({@code
   * AWSGlue.GetTable}).
   */
  public static Classifier glue() {
    return (method, target, headers) -> {
      String op = headers.getOrDefault("x-amz-target", OTHER);
      return new Key(GLUE, op.substring(op.lastIndexOf('.') + 1));
    };
  }
}
