-- The latest raw files `register` rejected, per logger, newest first (Athena engine v3): what each device sends wrong.
-- raw._rejected_files has one row per file still rejected, with the reason, run id and start time (UTC) of the latest
-- run that rejected it; the run that registers the file once it is fixed in place removes its row. device_id and
-- message are NULL for a file whose path is not <deviceid>/<message>/yyyy/mm/dd/<file>.parquet.
-- How many files each device has rejected, by reason:
--   SELECT device_id, reason, count(*) AS files, max(rejected_at) AS last_rejected_at
--     FROM raw._rejected_files
--     GROUP BY device_id, reason
--     ORDER BY device_id, files DESC
-- The 20 newest per device:
SELECT device_id, message, file_path, file_size, reason, run_id, rejected_at
FROM (
  SELECT
    device_id, message, file_path, file_size, reason, run_id, rejected_at,
    row_number() OVER (PARTITION BY device_id ORDER BY rejected_at DESC, file_path) AS newest
  FROM raw._rejected_files
)
WHERE newest <= 20
ORDER BY device_id, rejected_at DESC, file_path
