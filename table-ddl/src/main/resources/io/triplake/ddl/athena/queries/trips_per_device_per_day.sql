-- Trips per device per day, with driving hours and the average speed over the day's trips (Athena engine v3).
-- tripsummary has one row per trip x signal x aggregation: count trips by distinct tripid.
-- Hours divide by 3600e0: Trino types `x / 3600.0` as a decimal of scale 1 and would show 1.4 for 1.44.
SELECT
  deviceid,
  tripdate,
  count(*)                                                          AS trips,
  round(sum(date_diff('second', tripstart, tripend)) / 3600e0, 2)   AS hours,
  round(avg(avg_speed), 1)                                          AS avg_speed
FROM (
  SELECT
    deviceid, tripdate, tripid, tripstart, tripend,
    max(CASE WHEN signal = 'Speed' AND aggregation = 'avg' THEN signalvalue END) AS avg_speed
  FROM trips.tripsummary
  WHERE tripdate BETWEEN DATE '2021-07-01' AND DATE '2021-07-31'
  GROUP BY deviceid, tripdate, tripid, tripstart, tripend
)
GROUP BY deviceid, tripdate
ORDER BY deviceid, tripdate
