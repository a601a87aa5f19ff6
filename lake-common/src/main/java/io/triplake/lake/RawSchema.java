package io.triplake.lake;

/** The columns every raw table has besides its signals. */
public final class RawSchema {
  /** The logger's timestamp, microseconds, in every file. */
  public static final String TIME = "t";

  /** The logger's id, from the file's path: an identity partition, not in the files. */
  public static final String DEVICE = "device_id";

  private RawSchema() {}
}
