package io.triplake.trips;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.triplake.lake.Json;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * What the trip summaries have consumed: for each raw table, the snapshot (and its sequence number) up
 * to which every appended file is reflected in tripsummary.
 *
 * <p>It lives in the summary of the very tripsummary snapshot that wrote the rows, so it can never
 * drift from them; on restart it is found by walking back the snapshot ancestry (as Iceberg's
 * kafka-connect sink does with its offsets).
 *
 * @param rawTables raw table name ({@code raw.can2_gnss_speed}) to its consumed position
 * @param configFingerprint fingerprint of the aggregation config the rows were computed with
 * @param snapshotId the tripsummary snapshot that carries this checkpoint (0 before it is committed)
 */
public record Checkpoint(Map<String, Position> rawTables, String configFingerprint, long snapshotId, long timestampMillis) {
  public static final String PROPERTY = "trip-lake.checkpoint";
  public static final String CONFIG_PROPERTY = "trip-lake.config-fingerprint";

  /** A raw table's snapshot and its sequence number: files with a higher sequence number are new. */
  public record Position(long snapshotId, long sequenceNumber) {}

  public Checkpoint {
    rawTables = Map.copyOf(new TreeMap<>(rawTables));
  }

  /** The newest checkpoint in the ancestry of the table's current snapshot, if any. */
  public static Optional<Checkpoint> latest(Table tripsummary) {
    if (tripsummary.currentSnapshot() == null) {
      return Optional.empty();
    }
    for (Snapshot snapshot : SnapshotUtil.currentAncestors(tripsummary)) {
      String json = snapshot.summary().get(PROPERTY);
      if (json != null) {
        return Optional.of(new Checkpoint(parse(json, snapshot.snapshotId()), snapshot.summary().get(CONFIG_PROPERTY),
            snapshot.snapshotId(), snapshot.timestampMillis()));
      }
    }
    return Optional.empty();
  }

  /** The checkpoint a given tripsummary snapshot carries, if it carries one. */
  public static Optional<Checkpoint> of(Snapshot snapshot) {
    String json = snapshot.summary().get(PROPERTY);
    return json == null ? Optional.empty()
        : Optional.of(new Checkpoint(parse(json, snapshot.snapshotId()), snapshot.summary().get(CONFIG_PROPERTY),
            snapshot.snapshotId(), snapshot.timestampMillis()));
  }

  private static Map<String, Position> parse(String json, long snapshotId) {
    try {
      return Json.MAPPER.readValue(json, new TypeReference<Map<String, Position>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot read the checkpoint in tripsummary snapshot " + snapshotId + ": " + e.getOriginalMessage(), e);
    }
  }

  public Optional<Position> position(String rawTable) {
    return Optional.ofNullable(rawTables.get(rawTable));
  }

  /** The snapshot-summary property value: compact JSON. */
  public String toJson() {
    try {
      return Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(new TreeMap<>(rawTables));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
