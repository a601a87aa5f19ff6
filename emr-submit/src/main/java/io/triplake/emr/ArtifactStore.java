package io.triplake.emr;

import io.triplake.lake.JobContract;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The artifacts bucket: job jars under {@code jars/}, configuration under {@code conf/}, each
 * uploaded beside its fixed key under a key that carries its content hash ({@code
 * jars/trip-lake-<sha256:16>.jar}), so an unchanged file is never uploaded twice and a job run
 * always names the exact bytes it runs. {@link #publish} copies such an object to the fixed key the
 * Airflow DAG reads ({@code jars/trip-lake.jar}). The layout is the job contract's ({@link
 * JobContract.Artifacts}, shared with the DAGs and Terraform).
 */
public final class ArtifactStore {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactStore.class);

  /** User metadata with the SHA-256 of the object's content. */
  public static final String SHA256_METADATA = "trip-lake-sha256";

  /** The fixed keys the DAGs pass to every job run, from the job contract. */
  public static final String DAG_JAR = JobContract.load().artifacts().jobJar();

  public static final String DAG_AGGREGATIONS = JobContract.load().artifacts().aggregationsConf();

  /**
   * The catalog properties Terraform writes; the default {@code --catalog-conf} of every job run.
   */
  public static final String CATALOG_CONF = JobContract.load().artifacts().catalogConf();

  private static final int HASH_CHARS = 16;

  private final S3Client s3;
  private final S3Uri root;

  /** One stored artifact, and whether this call wrote it. */
  public record Artifact(String uri, String sha256, long bytes, boolean uploaded) {}

  public ArtifactStore(S3Client s3, S3Uri root) {
    this.s3 = s3;
    this.root = root;
  }

  public S3Uri root() {
    return root;
  }

  /**
   * Uploads {@code file} beside {@code fixedKey} under its content hash unless that key exists
   * already: {@code jars/trip-lake.jar} gives {@code jars/trip-lake-<hash>.jar}.
   */
  public Artifact upload(Path file, String fixedKey) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("Cannot upload: no such file (" + file + ")");
    }
    String sha = sha256(file);
    S3Uri target = root.resolve(hashedKey(fixedKey, sha.substring(0, HASH_CHARS)));
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (head(target) != null) {
      LOG.info("{} is in place already ({} bytes)", target, size);
      return new Artifact(target.toString(), sha, size, false);
    }
    s3.putObject(
        b -> b.bucket(target.bucket()).key(target.key()).metadata(Map.of(SHA256_METADATA, sha)),
        RequestBody.fromFile(file));
    LOG.info("Uploaded {} to {} ({} bytes)", file, target, size);
    return new Artifact(target.toString(), sha, size, true);
  }

  /**
   * Copies an uploaded artifact to a fixed key (the DAG's {@code jars/trip-lake.jar}) unless that
   * key holds the same content already; returns whether it copied.
   */
  public boolean publish(Artifact artifact, String fixedKey) {
    S3Uri source = S3Uri.parse(artifact.uri());
    S3Uri target = root.resolve(fixedKey);
    HeadObjectResponse current = head(target);
    if (current != null && artifact.sha256().equals(current.metadata().get(SHA256_METADATA))) {
      return false;
    }
    s3.copyObject(
        b ->
            b.sourceBucket(source.bucket())
                .sourceKey(source.key())
                .destinationBucket(target.bucket())
                .destinationKey(target.key())
                .metadataDirective(MetadataDirective.COPY));
    LOG.info("Published {} as {}", source, target);
    return true;
  }

  private HeadObjectResponse head(S3Uri uri) {
    try {
      return s3.headObject(b -> b.bucket(uri.bucket()).key(uri.key()));
    } catch (NoSuchKeyException e) {
      return null;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  /**
   * {@code fixedKey} with {@code -<hash>} before its extension: {@code jars/trip-lake-<hash>.jar}.
   */
  static String hashedKey(String fixedKey, String hash) {
    int dot = fixedKey.lastIndexOf('.');
    int stem = dot > fixedKey.lastIndexOf('/') ? dot : fixedKey.length();
    return fixedKey.substring(0, stem) + "-" + hash + fixedKey.substring(stem);
  }

  static String sha256(Path file) {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
