package io.triplake.trips;

import io.triplake.lake.Checkpoint;
import io.triplake.lake.JobContract;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * The raw tables as of a moment a user names: the snapshot each one was at, or an error that names
 * the table, the moment and the range that would have worked.
 *
 * <p>Nothing here guesses. A moment in the future, before a table's history, or before its oldest
 * retained snapshot is refused: silently reading such a table as empty is how a reprocess once
 * deleted a whole day of trips. A table that really held nothing then (it was created later) is
 * read as empty only when the user names it.
 *
 * @param moment the moment, normalised: an ISO instant, or {@code snapshot <id>}
 * @param tag the moment as a branch-name fragment ({@code 20240604t000000z}, {@code s123})
 * @param positions raw table name to the snapshot it is read at; a table missing here is empty at
 *     the moment
 */
record RawAsOf(String moment, String tag, Map<String, Checkpoint.Position> positions) {
  private static final DateTimeFormatter TAG =
      DateTimeFormatter.ofPattern("yyyyMMdd't'HHmmss").withZone(ZoneOffset.UTC);

  RawAsOf {
    positions = Collections.unmodifiableMap(new TreeMap<>(positions));
  }

  /**
   * @param asOf a snapshot id (of tripsummary: the raw snapshots its checkpoint names; of a raw
   *     table: its commit time) or a time with its zone ({@code 2024-03-02T10:00:00Z}, {@code
   *     2024-03-02T11:00:00+01:00}): the job contract's formats
   * @param raw raw table name to table, for every raw table of the config that exists
   * @param summary the tripsummary table (its name is {@code summaryName})
   * @param emptyAtMoment raw table names the user says were empty at the moment
   */
  static RawAsOf resolve(
      String asOf,
      Map<String, Table> raw,
      Table summary,
      String summaryName,
      Instant now,
      Set<String> emptyAtMoment) {
    if (asOf.matches("-?\\d+")) {
      return bySnapshot(Long.parseLong(asOf), raw, summary, summaryName, now, emptyAtMoment);
    }
    Instant moment = parseTime(asOf);
    return byTime(moment, format(moment), tag(moment), raw, now, emptyAtMoment);
  }

  private static RawAsOf bySnapshot(
      long id,
      Map<String, Table> raw,
      Table summary,
      String summaryName,
      Instant now,
      Set<String> emptyAtMoment) {
    String moment = "snapshot " + id;
    String tag = "s" + Long.toString(id).replace('-', 'n');
    Snapshot summarySnapshot = summary.snapshot(id);
    if (summarySnapshot != null) {
      Optional<Checkpoint> checkpoint = Checkpoint.of(summarySnapshot);
      if (checkpoint.isEmpty()) {
        // Not a checkpoint (a maintenance or as-of snapshot): the raw tables as of its commit time.
        return byTime(
            Instant.ofEpochMilli(summarySnapshot.timestampMillis()),
            moment,
            tag,
            raw,
            now,
            emptyAtMoment);
      }
      Map<String, Checkpoint.Position> positions = new TreeMap<>();
      for (Map.Entry<String, Table> e : raw.entrySet()) {
        String name = e.getKey();
        Checkpoint.Position p = checkpoint.get().rawTables().get(name);
        if (p == null) {
          requireNamedEmpty(
              name,
              emptyAtMoment,
              "Cannot reprocess as of "
                  + summaryName
                  + " snapshot "
                  + id
                  + ": its checkpoint "
                  + "names no snapshot of "
                  + name
                  + " (the table was not consumed then)");
        } else if (e.getValue().snapshot(p.snapshotId()) == null) {
          throw new IllegalArgumentException(
              "Cannot reprocess as of "
                  + summaryName
                  + " snapshot "
                  + id
                  + ": the snapshot "
                  + p.snapshotId()
                  + " of "
                  + name
                  + " it names has expired (outside the time-travel retention); valid: "
                  + range(e.getValue(), now));
        } else {
          positions.put(name, p);
        }
      }
      return new RawAsOf(moment, tag, positions);
    }
    for (Map.Entry<String, Table> e : raw.entrySet()) {
      Snapshot s = e.getValue().snapshot(id);
      if (s != null) {
        return byTime(
            Instant.ofEpochMilli(s.timestampMillis()), moment, tag, raw, now, emptyAtMoment);
      }
    }
    throw new IllegalArgumentException(
        "Cannot reprocess as of snapshot "
            + id
            + ": it is a snapshot of neither "
            + summaryName
            + " nor a raw table of the config ("
            + String.join(", ", new TreeMap<>(raw).keySet())
            + "); it may belong to "
            + "another table or lake, or have expired");
  }

