package io.triplake.ddl;

import io.triplake.lake.Lake;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The DDL kept in this module: what the jobs execute (Spark) and what a user runs (Athena). */
public final class TableDdl {
  public static final String TRIPSUMMARY = Lake.TRIPSUMMARY;

  /** One row per trip: the same trips as tripsummary, with distance, places and idle time. */
  public static final String TRIPS = Lake.TRIPS;

  /** One row per device, UTC day and raw message: what each logger sent and when it arrived. */
  public static final String DEVICEDAYS = Lake.DEVICEDAYS;

  /** The raw files registration rejects, in the raw namespace. */
  public static final String REJECTED_FILES = Lake.REJECTED_FILES;

  private TableDdl() {}

  /**
   * The Spark DDL of a table, for {@code <catalog>.<namespace>.<table>} given as {@code
   * qualifiedName}.
   */
  public static String spark(String table, String qualifiedName) {
    return read("spark/" + table + ".sql").replace("${table}", qualifiedName);
  }

  /** The Athena (engine v3) DDL of a table. */
  public static String athena(String table) {
    return read("athena/" + table + ".sql");
  }

  private static String read(String resource) {
    try (InputStream in = TableDdl.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("Cannot find DDL: no resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
