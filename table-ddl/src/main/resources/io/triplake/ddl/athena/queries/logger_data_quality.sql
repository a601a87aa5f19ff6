-- What each logger sent per day (Athena engine v3), from trips.devicedays (one row per device x UTC day x raw
-- message): coverage, gaps longer than the limit (config.device_days.gap_limit_s, 60 s by default), how late the
-- files arrived and how many arrived after newer ones. The worst first: the most gaps, then the latest arrival.
-- Hours divide by 3600e0: Trino types `x / 3600.0` as a decimal of scale 1.
SELECT
  deviceid,
  day,
  count(*)                                                            AS messages,
  sum(files)                                                          AS files,
  sum(rows)                                                           AS rows,
  min(first_t)                                                        AS first_row,
  max(last_t)                                                         AS last_row,
  round(date_diff('second', min(first_t), max(last_t)) / 3600e0, 2)   AS logged_hours,
  sum(gaps_over_limit)                                                AS gaps_over_limit,
  round(max(max_gap_s) / 60e0, 1)                                     AS max_gap_min,
  round(max(max_lag_h), 1)                                            AS max_lag_h,
  sum(out_of_order_files)                                             AS out_of_order_files
FROM trips.devicedays
WHERE day BETWEEN DATE '2021-07-01' AND DATE '2021-07-31'
GROUP BY deviceid, day
ORDER BY gaps_over_limit DESC, max_lag_h DESC, deviceid, day
