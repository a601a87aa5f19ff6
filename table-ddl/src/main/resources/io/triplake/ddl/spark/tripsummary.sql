-- tripsummary: one row per trip x message x signal x aggregation.
-- Executed by the trip-aggregator (Spark SQL, Iceberg). ${table} is <catalog>.<namespace>.tripsummary.
-- Columns are the vendor's (CSS Electronics' aggregation output), lower-cased for Athena, plus
-- tripdate (UTC date of tripstart, the partition) and updatedat (when this row last changed).
-- Timestamps are UTC wall-clock without zone: Athena DDL can only create `timestamp`.
CREATE TABLE IF NOT EXISTS ${table} (
  deviceid    STRING        COMMENT 'logger device id (8 hex characters)',
  message     STRING        COMMENT 'aggregated message, as configured (e.g. CAN2_gnss_speed)',
  signal      STRING        COMMENT 'aggregated signal, as configured (e.g. Speed)',
  aggregation STRING        COMMENT 'avg, median, max, min, sum, first, last, delta_sum, delta_sum_pos, delta_sum_neg, count or stddev',
  signalvalue DOUBLE        COMMENT 'the aggregate over the non-missing values of the trip; NULL when there are none',
  signalcount BIGINT        COMMENT 'non-missing (non-NULL, non-NaN) values of the signal in the trip',
  duration    DOUBLE        COMMENT 'seconds between the first and last row of the message inside the trip',
  tripstart   TIMESTAMP_NTZ COMMENT 'first trip-identifier row of the trip (UTC)',
  tripend     TIMESTAMP_NTZ COMMENT 'last trip-identifier row of the trip (UTC)',
  tripid      STRING        COMMENT '<deviceid>_<tripstart as yyyyMMddTHHmmss.ffffff>',
  cluster     STRING        COMMENT 'device cluster of the aggregation config',
  tripdate    DATE          COMMENT 'UTC date of tripstart (partition)',
  updatedat   TIMESTAMP_NTZ COMMENT 'UTC time of the run that last changed this row (lineage)')
USING iceberg
PARTITIONED BY (tripdate)
TBLPROPERTIES (
  'format-version' = '2',
  'write.delete.mode' = 'merge-on-read',
  'write.update.mode' = 'merge-on-read',
  'write.merge.mode' = 'merge-on-read',
  'write.parquet.compression-codec' = 'zstd',
  'write.distribution-mode' = 'hash',
  'write.metadata.delete-after-commit.enabled' = 'true',
  'write.metadata.previous-versions-max' = '100')
