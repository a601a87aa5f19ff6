-- What a day would have been with the raw files as of an earlier moment, next to what it is now (Athena engine v3).
-- `./trip-lake aggregate --reprocess-day 2021-07-26 --as-of 2024-03-02T06:00:00Z` commits that day to the tripsummary
-- branch asof_20210726_20240302t060000z and prints the branch's snapshot id (also `snapshotId` in its JSON report):
-- put it in place of <snapshot_id>. Athena reads a snapshot id, not a branch name. Only the reprocessed day is
-- meaningful on the branch: the rest of it is main as it was when the branch was made.
SELECT
  coalesce(now_.tripid, asof_.tripid)           AS tripid,
  coalesce(now_.signal, asof_.signal)           AS signal,
  coalesce(now_.aggregation, asof_.aggregation) AS aggregation,
  asof_.signalvalue                             AS value_as_of,
  now_.signalvalue                              AS value_now
FROM (
  SELECT tripid, signal, aggregation, signalvalue
  FROM trips.tripsummary
  WHERE tripdate = DATE '2021-07-26'
) now_
FULL OUTER JOIN (
  SELECT tripid, signal, aggregation, signalvalue
  FROM trips.tripsummary FOR VERSION AS OF <snapshot_id>
  WHERE tripdate = DATE '2021-07-26'
) asof_
  ON now_.tripid = asof_.tripid AND now_.signal = asof_.signal AND now_.aggregation = asof_.aggregation
WHERE now_.signalvalue IS DISTINCT FROM asof_.signalvalue
ORDER BY 1, 2, 3
