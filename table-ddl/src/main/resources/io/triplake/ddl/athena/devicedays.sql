-- devicedays for Athena (engine v3). The aggregate job creates the table and registers it in the Glue Data
-- Catalog, so Athena needs no DDL to query it. Run this only to create the table from Athena (for example in a
-- new account before the first job run); replace the location.
CREATE TABLE IF NOT EXISTS trips.devicedays (
  deviceid           string,
  message            string,
  day                date,
  files              int,
  rows               bigint,
  first_t            timestamp,
  last_t             timestamp,
  max_gap_s          double,
  gaps_over_limit    bigint,
  first_registered   timestamp,
  last_registered    timestamp,
  max_lag_h          double,
  out_of_order_files int,
  updatedat          timestamp)
PARTITIONED BY (day)
LOCATION 's3://YOUR-WAREHOUSE-BUCKET/trips.db/devicedays'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd')
