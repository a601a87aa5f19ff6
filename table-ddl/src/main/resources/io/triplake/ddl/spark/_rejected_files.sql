-- _rejected_files: the raw files `register` rejects, one row per file, with the reason of the latest run that
-- rejected it. A later run that registers the file removes its row; a run that rejects it again replaces the row.
-- Created by registration in the raw namespace through Iceberg's Java API from this text (io.triplake.lake.SparkDdl;
-- registration never starts Spark). ${table} is <catalog>.<raw namespace>._rejected_files.
-- The leading '_' keeps the name apart from every raw table: a raw table is named after a message, and a message
-- name starts with a letter. Timestamps are UTC wall-clock without zone, as in tripsummary (Athena DDL can only
-- create `timestamp`).
CREATE TABLE IF NOT EXISTS ${table} (
  file_path   STRING        COMMENT 'the rejected file, its full location as listed (one row per file)',
  device_id   STRING        COMMENT 'logger device id from the path <deviceid>/<message>/yyyy/mm/dd/<file>.parquet; NULL when the path has another shape',
  message     STRING        COMMENT 'message name from the path, as in the path (e.g. CAN2_gnss_speed); NULL when the path has another shape',
  file_size   BIGINT        COMMENT 'size of the file in bytes, as listed; NULL when unknown',
  reason      STRING        COMMENT 'why the file was not registered',
  run_id      STRING        COMMENT 'the register run that last rejected the file',
  rejected_at TIMESTAMP_NTZ COMMENT 'UTC start time of that run')
USING iceberg
TBLPROPERTIES (
  'format-version' = '2',
  'write.parquet.compression-codec' = 'zstd',
  'write.metadata.delete-after-commit.enabled' = 'true',
  'write.metadata.previous-versions-max' = '100')
