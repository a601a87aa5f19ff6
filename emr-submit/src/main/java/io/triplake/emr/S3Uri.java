package io.triplake.emr;

import java.util.Locale;

/** An {@code s3://bucket/key} location. */
public record S3Uri(String bucket, String key) {
  public static S3Uri parse(String uri) {
    if (uri == null || !uri.toLowerCase(Locale.ROOT).startsWith("s3://")) {
      throw new IllegalArgumentException("Cannot use S3 location: not an s3:// URI (" + uri + ")");
    }
    String rest = uri.substring(5);
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    if (bucket.isEmpty()) {
      throw new IllegalArgumentException("Cannot use S3 location: no bucket (" + uri + ")");
    }
    return new S3Uri(bucket, slash < 0 ? "" : rest.substring(slash + 1));
  }

  /**
   * The artifacts bucket given as a name ({@code trip-lake-artifacts}) or URI ({@code
   * s3://trip-lake-artifacts/}).
   */
  public static S3Uri bucketOrUri(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("Cannot use S3 location: it is empty (" + value + ")");
    }
    return value.contains("://") ? parse(value) : new S3Uri(value, "");
  }

  /** This location as a prefix ending in {@code /} (or empty), with {@code child} appended. */
  public S3Uri resolve(String child) {
    String prefix = key.isEmpty() || key.endsWith("/") ? key : key + "/";
    return new S3Uri(bucket, prefix + child);
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }
}
