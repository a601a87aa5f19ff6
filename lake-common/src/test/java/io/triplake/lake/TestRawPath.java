package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class TestRawPath {
  @Test
  void parsesTheCanedgeLayout() {
    RawPath path =
        RawPath.parse(
            "s3://bucket/",
            "s3://bucket/3BA199E2/CAN2_gnss_speed/2021/07/26/00000164_00000001.parquet");
    assertThat(path.deviceId()).isEqualTo("3BA199E2");
    assertThat(path.message()).isEqualTo("CAN2_gnss_speed");
    assertThat(path.tableName()).isEqualTo("can2_gnss_speed");
    assertThat(path.folderDate()).isEqualTo(LocalDate.of(2021, 7, 26));
  }

  @Test
  void namesWhatIsWrongWithAPath() {
    assertThatThrownBy(
            () -> RawPath.parse("file:/lake", "file:/lake/3BA199E2/CAN2_x/2021/02/29/a.parquet"))
        .hasMessage("invalid date in path 2021/02/29 (3BA199E2/CAN2_x/2021/02/29/a.parquet)");
    assertThatThrownBy(
            () -> RawPath.parse("file:/lake", "file:/lake/3BA199E2/CAN2_x/2021/7/26/a.parquet"))
        .hasMessageStartingWith(
            "path does not match the layout <deviceid>/<message>/yyyy/mm/dd/<file>.parquet");
    assertThatThrownBy(
            () -> RawPath.parse("file:/lake", "file:/other/3BA199E2/CAN2_x/2021/07/26/a.parquet"))
        .hasMessage("not below the source file:/lake");
  }

  @Test
  void aRejectedFileKeepsTheDeviceAndMessageOfItsPathWhenThePathHasTheShape() {
    assertThat(RawPath.origin("file:/lake", "file:/lake/3BA199E2/CAN2_x/2021/02/29/a.parquet"))
        .contains(new RawPath.Origin("3BA199E2", "CAN2_x"));
    assertThat(RawPath.origin("file:/lake", "file:/lake/3BA199E2/CAN2_x/2021/7/26/a.parquet"))
        .isEmpty();
    assertThat(RawPath.origin("file:/lake", "file:/other/3BA199E2/CAN2_x/2021/07/26/a.parquet"))
        .isEmpty();
  }

  @Test
  void noMessageNamesATableThatIsNotAMessageTable() {
    assertThat(RawPath.isMessageTable("can2_gnss_speed")).isTrue();
    assertThat(RawPath.isMessageTable(Lake.REJECTED_FILES)).isFalse();
    // A message that looks like it still maps to a table apart from the lake's own.
    RawPath rejectedLike =
        RawPath.parse("file:/lake", "file:/lake/3BA199E2/Rejected_Files/2021/07/26/a.parquet");
    assertThat(rejectedLike.tableName())
        .isEqualTo("rejected_files")
        .isNotEqualTo(Lake.REJECTED_FILES);
    assertThatThrownBy(
            () ->
                RawPath.parse(
                    "file:/lake", "file:/lake/3BA199E2/_rejected_files/2021/07/26/a.parquet"))
        .hasMessageStartingWith("path does not match the layout");
  }

  @Test
  void locationsCompareAcrossSpellings() {
    assertThat(Locations.normalize("file:///tmp/x/")).isEqualTo("file:/tmp/x");
    assertThat(Locations.normalize("/tmp/x/../y")).isEqualTo("file:/tmp/y");
    assertThat(Locations.overlap("s3a://b/warehouse", "s3://b/warehouse/raw")).isTrue();
    assertThat(Locations.overlap("s3://b/raw", "s3://b/raw-2")).isFalse();
    assertThat(Locations.overlap("file:/lake", "/lake/warehouse")).isTrue();
  }
}
