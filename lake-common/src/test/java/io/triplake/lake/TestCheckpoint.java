package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checkpoint as it lives in a snapshot summary: written, read back, refused when damaged. */
class TestCheckpoint {
  private static final Map<String, Checkpoint.Position> POSITIONS =
      Map.of(
          "raw.can2_speed", new Checkpoint.Position(8_206_675_397_665_791_875L, 12),
          "raw.can2_odo", new Checkpoint.Position(136_657_333_020_442_165L, 3));

  @Test
  void propertiesReadBackToTheSameCheckpoint() {
    Checkpoint written = new Checkpoint(POSITIONS, "f598dd5e507cc05d", 0, 0, Map.of());
    Map<String, String> summary = new HashMap<>(written.properties());
    summary.put(LakeProperties.RUN_ID, "run-1");
    assertThat(summary).doesNotContainKey(LakeProperties.PINNED_DAYS);
    assertThat(summary.get(LakeProperties.CHECKPOINT))
        .isEqualTo(
            "{\"raw.can2_odo\":{\"snapshotId\":136657333020442165,\"sequenceNumber\":3},"
                + "\"raw.can2_speed\":{\"snapshotId\":8206675397665791875,\"sequenceNumber\":12}}");

    Checkpoint read = Checkpoint.of(summary, 42, 1_700_000_000_000L).orElseThrow();
    assertThat(read)
        .isEqualTo(new Checkpoint(POSITIONS, "f598dd5e507cc05d", 42, 1_700_000_000_000L, Map.of()));
    assertThat(read.position("raw.can2_speed")).contains(POSITIONS.get("raw.can2_speed"));
    assertThat(read.position("raw.other")).isEmpty();
  }

  @Test
  void pinnedDaysTravelWithTheCheckpoint() {
    Checkpoint.Pin pin =
        new Checkpoint.Pin(
            "2024-06-04T06:00:00Z", Map.of("raw.can2_speed", 7L, "raw.can2_odo", 5L), "run-7");
    Checkpoint written =
        new Checkpoint(POSITIONS, "fp", 0, 0, Map.of())
            .withPinnedDays(Map.of(LocalDate.of(2024, 6, 3), pin));
    Map<String, String> summary = written.properties();
    assertThat(summary.get(LakeProperties.PINNED_DAYS))
        .isEqualTo(
            "{\"2024-06-03\":{\"asOf\":\"2024-06-04T06:00:00Z\",\"rawSnapshots\":{\"raw.can2_odo\":5,\"raw.can2_speed\":7},\"runId\":\"run-7\"}}");
    Checkpoint read = Checkpoint.of(summary, 9, 0).orElseThrow();
    assertThat(read.pinnedDays()).containsExactly(Map.entry(LocalDate.of(2024, 6, 3), pin));
    assertThat(read.rawTables()).isEqualTo(POSITIONS);
  }

  @Test
  void aSnapshotWithoutACheckpointHasNone() {
    assertThat(Checkpoint.of(Map.of(LakeProperties.RUN_ID, "maintain-1"), 1, 0)).isEmpty();
  }

  @Test
  void aDamagedCheckpointIsRefusedNamingTheSnapshotAndTheProperty() {
    assertThatThrownBy(() -> Checkpoint.of(Map.of(LakeProperties.CHECKPOINT, "{not json"), 77, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Cannot read trip-lake.checkpoint in tripsummary snapshot 77: ");
    assertThatThrownBy(
            () ->
                Checkpoint.of(
                    Map.of(LakeProperties.CHECKPOINT, "{}", LakeProperties.PINNED_DAYS, "[1]"),
                    78,
                    0))
        .hasMessageStartingWith("Cannot read trip-lake.pinned-days in tripsummary snapshot 78: ");
  }
}
