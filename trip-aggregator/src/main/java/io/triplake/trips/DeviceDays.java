package io.triplake.trips;

import io.triplake.lake.Checkpoint;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.PrefetchedInputFile;
import io.triplake.lake.RawSchema;
import io.triplake.trips.DeviceDay.File;
import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.RawColumns.RawFile;
import io.triplake.trips.RawColumns.Rows;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;

/**
 * Brings {@code trips.devicedays} up to date with every raw table: the (device, message, day) rows
 * that files appended or removed since its checkpoint touch are recomputed from the raw tables'
 * metadata and the {@code t} column of the day's files, compared with the stored rows, and the
 * changed days rewritten with the new checkpoint in one commit (as tripsummary is). Its checkpoint
 * covers every raw message table, not only the ones the trip config reads, so it is its own.
 */
final class DeviceDays {
  /** Files read at once: the reads wait on the object store, not on a core. */
  private static final int READERS = 8;

  private final Lake lake;
  private final Catalog catalog;
  private final String runId;
  private final LocalDateTime now;
  private final double gapLimitSeconds;
  private final long gapLimitMicros;

  DeviceDays(Lake lake, Catalog catalog, String runId, LocalDateTime now, TripConfig config) {
    this.lake = lake;
    this.catalog = catalog;
    this.runId = runId;
    this.now = now;
    this.gapLimitSeconds = config.deviceDayGapLimitSeconds();
    this.gapLimitMicros = config.deviceDayGapLimitMicros();
  }

  /** The fingerprint of what the rows were computed with: a new gap limit recomputes them all. */
  String fingerprint() {
    return "gap_limit_s=" + gapLimitSeconds;
  }

  /**
   * A reprocess of one day, instead of an incremental run.
   *
   * @param asOf the raw tables as of a moment (null: their current snapshots)
   * @param branch the branch the rows go to (null: main)
   * @param publish with {@code asOf} on main: the day stays as published (pinned) until a reprocess
   *     without {@code asOf} releases it
   */
  record Reprocess(LocalDate day, AsOf asOf, String branch, boolean publish) {}

  /**
   * A moment: the raw snapshots the trip run resolved for its tables, and its time for the others
   * (a table without a snapshot then was empty).
   */
  record AsOf(String moment, Instant at, Map<String, Long> snapshots) {}

