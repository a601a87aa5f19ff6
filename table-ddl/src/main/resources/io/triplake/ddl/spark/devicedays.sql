-- devicedays: one row per logger × UTC day (of t) × raw message, what each logger sent and when it arrived,
-- for operators: silent, gappy, late or out-of-order loggers. Written by the aggregate run from the raw tables'
-- metadata and their t column (see docs/trips.md, "Data quality per device and day"), with its own checkpoint
-- over every raw table in the snapshot summary, like tripsummary's. ${table} is <catalog>.<namespace>.devicedays.
-- Timestamps are UTC wall-clock without zone, as in tripsummary. A file counts on each day its rows fall on;
-- steps are between consecutive rows of the same day, all of the day's files merged in time order.
CREATE TABLE IF NOT EXISTS ${table} (
  deviceid           STRING        COMMENT 'logger device id, the device_id partition of the raw table',
  message            STRING        COMMENT 'raw table name (the message, lower case), e.g. can2_gnss_speed',
  day                DATE          COMMENT 'UTC day of t (partition)',
  files              INT           COMMENT 'registered files with rows on this day',
  rows               BIGINT        COMMENT 'rows with a t on this day',
  first_t            TIMESTAMP_NTZ COMMENT 'earliest t on this day (UTC)',
  last_t             TIMESTAMP_NTZ COMMENT 'latest t on this day (UTC)',
  max_gap_s          DOUBLE        COMMENT 'largest step between consecutive rows of the day, in seconds; NULL below 2 rows',
  gaps_over_limit    BIGINT        COMMENT 'steps longer than the gap limit (config.device_days.gap_limit_s, default 60 s)',
  first_registered   TIMESTAMP_NTZ COMMENT 'commit time of the earliest append that added one of the files (UTC); NULL when no such raw snapshot is left',
  last_registered    TIMESTAMP_NTZ COMMENT 'commit time of the latest append that added one of the files (UTC); NULL when no such raw snapshot is left',
  max_lag_h          DOUBLE        COMMENT 'largest registration time minus the last t of the file, over the files, in hours',
  out_of_order_files INT           COMMENT 'files registered after an earlier append had added a file of the logger and message that starts later',
  updatedat          TIMESTAMP_NTZ COMMENT 'UTC time of the run that last changed this row (lineage)')
USING iceberg
PARTITIONED BY (day)
TBLPROPERTIES (
  'format-version' = '2',
  'write.delete.mode' = 'merge-on-read',
  'write.update.mode' = 'merge-on-read',
  'write.merge.mode' = 'merge-on-read',
  'write.parquet.compression-codec' = 'zstd',
  'write.distribution-mode' = 'hash',
  'write.metadata.delete-after-commit.enabled' = 'true',
  'write.metadata.previous-versions-max' = '100')
