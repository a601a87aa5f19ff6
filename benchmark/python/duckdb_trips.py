#!/usr/bin/env python3
"""Reference per-trip summaries in one DuckDB SQL query over read_parquet globs (threads = 2).

Usage: python duckdb_trips.py RAW_ROOT OUT.parquet

Same definition and output as pandas_trips.py: one row per trip x signal x aggregation.
NaN is turned into NULL first (DuckDB treats NaN as a value, larger than every other), and every
aggregation skips NULL per signal.
"""
import os
import sys

import duckdb

QUERY = r"""
WITH
speed_raw AS (
  SELECT regexp_extract(filename, '([^/]+)/CAN2_gnss_speed/', 1) AS deviceid, t,
         nullif(Speed, 'NaN'::DOUBLE) AS Speed
  FROM read_parquet('{root}/*/CAN2_gnss_speed/*/*/*/*.parquet', filename = true)
),
gaps AS (
  SELECT deviceid, t,
         CASE WHEN t - lag(t) OVER (PARTITION BY deviceid ORDER BY t) <= INTERVAL 10 MINUTE THEN 0 ELSE 1 END AS new_trip
  FROM speed_raw
),
numbered AS (
  SELECT deviceid, t, sum(new_trip) OVER (PARTITION BY deviceid ORDER BY t ROWS UNBOUNDED PRECEDING) AS trip_no
  FROM gaps
),
trips AS (
  SELECT deviceid, min(t) AS tripstart, max(t) AS tripend
  FROM numbered GROUP BY deviceid, trip_no
  HAVING max(t) - min(t) >= INTERVAL 1 MINUTE
),
speed AS (
  SELECT tr.deviceid, tr.tripstart, s.t, s.Speed
  FROM speed_raw s JOIN trips tr ON s.deviceid = tr.deviceid AND s.t BETWEEN tr.tripstart AND tr.tripend
),
imu AS (
  SELECT tr.deviceid, tr.tripstart, i.t,
         nullif(i.AccelerationX, 'NaN'::DOUBLE) AS AccelerationX,
         nullif(i.AccelerationY, 'NaN'::DOUBLE) AS AccelerationY,
         nullif(i.AccelerationZ, 'NaN'::DOUBLE) AS AccelerationZ
  FROM (SELECT regexp_extract(filename, '([^/]+)/CAN2_gnss_imu/', 1) AS deviceid, t, AccelerationX, AccelerationY, AccelerationZ
        FROM read_parquet('{root}/*/CAN2_gnss_imu/*/*/*/*.parquet', filename = true)) i
  JOIN trips tr ON i.deviceid = tr.deviceid AND i.t BETWEEN tr.tripstart AND tr.tripend
),
odo AS (
  SELECT tr.deviceid, tr.tripstart, o.t, nullif(o.DistanceTrip, 'NaN'::DOUBLE) AS DistanceTrip
  FROM (SELECT regexp_extract(filename, '([^/]+)/CAN2_gnss_odo/', 1) AS deviceid, t, DistanceTrip
        FROM read_parquet('{root}/*/CAN2_gnss_odo/*/*/*/*.parquet', filename = true)) o
  JOIN trips tr ON o.deviceid = tr.deviceid AND o.t BETWEEN tr.tripstart AND tr.tripend
),
pos AS (
  SELECT tr.deviceid, tr.tripstart, p.t,
         nullif(p.Latitude, 'NaN'::DOUBLE) AS Latitude, nullif(p.Longitude, 'NaN'::DOUBLE) AS Longitude
  FROM (SELECT regexp_extract(filename, '([^/]+)/CAN2_gnss_pos/', 1) AS deviceid, t, Latitude, Longitude
        FROM read_parquet('{root}/*/CAN2_gnss_pos/*/*/*/*.parquet', filename = true)) p
  JOIN trips tr ON p.deviceid = tr.deviceid AND p.t BETWEEN tr.tripstart AND tr.tripend
),
alt AS (
  -- non-missing altitudes only, so the steps are between consecutive values
  SELECT tr.deviceid, tr.tripstart, a.t, a.Altitude,
         a.Altitude - lag(a.Altitude) OVER (PARTITION BY tr.deviceid, tr.tripstart ORDER BY a.t) AS step
  FROM (SELECT regexp_extract(filename, '([^/]+)/CAN2_gnss_altitude/', 1) AS deviceid, t,
               nullif(Altitude, 'NaN'::DOUBLE) AS Altitude
        FROM read_parquet('{root}/*/CAN2_gnss_altitude/*/*/*/*.parquet', filename = true)) a
  JOIN trips tr ON a.deviceid = tr.deviceid AND a.t BETWEEN tr.tripstart AND tr.tripend
  WHERE a.Altitude IS NOT NULL
),
speed_agg AS (
  SELECT deviceid, tripstart, count(Speed) AS n,
         avg(Speed) AS avg_, max(Speed) AS max_, median(Speed) AS median_
  FROM speed GROUP BY ALL
),
imu_agg AS (
  SELECT deviceid, tripstart,
         count(AccelerationX) AS nx, max(AccelerationX) AS maxx, stddev_samp(AccelerationX) AS sdx,
         count(AccelerationY) AS ny, max(AccelerationY) AS maxy, stddev_samp(AccelerationY) AS sdy,
         count(AccelerationZ) AS nz, max(AccelerationZ) AS maxz, stddev_samp(AccelerationZ) AS sdz
  FROM imu GROUP BY ALL
),
odo_agg AS (
  SELECT deviceid, tripstart, count(DistanceTrip) AS n,
         arg_max(DistanceTrip, t) FILTER (WHERE DistanceTrip IS NOT NULL)
           - arg_min(DistanceTrip, t) FILTER (WHERE DistanceTrip IS NOT NULL) AS delta_sum_
  FROM odo GROUP BY ALL
),
pos_agg AS (
  SELECT deviceid, tripstart,
         count(Latitude) AS nlat,
         arg_min(Latitude, t) FILTER (WHERE Latitude IS NOT NULL) AS lat_first,
         arg_max(Latitude, t) FILTER (WHERE Latitude IS NOT NULL) AS lat_last,
         count(Longitude) AS nlon,
         arg_min(Longitude, t) FILTER (WHERE Longitude IS NOT NULL) AS lon_first,
         arg_max(Longitude, t) FILTER (WHERE Longitude IS NOT NULL) AS lon_last
  FROM pos GROUP BY ALL
),
alt_agg AS (
  SELECT deviceid, tripstart, count(Altitude) AS n, min(Altitude) AS min_, max(Altitude) AS max_,
         coalesce(sum(greatest(step, 0)), 0) AS dsp
  FROM alt GROUP BY ALL
),
wide AS (
  SELECT tr.deviceid, tr.tripstart, tr.tripend,
         s.n AS s_n, s.avg_ AS s_avg, s.max_ AS s_max, s.median_ AS s_median,
         i.nx, i.maxx, i.sdx, i.ny, i.maxy, i.sdy, i.nz, i.maxz, i.sdz,
         o.n AS o_n, o.delta_sum_ AS o_ds,
         p.nlat, p.lat_first, p.lat_last, p.nlon, p.lon_first, p.lon_last,
         a.n AS a_n, a.min_ AS a_min, a.max_ AS a_max, a.dsp AS a_dsp
  FROM trips tr
  LEFT JOIN speed_agg s USING (deviceid, tripstart)
  LEFT JOIN imu_agg i USING (deviceid, tripstart)
  LEFT JOIN odo_agg o USING (deviceid, tripstart)
  LEFT JOIN pos_agg p USING (deviceid, tripstart)
  LEFT JOIN alt_agg a USING (deviceid, tripstart)
)
SELECT w.deviceid, w.tripstart, w.tripend, v.message, v.signal, v.aggregation, v.signalvalue,
       coalesce(v.signalcount, 0)::BIGINT AS signalcount,
       epoch_us(w.tripend - w.tripstart) / 1e6 AS duration_s
FROM wide w,
LATERAL (VALUES
  ('CAN2_gnss_speed',    'Speed',         'avg',           w.s_avg,     w.s_n),
  ('CAN2_gnss_speed',    'Speed',         'max',           w.s_max,     w.s_n),
  ('CAN2_gnss_speed',    'Speed',         'median',        w.s_median,  w.s_n),
  ('CAN2_gnss_imu',      'AccelerationX', 'max',           w.maxx,      w.nx),
  ('CAN2_gnss_imu',      'AccelerationX', 'stddev',        w.sdx,       w.nx),
  ('CAN2_gnss_imu',      'AccelerationY', 'max',           w.maxy,      w.ny),
  ('CAN2_gnss_imu',      'AccelerationY', 'stddev',        w.sdy,       w.ny),
  ('CAN2_gnss_imu',      'AccelerationZ', 'max',           w.maxz,      w.nz),
  ('CAN2_gnss_imu',      'AccelerationZ', 'stddev',        w.sdz,       w.nz),
  ('CAN2_gnss_odo',      'DistanceTrip',  'delta_sum',     w.o_ds,      w.o_n),
  ('CAN2_gnss_pos',      'Latitude',      'first',         w.lat_first, w.nlat),
  ('CAN2_gnss_pos',      'Latitude',      'last',          w.lat_last,  w.nlat),
  ('CAN2_gnss_pos',      'Longitude',     'first',         w.lon_first, w.nlon),
  ('CAN2_gnss_pos',      'Longitude',     'last',          w.lon_last,  w.nlon),
  ('CAN2_gnss_altitude', 'Altitude',      'min',           w.a_min,     w.a_n),
  ('CAN2_gnss_altitude', 'Altitude',      'max',           w.a_max,     w.a_n),
  ('CAN2_gnss_altitude', 'Altitude',      'delta_sum_pos', w.a_dsp,     w.a_n)
) v(message, signal, aggregation, signalvalue, signalcount)
ORDER BY w.deviceid, w.tripstart, v.message, v.signal, v.aggregation
"""


def main():
    root = os.path.abspath(sys.argv[1])
    out_path = sys.argv[2]
    con = duckdb.connect(config={"threads": 2})
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    result = con.execute(QUERY.replace("{root}", root.replace("'", "''"))).df()
    trips = result[["deviceid", "tripstart"]].drop_duplicates().shape[0]
    result.to_parquet(out_path, index=False)
    print(f"duckdb: {trips} trips, {len(result)} output rows ({result['deviceid'].nunique()} devices) -> {out_path}")


if __name__ == "__main__":
    main()
