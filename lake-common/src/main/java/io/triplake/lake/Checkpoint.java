package io.triplake.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.time.LocalDate;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * What the trip summaries have consumed: for each raw table, the snapshot (and its sequence number)
 * up to which every appended file is reflected in tripsummary; and the days a user pinned on
 * purpose.
 *
 * <p>It lives in the summary of the very tripsummary snapshot that wrote the rows, so it can never
 * drift from them; on restart it is found by walking back the snapshot ancestry (as Iceberg's
 * kafka-connect sink does with its offsets).
 *
 * @param rawTables raw table name ({@code raw.can2_gnss_speed}) to its consumed position
 * @param configFingerprint fingerprint of the aggregation config the rows were computed with
 * @param snapshotId the tripsummary snapshot that carries this checkpoint (0 before it is
 *     committed)
 * @param pinnedDays days whose rows were published from the raw tables as of an earlier moment:
 *     incremental runs leave their trips alone until a reprocess without an as-of releases them
 */
public record Checkpoint(
    Map<String, Position> rawTables,
    String configFingerprint,
    long snapshotId,
    long timestampMillis,
    Map<LocalDate, Pin> pinnedDays) {

  /**
   * A raw table's snapshot and its sequence number: files with a higher sequence number are new.
   */
  public record Position(long snapshotId, long sequenceNumber) {}

  /**
   * A day whose trips stay as they were computed from the raw tables as of {@code asOf}.
   *
   * @param asOf the moment as the user gave it, normalised (an instant or {@code snapshot <id>})
   * @param rawSnapshots the raw snapshot each table was read at (maintenance keeps them while the
   *     pin lasts)
   * @param runId the reprocess run that published the day
   */
  public record Pin(String asOf, Map<String, Long> rawSnapshots, String runId) {
    public Pin {
      rawSnapshots = Collections.unmodifiableMap(new TreeMap<>(rawSnapshots));
    }
  }

  public Checkpoint {
    rawTables = Map.copyOf(new TreeMap<>(rawTables));
    pinnedDays = Map.copyOf(new TreeMap<>(pinnedDays));
  }

  /** The newest checkpoint in the ancestry of the table's current snapshot, if any. */
  public static Optional<Checkpoint> latest(Table tripsummary) {
    if (tripsummary.currentSnapshot() == null) {
      return Optional.empty();
    }
    for (Snapshot snapshot : SnapshotUtil.currentAncestors(tripsummary)) {
      Optional<Checkpoint> checkpoint = of(snapshot);
      if (checkpoint.isPresent()) {
        return checkpoint;
      }
    }
    return Optional.empty();
  }

  /** The checkpoint a given tripsummary snapshot carries, if it carries one. */
  public static Optional<Checkpoint> of(Snapshot snapshot) {
    return of(snapshot.summary(), snapshot.snapshotId(), snapshot.timestampMillis());
  }

  /** The checkpoint in a snapshot summary's properties, if they carry one. */
  public static Optional<Checkpoint> of(
      Map<String, String> summary, long snapshotId, long timestampMillis) {
    String json = summary.get(LakeProperties.CHECKPOINT);
    if (json == null) {
      return Optional.empty();
    }
    String pins = summary.get(LakeProperties.PINNED_DAYS);
    return Optional.of(
        new Checkpoint(
            parse(
                json,
                snapshotId,
                LakeProperties.CHECKPOINT,
                new TypeReference<Map<String, Position>>() {}),
            summary.get(LakeProperties.CONFIG_FINGERPRINT),
            snapshotId,
            timestampMillis,
            pins == null
                ? Map.of()
                : days(
                    parse(
                        pins,
                        snapshotId,
                        LakeProperties.PINNED_DAYS,
                        new TypeReference<Map<String, Pin>>() {}))));
  }

  private static <T> T parse(String json, long snapshotId, String property, TypeReference<T> type) {
    try {
      return Json.MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "Cannot read "
              + property
              + " in tripsummary snapshot "
              + snapshotId
              + ": "
              + e.getOriginalMessage(),
          e);
    }
  }

  private static Map<LocalDate, Pin> days(Map<String, Pin> byDay) {
    Map<LocalDate, Pin> pins = new TreeMap<>();
    byDay.forEach((day, pin) -> pins.put(LocalDate.parse(day), pin));
    return pins;
  }

  public Optional<Position> position(String rawTable) {
    return Optional.ofNullable(rawTables.get(rawTable));
  }

  /** The same positions with other pinned days. */
  public Checkpoint withPinnedDays(Map<LocalDate, Pin> pins) {
    return new Checkpoint(rawTables, configFingerprint, snapshotId, timestampMillis, pins);
  }

  /**
   * The snapshot-summary properties that carry this checkpoint (without the snapshot's own id and
   * time).
   */
  public Map<String, String> properties() {
    Map<String, String> props = new TreeMap<>();
    props.put(LakeProperties.CHECKPOINT, Json.compact(new TreeMap<>(rawTables)));
    if (configFingerprint != null) {
      props.put(LakeProperties.CONFIG_FINGERPRINT, configFingerprint);
    }
    if (!pinnedDays.isEmpty()) {
      // ISO days as keys: the report's JSON mapper has no java.time module.
      Map<String, Pin> byDay = new TreeMap<>();
      pinnedDays.forEach((day, pin) -> byDay.put(day.toString(), pin));
      props.put(LakeProperties.PINNED_DAYS, Json.compact(byDay));
    }
    return props;
  }
}
