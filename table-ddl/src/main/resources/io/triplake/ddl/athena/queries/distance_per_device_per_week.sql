-- Distance, driving and idle time per device per week (Athena engine v3), from trips.trips: one row per
-- trip, so no pivot. Weeks start on Monday. Hours divide by 3600e0 and the idle share by a double: Trino
-- types `x / 3600.0` as a decimal of scale 1.
SELECT
  deviceid,
  date_trunc('week', tripdate)                                                   AS week,
  count(*)                                                                       AS trips,
  round(sum(distance_km), 1)                                                     AS distance_km,
  round(sum(moving_s) / 3600e0, 2)                                               AS moving_hours,
  round(sum(idle_s) / 3600e0, 2)                                                 AS idle_hours,
  round(100 * sum(idle_s) / nullif(sum(moving_s) + sum(idle_s), 0e0), 1)         AS idle_pct,
  round(max(max_speed_kmh), 1)                                                   AS max_speed_kmh
FROM trips.trips
WHERE tripdate BETWEEN DATE '2021-07-01' AND DATE '2021-07-31'
GROUP BY deviceid, date_trunc('week', tripdate)
ORDER BY deviceid, week
