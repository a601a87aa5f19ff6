-- trips for Athena (engine v3). The aggregate job creates the table and registers it in the Glue Data
-- Catalog, so Athena needs no DDL to query it. Run this only to create the table from Athena (for
-- example in a new account before the first job run); replace the location.
CREATE TABLE IF NOT EXISTS trips.trips (
  deviceid        string,
  cluster         string,
  tripid          string,
  tripstart       timestamp,
  tripend         timestamp,
  tripdate        date,
  duration_s      double,
  start_lat       double,
  start_lon       double,
  end_lat         double,
  end_lon         double,
  distance_km     double,
  fixes           bigint,
  max_speed_kmh   double,
  moving_s        double,
  idle_s          double,
  identifier_rows bigint,
  max_gap_s       double,
  updatedat       timestamp)
PARTITIONED BY (tripdate)
LOCATION 's3://YOUR-WAREHOUSE-BUCKET/trips.db/trips'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd')
