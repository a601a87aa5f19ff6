-- tripsummary for Athena (engine v3). The jobs create the table through Spark and register it in the
-- Glue Data Catalog, so Athena needs no DDL to query it. Run this only to create the table from Athena
-- (for example in a new account before the first job run); replace the location.
CREATE TABLE IF NOT EXISTS trips.tripsummary (
  deviceid    string,
  message     string,
  signal      string,
  aggregation string,
  signalvalue double,
  signalcount bigint,
  duration    double,
  tripstart   timestamp,
  tripend     timestamp,
  tripid      string,
  cluster     string,
  tripdate    date,
  updatedat   timestamp)
PARTITIONED BY (tripdate)
LOCATION 's3://YOUR-WAREHOUSE-BUCKET/trips.db/tripsummary'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd')
