-- trips: one row per trip, the same trips (keys, clusters, windows) as tripsummary, written by the
-- same run from the same read of each raw file, just before tripsummary's commit (see docs/trips.md).
-- ${table} is <catalog>.<namespace>.trips. Timestamps are UTC wall-clock without zone, as in
-- tripsummary. Positions come from the cluster's GNSS position message, speed from its speed message
-- (aggregations.json, details.trip_table; by default the vendor's *_gnss_pos / *_gnss_speed).
CREATE TABLE IF NOT EXISTS ${table} (
  deviceid        STRING        COMMENT 'logger device id (8 hex characters)',
  cluster         STRING        COMMENT 'device cluster of the aggregation config',
  tripid          STRING        COMMENT '<deviceid>_<tripstart as yyyyMMddTHHmmss.ffffff>, as in tripsummary',
  tripstart       TIMESTAMP_NTZ COMMENT 'first trip-identifier row of the trip (UTC)',
  tripend         TIMESTAMP_NTZ COMMENT 'last trip-identifier row of the trip (UTC)',
  tripdate        DATE          COMMENT 'UTC date of tripstart (partition)',
  duration_s      DOUBLE        COMMENT 'seconds from tripstart to tripend',
  start_lat       DOUBLE        COMMENT 'latitude of the first valid fix in the trip; NULL without fixes',
  start_lon       DOUBLE        COMMENT 'longitude of the first valid fix in the trip; NULL without fixes',
  end_lat         DOUBLE        COMMENT 'latitude of the last valid fix in the trip; NULL without fixes',
  end_lon         DOUBLE        COMMENT 'longitude of the last valid fix in the trip; NULL without fixes',
  distance_km     DOUBLE        COMMENT 'sum of haversine distances (R = 6371.0088 km) between consecutive valid fixes; NULL without fixes',
  fixes           BIGINT        COMMENT 'valid fixes in the trip: both coordinates present, in range, not 0/0',
  max_speed_kmh   DOUBLE        COMMENT 'highest speed sample in the trip, in km/h; NULL without samples',
  moving_s        DOUBLE        COMMENT 'seconds of steps between speed samples that start above the idle speed',
  idle_s          DOUBLE        COMMENT 'seconds of steps between speed samples that start at or below the idle speed',
  identifier_rows BIGINT        COMMENT 'trip-identifier rows in the trip',
  max_gap_s       DOUBLE        COMMENT 'largest step between consecutive trip-identifier rows, in seconds',
  updatedat       TIMESTAMP_NTZ COMMENT 'UTC time of the run that last changed this row (lineage)')
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
