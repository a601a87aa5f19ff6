-- raw.can2_gnss_speed for Athena (engine v3): the shape of every raw.<message> table, with this message's
-- signals. The jobs create raw tables themselves (registration, through the Glue catalog): Athena queries
-- them as they are and needs no DDL. Athena's CREATE TABLE cannot register the loggers' existing files, so
-- run this only to see or reproduce the shape (an empty table), never to replace registration.
--
-- Columns: device_id from the folder name (an identity partition; not in the files), t as the files have
-- it, one column per signal in lower case (Iceberg's name mapping reads the files' `Speed` as `speed`).
-- t: registration makes it `timestamptz` when the files' timestamps are UTC-adjusted (the CANedge sample's
-- are) and Athena reads it as `timestamp(6) with time zone`; Athena DDL can only declare `timestamp`.
CREATE TABLE IF NOT EXISTS raw.can2_gnss_speed (
  device_id     string,
  t             timestamp,
  speed         double,
  speedaccuracy double,
  speedvalid    double)
PARTITIONED BY (device_id)
LOCATION 's3://YOUR-WAREHOUSE-BUCKET/raw.db/can2_gnss_speed'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'gc.enabled' = 'false')
