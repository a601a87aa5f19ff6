-- raw._rejected_files for Athena (engine v3): the raw files `register` rejects, one row per file with the reason,
-- run id and time of the latest run that rejected it (docs/rejected-files.md). Registration creates the table through
-- the Glue catalog, so Athena queries it as it is and needs no DDL. Run this only to create it from Athena (for
-- example in a new account before the first registration); replace the location. The name starts with '_' (no raw
-- table can: a message name starts with a letter), so Athena DDL needs it in backticks; queries name it as it is.
CREATE TABLE IF NOT EXISTS raw.`_rejected_files` (
  file_path   string,
  device_id   string,
  message     string,
  file_size   bigint,
  reason      string,
  run_id      string,
  rejected_at timestamp)
LOCATION 's3://YOUR-WAREHOUSE-BUCKET/raw.db/_rejected_files'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd')
