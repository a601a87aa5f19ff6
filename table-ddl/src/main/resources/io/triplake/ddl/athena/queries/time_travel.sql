-- Time travel (Athena engine v3): a day's trip summaries as they were at a moment, next to what they are now.
-- Find the moments (and snapshot ids, for FOR VERSION AS OF) in the table's history:
--   SELECT committed_at, snapshot_id, operation, element_at(summary, 'trip-lake.run-id') FROM trips."tripsummary$snapshots" ORDER BY committed_at
-- The timestamp must lie within the table's retained snapshots (maintenance expires older ones).
-- This shows the day as it was *computed* at that moment. What the day *would have been* with the raw files as of a
-- moment is a reprocess (`aggregate --reprocess-day D --as-of T`), whose result is on a branch: as_of_branch.sql.
-- A day published from such a result (`--publish`) is pinned: the `trip-lake.pinned-days` property of the
-- snapshots above lists it until `aggregate --reprocess-day D` releases it (docs/reprocessing.md).
SELECT
  coalesce(now_.tripid, then_.tripid)           AS tripid,
  coalesce(now_.signal, then_.signal)           AS signal,
  coalesce(now_.aggregation, then_.aggregation) AS aggregation,
  then_.signalvalue                             AS value_then,
  now_.signalvalue                              AS value_now
FROM (
  SELECT tripid, signal, aggregation, signalvalue
  FROM trips.tripsummary
  WHERE tripdate = DATE '2021-07-26'
) now_
FULL OUTER JOIN (
  SELECT tripid, signal, aggregation, signalvalue
  FROM trips.tripsummary FOR TIMESTAMP AS OF TIMESTAMP '2024-03-02 06:00:00 UTC'
  WHERE tripdate = DATE '2021-07-26'
) then_
  ON now_.tripid = then_.tripid AND now_.signal = then_.signal AND now_.aggregation = then_.aggregation
WHERE now_.signalvalue IS DISTINCT FROM then_.signalvalue
ORDER BY 1, 2, 3
