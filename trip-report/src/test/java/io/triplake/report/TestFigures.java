package io.triplake.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.report.ReportData.Totals;
import io.triplake.report.ReportData.Trip;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestFigures {
  private static Trip trip(String device, String day, long startS, double durationS, Double km) {
    return new Trip(
        device,
        "c",
        device + "_" + startS,
        day,
        startS * 1000,
        (long) (startS + durationS) * 1000,
        durationS,
        km,
        km == null ? null : 80.0,
        km == null ? null : durationS * 0.75,
        km == null ? null : durationS * 0.25,
        km == null ? 0 : 10);
  }

  private static final List<Trip> TRIPS =
      List.of(
          trip("B", "2024-01-01", 100, 3600, 50.0),
          trip("A", "2024-01-01", 200, 1800, 20.0),
          trip("A", "2024-01-02", 90_000, 3600, 40.0),
          trip("C", "2024-01-02", 90_100, 7200, null));

  @Test
  void theLongestComeFirstAndEqualDurationsByDeviceThenStart() {
    assertThat(Figures.longest(TRIPS, 3))
        .extracting(Trip::id)
        .containsExactly("C_90100", "A_90000", "B_100");
    assertThat(Figures.longest(TRIPS, 0)).isEmpty();
    assertThat(Figures.longest(TRIPS, 99)).hasSize(4);
  }

  @Test
  void totalsPerDeviceInLaneOrderWithZerosForADeviceWithoutTrips() {
    List<Totals> totals = Figures.perDevice(List.of("A", "B", "C", "D"), TRIPS);
    assertThat(totals)
        .containsExactly(
            new Totals("A", 2, 2, 60.0, 4050 / 3600.0, 1350 / 3600.0, 1.5),
            new Totals("B", 1, 1, 50.0, 0.75, 0.25, 1.0),
            // No GNSS: its NULL distance and times count as 0.
            new Totals("C", 1, 1, 0.0, 0.0, 0.0, 2.0),
            new Totals("D", 0, 0, 0.0, 0.0, 0.0, 0.0));
  }

  @Test
  void theTotalSumsEveryTrip() {
    assertThat(Figures.total(TRIPS)).isEqualTo(new Totals(null, 4, 2, 110.0, 1.875, 0.625, 4.5));
  }
}
