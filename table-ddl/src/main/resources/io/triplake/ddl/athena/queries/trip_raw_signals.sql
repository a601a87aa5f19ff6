-- One trip's raw signal rows, joined back from tripsummary to raw.can2_gnss_speed (Athena engine v3).
-- The device filter prunes the raw table to one partition; the time range prunes its files by their metrics.
-- raw t is `timestamp(6) with time zone` (UTC-adjusted logger files), tripstart/tripend are UTC wall clock:
-- compare t converted to UTC wall clock.
WITH trip AS (
  SELECT DISTINCT deviceid, tripid, tripstart, tripend
  FROM trips.tripsummary
  WHERE deviceid = '3BA199E2' AND tripdate = DATE '2021-07-26'
)
SELECT
  trip.tripid,
  r.t,
  r.speed,
  r.speedaccuracy
FROM raw.can2_gnss_speed r
JOIN trip
  ON r.device_id = trip.deviceid
 AND CAST(r.t AT TIME ZONE 'UTC' AS timestamp(6)) BETWEEN trip.tripstart AND trip.tripend
WHERE r.device_id = '3BA199E2'
ORDER BY trip.tripid, r.t
