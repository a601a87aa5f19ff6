package io.triplake.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.report.HeatMap.DeviceDay;
import io.triplake.report.ReportData.Cell;
import io.triplake.report.ReportData.Rejected;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestHeatMap {
  private static final long H = 3_600_000L;

  @Test
  void theMessagesOfADeviceAndDayMakeOneCell() {
    List<Cell> cells =
        HeatMap.cells(
            List.of(
                new DeviceDay(
                    "A", "can2_gnss_speed", "2024-01-01", 10, 1000, 2 * H, 20 * H, 30.0, 1, 2.5, 0),
                new DeviceDay(
                    "A", "can2_gnss_pos", "2024-01-01", 5, 500, 1 * H, 19 * H, 700.0, 2, null, 1),
                new DeviceDay(
                    "A", "can2_gnss_pos", "2024-01-02", 1, 10, null, null, Double.NaN, 0, 30.0, 0)),
            List.of());
    assertThat(cells)
        .containsExactly(
            new Cell("A", "2024-01-01", 2, 15, 1500, 19.0, 700.0, 3, 2.5, 1, 0),
            new Cell("A", "2024-01-02", 1, 1, 10, 0.0, null, 0, 30.0, 0, 0));
  }

  @Test
  void rejectedFilesCountInTheirDevicesDayAndMakeACellOfTheirOwn() {
    List<Cell> cells =
        HeatMap.cells(
            List.of(new DeviceDay("A", "m", "2024-01-01", 1, 1, 0L, 0L, 0.0, 0, 0.0, 0)),
            List.of(
                new Rejected("s3://raw/A/m/2024/01/01/1.parquet", "A", "m", "2024-01-01", "x", 1L),
                new Rejected("s3://raw/B/m/2024/01/03/1.parquet", "B", "m", "2024-01-03", "x", 1L),
                new Rejected("s3://raw/elsewhere.parquet", null, null, null, "x", null)));
    assertThat(cells)
        .extracting(Cell::device, Cell::day, Cell::rows, Cell::rejectedFiles)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("A", "2024-01-01", 1L, 1),
            org.assertj.core.groups.Tuple.tuple("B", "2024-01-03", 0L, 1));
  }

  @Test
  void theDayOfARawFileIsItsFolders() {
    assertThat(HeatMap.folderDay("s3://raw/3BA199E2/CAN2_gnss_speed/2021/07/26/00000001.parquet"))
        .isEqualTo("2021-07-26");
    assertThat(HeatMap.folderDay("/raw/3BA199E2/CAN2_gnss_speed/x.parquet")).isNull();
    assertThat(HeatMap.folderDay(null)).isNull();
  }
}
