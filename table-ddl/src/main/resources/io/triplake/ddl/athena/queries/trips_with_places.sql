-- A device's trips on a day with where they started and ended, how far and how long they idled (Athena
-- engine v3). Positions are the first and last valid GNSS fix inside the trip; NULL when the trip has
-- none (fixes = 0), as for a cluster without a position message.
SELECT
  tripid,
  tripstart,
  tripend,
  round(duration_s / 60e0, 1)                              AS minutes,
  round(distance_km, 2)                                    AS distance_km,
  start_lat, start_lon, end_lat, end_lon,
  round(max_speed_kmh, 1)                                  AS max_speed_kmh,
  round(100 * idle_s / nullif(moving_s + idle_s, 0e0), 1)  AS idle_pct,
  fixes,
  max_gap_s
FROM trips.trips
WHERE deviceid = '3BA199E2' AND tripdate = DATE '2021-07-26'
ORDER BY tripstart
