package io.triplake.lake;

import java.nio.file.Path;
import java.util.Locale;

/** Comparable forms of file locations: local paths, {@code file:} URIs and object-store URIs. */
public final class Locations {
  private Locations() {}

  /**
   * A location as Iceberg and Hadoop write it: {@code file:/abs/dir} for local paths (with or
   * without a scheme, relative or not), unchanged for other schemes; never with a trailing slash.
   */
  public static String normalize(String location) {
    String loc = location.trim();
    if (loc.isEmpty()) {
      throw new IllegalArgumentException("Cannot use location: it is empty");
    }
    String result;
    int colon = loc.indexOf(':');
    boolean hasScheme = colon > 1 && loc.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
    if (!hasScheme) {
      result = "file:" + Path.of(loc).toAbsolutePath().normalize();
    } else if (loc.regionMatches(true, 0, "file:", 0, 5)) {
      // file:/x, file:///x and file://localhost/x are the same file; Hadoop writes file:/x.
      String path = loc.substring(5).replaceFirst("^//localhost/", "/").replaceFirst("^/+", "/");
      result = "file:" + Path.of(path).normalize();
    } else {
      result = loc;
    }
    while (result.endsWith("/") && !result.endsWith("://")) {
      result = result.substring(0, result.length() - 1);
    }
    return result;
  }

  /**
   * True when one location is inside the other (or both are the same), so deleting under one can
   * reach the other.
   */
  public static boolean overlap(String a, String b) {
    String x = comparable(a);
    String y = comparable(b);
    return x.equals(y) || x.startsWith(y + "/") || y.startsWith(x + "/");
  }

  private static String comparable(String location) {
    String n = normalize(location);
    // s3a:// and s3n:// name the same objects as s3://.
    String lower = n.toLowerCase(Locale.ROOT);
    if (lower.startsWith("s3a://") || lower.startsWith("s3n://")) {
      return "s3://" + n.substring(6);
    }
    return n;
  }

  /** The path below {@code root}, or null when {@code location} is not inside it. */
  public static String relativize(String root, String location) {
    String r = normalize(root);
    String l = normalize(location);
    return l.startsWith(r + "/") ? l.substring(r.length() + 1) : null;
  }
}
