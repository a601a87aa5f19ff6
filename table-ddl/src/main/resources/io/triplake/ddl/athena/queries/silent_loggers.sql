-- Silent loggers (Athena engine v3), from trips.devicedays: every device whose newest row, of any message, is more
-- than a day older than the newest row of the fleet, the silent ones first. Measured against the fleet rather
-- than now(), so that a fleet whose uploads all stopped (a broken bucket, not a broken logger) shows as such and
-- the query works on history too. last_registered says whether the logger stopped logging or stopped uploading:
-- a recent registration of old rows is a logger catching up.
WITH seen AS (
  SELECT deviceid, max(last_t) AS last_row, max(last_registered) AS last_registered,
         max_by(message, last_t) AS last_message
  FROM trips.devicedays
  WHERE day >= DATE '2021-06-01'
  GROUP BY deviceid
),
fleet AS (
  SELECT max(last_row) AS fleet_last_row FROM seen
)
SELECT
  deviceid,
  last_row,
  last_message,
  last_registered,
  round(date_diff('second', last_row, fleet_last_row) / 3600e0, 1) AS silent_hours
FROM seen CROSS JOIN fleet
WHERE last_row < fleet_last_row - INTERVAL '1' DAY
ORDER BY silent_hours DESC, deviceid