  /**
   * Recomputes the rows new or removed raw files touch (all of them on the first run or after the
   * gap limit changed), except on pinned days; or, with {@code reprocess}, every row of its day.
   */
  TripAggregator.DeviceDayWork update(Reprocess reprocess, Taps taps) {
    long start = System.nanoTime();
    SummaryTable table = SummaryTable.open(SummaryTable.DEVICEDAYS, lake, catalog, runId);
    if (reprocess != null && reprocess.branch() != null) {
      table.ensureBranch(reprocess.branch());
    }
    Optional<Checkpoint> before = table.checkpoint();
    boolean scratch = before.isEmpty() || !fingerprint().equals(before.get().configFingerprint());
    Map<LocalDate, Checkpoint.Pin> pins =
        new TreeMap<>(before.map(Checkpoint::pinnedDays).orElse(Map.of()));
    LocalDate day = reprocess == null ? null : reprocess.day();
    // A reprocess moves no position: files of other days registered since stay for the next run.
    Map<String, Checkpoint.Position> after =
        new TreeMap<>(
            reprocess == null ? Map.of() : before.map(Checkpoint::rawTables).orElse(Map.of()));
    Recomputed recomputed = new Recomputed(table.table().schema());
    Map<String, Long> read = new TreeMap<>();
    Counts counts = new Counts();
    ExecutorService pool = Executors.newFixedThreadPool(READERS);
    try {
      for (TableIdentifier id : lake.rawMessageTables(catalog)) {
        Table raw = catalog.loadTable(id);
        String name = id.toString();
        Long snapshotId = readAt(raw, name, reprocess == null ? null : reprocess.asOf());
        if (snapshotId == null) {
          continue; // empty (then)
        }
        read.put(name, snapshotId);
        Snapshot snapshot = raw.snapshot(snapshotId);
        if (reprocess == null) {
          after.put(name, new Checkpoint.Position(snapshotId, snapshot.sequenceNumber()));
        }
        Touched touched =
            touched(raw, snapshot, scratch ? null : before.get().rawTables().get(name), day);
        Source source =
            touched.days().isEmpty() ? null : new Source(raw, name, Column.of(raw, RawSchema.TIME));
        for (Map.Entry<String, Set<LocalDate>> e : touched.days().entrySet()) {
          recomputed.add(
              e.getKey(),
              id.name(),
              e.getValue(),
              recompute(
                  source,
                  id.name(),
                  e.getKey(),
                  touched.files().getOrDefault(e.getKey(), List.of()),
                  e.getValue(),
                  taps,
                  pool,
                  counts));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    boolean pinsChanged = reprocess != null && repin(pins, reprocess, read);
    String branch = reprocess == null ? null : reprocess.branch();
    Map<String, String> props = properties(reprocess, branch == null ? after : null, pins);
    TripAggregator.Changes changes =
        table.merge(
            recomputed.fresh,
            day != null ? dayScope(day) : recomputed.scope(pins.keySet()),
            props,
            branch);
    boolean moved =
        reprocess == null
            && (before.isEmpty() || !after.equals(before.get().rawTables()) || scratch);
    if (!changes.any() && branch == null && (moved || pinsChanged)) {
      table.commitProperties(props);
    }
    return new TripAggregator.DeviceDayWork(
        recomputed.keys.size(),
        counts.files,
        counts.rows,
        counts.fromPass,
        changes,
        (System.nanoTime() - start) / 1e9);
  }

  /**
   * What one raw table's run recomputes: the days of each device that changed files touch ({@link
   * LocalDate#MIN}: every day, for a file without bounds of t), and every file of those devices.
   */
  private record Touched(Map<String, Set<LocalDate>> days, Map<String, List<File>> files) {}

  /**
   * @param from where the checkpoint left the table (null: from scratch)
   * @param day a reprocessed day (null: an incremental run)
   */
  private static Touched touched(
      Table raw, Snapshot snapshot, Checkpoint.Position from, LocalDate day) {
    long snapshotId = snapshot.snapshotId();
    Map<String, Set<LocalDate>> days = new TreeMap<>();
    if (day == null && from == null) {
      // From scratch, the plan of every file says which days are touched.
      Map<String, List<File>> files = files(raw, snapshotId, Expressions.alwaysTrue());
      files.forEach(
          (device, list) -> {
            Set<LocalDate> onDays = days.computeIfAbsent(device, d -> new TreeSet<>());
            list.forEach(f -> onDays.addAll(days(f.lo(), f.hi())));
          });
      return new Touched(days, files);
    }
    if (day != null) {
      for (RawMetadata.FileSpan f :
          RawMetadata.files(
              raw,
              snapshotId,
              Expressions.and(
                  Expressions.greaterThanOrEqual(RawSchema.TIME, DeviceDay.startOf(day)),
                  Expressions.lessThan(RawSchema.TIME, DeviceDay.startOf(day.plusDays(1)))))) {
        days.computeIfAbsent(f.device(), d -> new TreeSet<>()).add(day);
      }
    } else {
      for (RawMetadata.FileSpan f : RawMetadata.since(raw, from, snapshot).files()) {
        days.computeIfAbsent(f.device(), d -> new TreeSet<>()).addAll(days(f.lo(), f.hi()));
      }
    }
    // Every file of the touched devices, planned once: out-of-order needs the earlier appends'
    // files of any day.
    return new Touched(
        days,
        days.isEmpty()
            ? Map.of()
            : files(raw, snapshotId, Expressions.in(RawSchema.DEVICE, days.keySet().toArray())));
  }

  /** Moves the reprocessed day's pin: released without an as-of, set by a publish. */
  private boolean repin(
      Map<LocalDate, Checkpoint.Pin> pins, Reprocess reprocess, Map<String, Long> read) {
    if (reprocess.asOf() == null) {
      return pins.remove(reprocess.day()) != null;
    }
    if (reprocess.publish()) {
      pins.put(reprocess.day(), new Checkpoint.Pin(reprocess.asOf().moment(), read, runId));
      return true;
    }
    return false;
  }

  /**
   * The commit's snapshot properties: the run, the reprocess, and on main the checkpoint.
   *
   * @param after the checkpoint's positions (null: a branch, which carries none)
   */
  private Map<String, String> properties(
      Reprocess reprocess,
      Map<String, Checkpoint.Position> after,
      Map<LocalDate, Checkpoint.Pin> pins) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put(LakeProperties.RUN_ID, runId);
    if (reprocess != null) {
      props.put(LakeProperties.REPROCESS_DAY, reprocess.day().toString());
      props.put(LakeProperties.AS_OF, reprocess.asOf() == null ? "now" : reprocess.asOf().moment());
    }
    if (after != null) {
      props.putAll(new Checkpoint(after, fingerprint(), 0, 0, pins).properties());
    }
    return props;
  }

  /** A reprocessed day is recomputed whole: a stored row no file has any more goes. */
  private static SummaryTable.Scope dayScope(LocalDate day) {
    return new SummaryTable.Scope(
        Expressions.equal("day", (int) day.toEpochDay()),
        r -> day.equals(r.getField("day")),
        Set.of());
  }

  /** The rows a run computed, and which (device, message, day) it recomputed. */
  private final class Recomputed {
    private final org.apache.iceberg.Schema schema;
    final List<Record> fresh = new ArrayList<>();
    final Set<List<String>> keys = new TreeSetOfKeys().keys;
    private final Set<LocalDate> days = new TreeSet<>();

    Recomputed(org.apache.iceberg.Schema schema) {
      this.schema = schema;
    }

    void add(String device, String message, Set<LocalDate> touched, List<DeviceDay.Row> rows) {
      for (LocalDate d : touched) {
        keys.add(List.of(device, message, d.toString()));
        days.add(d);
      }
      for (DeviceDay.Row r : rows) {
        // A device without bounds of t was recomputed on every day it has rows.
        keys.add(List.of(r.deviceid(), message, r.day().toString()));
        days.add(r.day());
        fresh.add(record(schema, r));
      }
    }

    /**
     * The stored rows an incremental run recomputed; pinned days are neither written nor deleted.
     */
    SummaryTable.Scope scope(Set<LocalDate> pinned) {
      String every = LocalDate.MIN.toString();
      Set<String> devices = new TreeSet<>();
      Set<List<String>> allDaysOf = new TreeSetOfKeys().keys;
      for (List<String> k : keys) {
        devices.add(k.get(0));
        if (k.get(2).equals(every)) {
          allDaysOf.add(k.subList(0, 2));
        }
      }
      Set<LocalDate> known = new TreeSet<>(days);
      known.remove(LocalDate.MIN);
      Expression filter =
          keys.isEmpty()
              ? Expressions.alwaysFalse()
              : allDaysOf.isEmpty()
                  ? Expressions.and(
                      Expressions.in("deviceid", devices.toArray()),
                      Expressions.in(
                          "day", known.stream().map(d -> (int) d.toEpochDay()).toArray()))
                  : Expressions.in("deviceid", devices.toArray());
      return new SummaryTable.Scope(
          filter,
          r -> {
            String device = (String) r.getField("deviceid");
            String message = (String) r.getField("message");
            return keys.contains(List.of(device, message, r.getField("day").toString()))
                || allDaysOf.contains(List.of(device, message));
          },
          Set.copyOf(pinned));
    }
  }

  /**
   * The snapshot a raw table is read at: the current one, or as of the moment (the trip run's own
   * for its tables, else the table's snapshot at that time); null when it was empty.
   */
  private static Long readAt(Table raw, String name, AsOf asOf) {
    if (asOf == null) {
      return raw.currentSnapshot() == null ? null : raw.currentSnapshot().snapshotId();
    }
    Long exact = asOf.snapshots().get(name);
    return exact != null
        ? exact
        : org.apache.iceberg.util.SnapshotUtil.nullableSnapshotIdAsOfTime(
            raw, asOf.at().toEpochMilli());
  }

  /** Keys as lists of strings, in order (a TreeSet of lists needs a comparator). */
  private static final class TreeSetOfKeys {
    final Set<List<String>> keys =
        new TreeSet<>((a, b) -> String.join("\u0000", a).compareTo(String.join("\u0000", b)));
  }

  /**
   * What the trip pass computed of the raw files it read whole ({@link TripPass#FILE_DAY_FIELDS}):
   * by raw table name and location, the file's parts per day and its largest {@code t}.
   */
  static final class Taps {
    private final Map<String, Map<String, Tap>> byTable = new HashMap<>();

    void add(String table, String location, LocalDate day, DeviceDay.Part part) {
      byTable
          .computeIfAbsent(table, k -> new HashMap<>())
          .computeIfAbsent(location, k -> new Tap(new TreeMap<>()))
          .parts()
          .put(day, part);
    }

    Tap get(String table, String location) {
      return byTable.getOrDefault(table, Map.of()).get(location);
    }
  }

  /** A file's parts on each day it has rows on. */
  record Tap(NavigableMap<LocalDate, DeviceDay.Part> parts) {
    /** The file's largest {@code t}: the last row of its last day. */
    long maxT() {
      return parts.lastEntry().getValue().last();
    }
  }

  /** A raw table as the run reads it: its name and its {@code t} column, resolved once. */
  private record Source(Table table, String name, Column time) {}

  /** Files read, rows read, files taken from the trip pass. */
  private static final class Counts {
    long files;
    long rows;
    long fromPass;
  }

  /**
   * The rows of one device and message on the given days ({@link LocalDate#MIN}: every day it has
   * rows). A file's parts come from the trip pass when it read the file whole, else from reading
   * its {@code t} here, once even when it spans several of the days.
   */
  private List<DeviceDay.Row> recompute(
      Source raw,
      String message,
      String device,
      List<File> files,
      Set<LocalDate> days,
      Taps taps,
      ExecutorService pool,
      Counts counts) {
    Set<String> outOfOrder = DeviceDay.outOfOrder(files);
    Set<LocalDate> wanted = new TreeSet<>(days);
    boolean every = wanted.remove(LocalDate.MIN);
    Map<String, Tap> known = new HashMap<>();
    if (every) {
      // No bounds to go by: every file of the device, and the days it has rows on.
      parts(raw, files, taps, known, false, pool, counts);
      known.values().forEach(t -> wanted.addAll(t.parts().keySet()));
    }
    List<DeviceDay.Row> rows = new ArrayList<>();
    for (LocalDate day : wanted) {
      long lo = DeviceDay.startOf(day);
      long hi = DeviceDay.startOf(day.plusDays(1));
      List<File> onDay = new ArrayList<>();
      for (File f : files) {
        if (f.lo() < hi && f.hi() >= lo) {
          onDay.add(f);
        }
      }
      parts(raw, onDay, taps, known, false, pool, counts);
      DeviceDay.Row row = null;
      while (row == null) {
        Map<File, DeviceDay.Part> parts = new LinkedHashMap<>();
        Map<File, Long> lastT = new HashMap<>();
        for (File f : onDay) {
          Tap tap = known.get(f.location());
          DeviceDay.Part part = tap.parts().get(day);
          if (part != null) {
            parts.put(f, part);
            lastT.put(f, tap.maxT());
          }
        }
        if (parts.isEmpty()) {
          break;
        }
        try {
          row = DeviceDay.of(device, message, day, parts, lastT, gapLimitMicros, outOfOrder);
        } catch (DeviceDay.NeedsRows e) {
          // Files that overlap in time are merged row by row: read the ones the pass summed up.
          e.files.forEach(f -> known.remove(f.location()));
          parts(raw, e.files, taps, known, true, pool, counts);
        }
      }
      if (row != null) {
        rows.add(row);
      }
      // Keep only what a later day still needs: files that reach past this one.
      for (File f : onDay) {
        if (f.hi() < hi) {
          known.remove(f.location());
        }
      }
    }
    return rows;
  }

  /**
   * The parts of the files not known yet: from the trip pass, or read here {@link #READERS} at a
   * time (always read with {@code reread}: their rows are needed).
   */
  private void parts(
      Source raw,
      List<File> files,
      Taps taps,
      Map<String, Tap> known,
      boolean reread,
      ExecutorService pool,
      Counts counts) {
    Map<String, Future<long[]>> pending = new LinkedHashMap<>();
    for (File f : files) {
      if (known.containsKey(f.location()) || pending.containsKey(f.location())) {
        continue;
      }
      Tap tap = reread ? null : taps.get(raw.name(), f.location());
      if (tap != null) {
        known.put(f.location(), tap);
        counts.fromPass++;
      } else {
        pending.put(f.location(), pool.submit(() -> times(raw, f)));
      }
    }
    for (Map.Entry<String, Future<long[]>> e : pending.entrySet()) {
      long[] ts;
      try {
        ts = e.getValue().get();
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while reading " + e.getKey(), ex);
      } catch (ExecutionException ex) {
        throw ex.getCause() instanceof RuntimeException r
            ? r
            : new IllegalStateException(ex.getCause());
      }
      counts.files++;
      counts.rows += ts.length;
      known.put(e.getKey(), new Tap(DeviceDay.Part.of(ts, 0, ts.length, gapLimitMicros, true)));
    }
  }

  /** A file's {@code t} values (rows without one are no rows), in one request when it is small. */
  private static long[] times(Source source, File f) {
    Table raw = source.table();
    Rows rows = new Rows(0, (int) Math.min(Math.max(f.records(), 16), Integer.MAX_VALUE - 8));
    RawFileReader.configured()
        .read(
            PrefetchedInputFile.whole(
                raw.io().newInputFile(f.location(), f.sizeBytes()), TripPass.WHOLE_FILE_MAX),
            raw.name(),
            new RawFile(f.location(), f.sizeBytes(), f.lo(), f.hi(), f.records()),
            source.time(),
            List.of(),
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            rows);
    return Arrays.copyOf(rows.ts, rows.size);
  }

  /** The UTC days a file's bounds of t span; without bounds, every day of its device. */
  private static List<LocalDate> days(long lo, long hi) {
    return lo == Long.MIN_VALUE || hi == Long.MAX_VALUE
        ? List.of(LocalDate.MIN)
        : DeviceDay.days(lo, hi);
  }

  /**
   * The files of a snapshot the filter keeps, by device, each with its append's sequence number and
   * commit time.
   */
  private static Map<String, List<File>> files(Table raw, long snapshotId, Expression filter) {
    Map<Long, Long> committedAt = new HashMap<>();
    for (Snapshot s : raw.snapshots()) {
      committedAt.merge(s.sequenceNumber(), s.timestampMillis() * 1000, Math::min);
    }
    Map<String, List<File>> files = new HashMap<>();
    for (RawMetadata.FileSpan span : RawMetadata.files(raw, snapshotId, filter)) {
      files
          .computeIfAbsent(span.device(), d -> new ArrayList<>())
          .add(
              new File(
                  span.location(),
                  span.sizeBytes(),
                  span.records(),
                  span.sequence(),
                  committedAt.get(span.sequence()),
                  span.lo(),
                  span.hi()));
    }
    return files;
  }

  private Record record(org.apache.iceberg.Schema schema, DeviceDay.Row r) {
    Record rec = GenericRecord.create(schema);
    rec.setField("deviceid", r.deviceid());
    rec.setField("message", r.message());
    rec.setField("day", r.day());
    rec.setField("files", r.files());
    rec.setField("rows", r.rows());
    rec.setField("first_t", TripSummaries.timestamp(r.firstT()));
    rec.setField("last_t", TripSummaries.timestamp(r.lastT()));
    rec.setField("max_gap_s", r.maxGapS());
    rec.setField("gaps_over_limit", r.gapsOverLimit());
    rec.setField(
        "first_registered",
        r.firstRegistered() == null ? null : TripSummaries.timestamp(r.firstRegistered()));
    rec.setField(
        "last_registered",
        r.lastRegistered() == null ? null : TripSummaries.timestamp(r.lastRegistered()));
    rec.setField("max_lag_h", r.maxLagH());
    rec.setField("out_of_order_files", r.outOfOrderFiles());
    rec.setField("updatedat", now);
    return rec;
  }
}
