package io.triplake.lake;

/**
 * The keys trip-lake writes into Iceberg metadata, in one place: every job, the maintenance that
 * must respect them and the tests read the same constants.
 */
public final class LakeProperties {
  /** Snapshot summary: the run that committed the snapshot (register, aggregate or maintain). */
  public static final String RUN_ID = "trip-lake.run-id";

  /**
   * Raw table property: the source URI the table's files were registered from (orphan cleanup stays
   * out of it).
   */
  public static final String RAW_SOURCE = "trip-lake.raw-source";

  /** tripsummary snapshot summary: the raw positions consumed ({@link Checkpoint}). */
  public static final String CHECKPOINT = "trip-lake.checkpoint";

  /** tripsummary snapshot summary: the fingerprint of the aggregation config of the checkpoint. */
  public static final String CONFIG_FINGERPRINT = "trip-lake.config-fingerprint";

  /** tripsummary snapshot summary: days published from an earlier moment, kept until released. */
  public static final String PINNED_DAYS = "trip-lake.pinned-days";

  /** tripsummary snapshot summary of a reprocess: the day it recomputed. */
  public static final String REPROCESS_DAY = "trip-lake.reprocess-day";

  /**
   * tripsummary snapshot summary of a reprocess: the moment the raw tables were read as of ({@code
   * now} without one).
   */
  public static final String AS_OF = "trip-lake.as-of";

  /**
   * tripsummary snapshot summary on an as-of branch: the raw snapshot each table was read at
   * (JSON).
   */
  public static final String AS_OF_RAW = "trip-lake.as-of-raw";

  /** tripsummary branches that as-of reprocess results are committed to start with this. */
  public static final String AS_OF_BRANCH_PREFIX = "asof_";

  private LakeProperties() {}
}
