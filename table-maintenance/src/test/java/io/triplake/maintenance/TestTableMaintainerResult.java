package io.triplake.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.triplake.lake.Json;
import io.triplake.maintenance.TableMaintainer.Compaction;
import io.triplake.maintenance.TableMaintainer.Counts;
import io.triplake.maintenance.TableMaintainer.Expiry;
import io.triplake.maintenance.TableMaintainer.Kind;
import io.triplake.maintenance.TableMaintainer.ManifestRewrite;
import io.triplake.maintenance.TableMaintainer.Result;
import io.triplake.maintenance.TableMaintainer.TableResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The figures of a run: totals, the summary line and the report's JSON, which keeps one flat object
 * per table.
 */
class TestTableMaintainerResult {
  /**
   * The report's field names of a table, as readers of {@code maintain-<run id>.json} know them.
   */
  private static final List<String> TABLE_FIELDS =
      List.of(
          "table",
          "kind",
          "dataFilesBefore",
          "dataFilesAfter",
          "deleteFilesBefore",
          "deleteFilesAfter",
          "manifestsBefore",
          "manifestsAfter",
          "snapshotsBefore",
          "snapshotsAfter",
          "rewrittenDataFiles",
          "addedDataFiles",
          "removedDeleteFiles",
          "rewrittenManifests",
          "addedManifests",
          "snapshotsExpired",
          "keptFromSnapshotId",
          "keptBecause",
          "filesDeleted",
          "orphanFilesDeleted",
          "plan",
          "notes",
          "seconds");

  private static final TableResult SUMMARY =
      new TableResult(
          "trips.tripsummary",
          Kind.SUMMARY,
          new Counts(40, 12, 9, 30),
          new Counts(4, 0, 2, 8),
          new Compaction(40, 4, 12),
          new ManifestRewrite(7, 1),
          new Expiry(22, 17L, "latest checkpoint", 61),
          1,
          List.of("compact: ..."),
          List.of("a note"),
          2.0);
  private static final TableResult RAW =
      new TableResult(
          "raw.can2_speed",
          Kind.RAW,
          new Counts(16, 0, 3, 4),
          new Counts(16, 0, 1, 2),
          Compaction.NONE,
          new ManifestRewrite(3, 1),
          new Expiry(2, 5L, "window", 0),
          0,
          List.of(),
          List.of(),
          0.5);
  private static final Result RUN =
      new Result("run-1", false, List.of(SUMMARY, RAW), List.of(), 3.0);

  @Test
  void theTotalSumsTheTablesFigures() {
    TableResult total = RUN.total();
    assertThat(total.table()).isEqualTo("total");
    assertThat(total.kind()).isEqualTo(Kind.TOTAL);
    assertThat(total.before()).isEqualTo(new Counts(56, 12, 12, 34));
    assertThat(total.after()).isEqualTo(new Counts(20, 0, 3, 10));
    assertThat(total.compaction()).isEqualTo(new Compaction(40, 4, 12));
    assertThat(total.manifests()).isEqualTo(new ManifestRewrite(10, 2));
    assertThat(total.expiry()).isEqualTo(new Expiry(24, null, null, 61));
    assertThat(total.orphanFilesDeleted()).isEqualTo(1);
    assertThat(total.seconds()).isEqualTo(2.5);
    assertThat(new Result("empty", true, List.of(), List.of(), 0).total().before())
        .isEqualTo(Counts.NONE);
  }

  @Test
  void theSummaryLinesNameEachFigure() {
    assertThat(RAW.summary())
        .isEqualTo(
            "raw.can2_speed (raw): data files 16 -> 16, delete files 0 -> 0, manifests 3 -> 1,"
                + " snapshots 4 -> 2 (2 expired, kept from 5: window), 0 files and 0 orphans"
                + " deleted in 0.5 s");
    assertThat(RUN.summary())
        .isEqualTo(
            "Maintenance run run-1: 2 tables; data files 56 -> 20, delete files 12 -> 0, manifests"
                + " 12 -> 3, snapshots 34 -> 10 (24 expired); 61 expired files and 1 orphan files"
                + " deleted; in 3.0 s");
  }

  @Test
  void theReportKeepsItsFlatFieldNames() throws Exception {
    JsonNode report = Json.MAPPER.readTree(Json.write(RUN));
    assertThat(fields(report))
        .containsExactly("runId", "dryRun", "tables", "total", "notes", "seconds");
    JsonNode summary = report.get("tables").get(0);
    assertThat(fields(summary)).containsExactlyInAnyOrderElementsOf(TABLE_FIELDS);
    assertThat(fields(report.get("total"))).containsExactlyInAnyOrderElementsOf(TABLE_FIELDS);
    assertThat(summary.get("kind").asText()).isEqualTo("tripsummary");
    assertThat(report.get("tables").get(1).get("kind").asText()).isEqualTo("raw");
    assertThat(report.get("total").get("kind").asText()).isEqualTo("total");
    assertThat(summary.get("dataFilesBefore").asInt()).isEqualTo(40);
    assertThat(summary.get("dataFilesAfter").asInt()).isEqualTo(4);
    assertThat(summary.get("removedDeleteFiles").asInt()).isEqualTo(12);
    assertThat(summary.get("keptFromSnapshotId").asLong()).isEqualTo(17);
    assertThat(summary.get("filesDeleted").asLong()).isEqualTo(61);
    assertThat(report.get("total").get("keptFromSnapshotId").isNull()).isTrue();
    assertThat(report.get("total").get("manifestsAfter").asInt()).isEqualTo(3);
  }

  private static List<String> fields(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