  private static RawAsOf byTime(
      Instant moment,
      String described,
      String tag,
      Map<String, Table> raw,
      Instant now,
      Set<String> emptyAtMoment) {
    if (moment.isAfter(now)) {
      throw new IllegalArgumentException(
          "Cannot reprocess as of "
              + described
              + ": it is in the future (now is "
              + format(now)
              + "); to recompute from today's raw files, leave out --as-of");
    }
    long millis = moment.toEpochMilli();
    Map<String, Checkpoint.Position> positions = new TreeMap<>();
    for (Map.Entry<String, Table> e : raw.entrySet()) {
      String name = e.getKey();
      Table table = e.getValue();
      List<Snapshot> ancestors = new ArrayList<>();
      SnapshotUtil.currentAncestors(table).forEach(ancestors::add);
      Snapshot found =
          ancestors.stream().filter(s -> s.timestampMillis() <= millis).findFirst().orElse(null);
      if (found != null) {
        positions.put(name, new Checkpoint.Position(found.snapshotId(), found.sequenceNumber()));
        continue;
      }
      if (ancestors.isEmpty()) {
        continue; // nothing was ever committed to it: empty at any moment
      }
      Snapshot oldest = ancestors.get(ancestors.size() - 1);
      String prefix =
          "Cannot reprocess as of "
              + described
              + (described.equals(format(moment)) ? "" : " (" + format(moment) + ")");
      if (oldest.parentId() != null) {
        throw new IllegalArgumentException(
            prefix
                + ": it is before the oldest retained snapshot of "
                + name
                + " ("
                + format(Instant.ofEpochMilli(oldest.timestampMillis()))
                + "); older snapshots have expired (time-travel retention). "
                + "Valid: "
                + range(table, now));
      }
      requireNamedEmpty(
          name,
          emptyAtMoment,
          prefix
              + ": it is before the first snapshot of "
              + name
              + " (valid: "
              + range(table, now)
              + ")");
    }
    return new RawAsOf(described, tag, positions);
  }

  private static void requireNamedEmpty(String name, Set<String> emptyAtMoment, String message) {
    if (!emptyAtMoment.contains(name)) {
      throw new IllegalArgumentException(
          message
              + ". If "
              + name
              + " really held no data then, say so with --empty-at-as-of "
              + name
              + "; nothing was committed");
    }
  }

  /**
   * The moments as of which a table can be read: its oldest retained snapshot's commit time to now.
   */
  private static String range(Table table, Instant now) {
    Snapshot oldest = SnapshotUtil.oldestAncestor(table);
    return oldest == null
        ? "any moment (the table has no snapshot)"
        : format(Instant.ofEpochMilli(oldest.timestampMillis())) + " .. " + format(now);
  }

  /** Millisecond precision: Iceberg's commit times have no finer grain. */
  static String format(Instant instant) {
    return Instant.ofEpochMilli(instant.toEpochMilli()).toString();
  }

  private static String tag(Instant instant) {
    long millis = Math.floorMod(instant.toEpochMilli(), 1000L);
    return TAG.format(instant) + (millis == 0 ? "" : String.format("%03d", millis)) + "z";
  }

  /**
   * A time in the job contract's {@code --as-of} syntax, the one the DAGs' {@code as_of} param
   * checks: ISO-8601 with {@code Z} or an offset. The pattern comes first because {@link
   * Instant#parse} alone reads more ({@code t}/{@code z} in lower case, {@code +01:00:30}, {@code
   * +12024-...}) than the DAGs let through; {@link Instant#parse} then refuses what the pattern
   * cannot see, such as 2024-02-30.
   */
  static Instant parseTime(String text) {
    if (JobContract.load().asOf().matches(text)) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        // Not a date of the calendar: the same message as a wrong syntax.
      }
    }
    throw new IllegalArgumentException(
        "Cannot reprocess as of '"
            + text
            + "': not a snapshot id nor a time with a zone like 2024-03-02T10:00:00Z or"
            + " 2024-03-02T11:00:00+01:00");
  }
}
