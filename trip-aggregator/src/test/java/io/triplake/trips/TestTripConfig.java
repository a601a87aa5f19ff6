package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.trips.TripConfig.Aggregate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class TestTripConfig {
  static final String CURRENT =
      """
      {"config": {"trip": {"trip_gap_min": 5, "trip_min_length_min": 2}},
       "device_clusters": [{"devices": ["2F6913DB", "3BA199E2"], "cluster": "cluster1"}],
       "cluster_details": [{"clusters": ["cluster1"],
         "details": {"trip_identifier": {"message": "CAN2_GnssSpeed"},
           "aggregations": [{"message": "CAN2_GnssSpeed", "signal": ["Speed"], "aggregation": ["avg", "max"]},
                            {"message": "CAN2_GnssOdo", "signal": ["DistanceTrip"], "aggregation": ["delta_sum"]}]}}]}
      """;

  static final String OLDER =
      """
      {"config": {"trip": {"trip_gap_min": 5, "trip_min_length_min": 2}},
       "device_clusters": [{"devices": ["3BA199E2", "2F6913DB"], "cluster": "cluster1"}],
       "cluster_details": [{"cluster1": {"trip_identifier": "CAN2_GnssSpeed",
           "aggregations": [{"message": "CAN2_GnssSpeed", "signal": ["Speed"], "aggregation": "avg"},
                            {"message": "CAN2_GnssSpeed", "signal": ["Speed"], "aggregation": "max"},
                            {"message": "CAN2_GnssOdo", "signal": "DistanceTrip", "aggregation": "delta_sum"}]}}]}
      """;

  @Test
  void bothFormatsMeanTheSameConfig() {
    TripConfig current = TripConfig.parse(CURRENT, "current.json");
    TripConfig older = TripConfig.parse(OLDER, "older.json");
    assertThat(current.tripGapMinutes()).isEqualTo(5);
    assertThat(current.tripMinLengthMicros()).isEqualTo(120_000_000L);
    assertThat(current.clusters())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.devices()).containsExactlyInAnyOrder("2F6913DB", "3BA199E2");
              assertThat(c.identifierMessage()).isEqualTo("CAN2_GnssSpeed");
              assertThat(c.signals()).hasSize(2);
              assertThat(c.signals().get(0).aggregates())
                  .containsExactlyInAnyOrder(Aggregate.AVG, Aggregate.MAX);
            });
    assertThat(older.fingerprint()).isEqualTo(current.fingerprint());
    assertThat(older.clusters().get(0).signals().get(0).aggregates())
        .containsExactlyInAnyOrder(Aggregate.AVG, Aggregate.MAX);
  }

  @Test
  void defaultsAndWildcard() {
    TripConfig config =
        TripConfig.parse(
            """
            {"device_clusters": [{"devices": ["*"], "cluster": "all"}, {"devices": ["AABBCCDD"], "cluster": "one"}],
             "cluster_details": [{"clusters": ["all", "one"], "details": {"trip_identifier": {"message": "M"},
               "aggregations": [{"message": "M", "signal": ["S"], "aggregation": ["count", "stddev", "median"]}]}}]}
            """,
            "x");
    assertThat(config.tripGapMinutes()).isEqualTo(TripConfig.TRIP_GAP_MIN_DEFAULT);
    assertThat(config.tripMinLengthMinutes()).isEqualTo(TripConfig.TRIP_MIN_LENGTH_MIN_DEFAULT);
    assertThat(config.deviceDayGapLimitSeconds())
        .isEqualTo(TripConfig.DEVICE_DAY_GAP_LIMIT_S_DEFAULT)
        .isEqualTo(60);
    assertThat(config.clusters())
        .extracting(TripConfig.Cluster::name, TripConfig.Cluster::wildcard)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("all", true),
            org.assertj.core.groups.Tuple.tuple("one", false));
    assertThat(config.explicitDevices()).containsExactly("AABBCCDD");
    assertThat(
            TripConfig.parse(CURRENT.replace("\"avg\", \"max\"", "\"max\", \"avg\""), "x")
                .fingerprint())
        .isEqualTo(TripConfig.parse(CURRENT, "x").fingerprint());
    assertThat(
            TripConfig.parse(CURRENT.replace("\"trip_gap_min\": 5", "\"trip_gap_min\": 6"), "x")
                .fingerprint())
        .isNotEqualTo(TripConfig.parse(CURRENT, "x").fingerprint());
  }

  @Test
  void theDeviceDayGapLimitIsAConfigKeyTheVendorsToolIgnoresAndNoTripDependsOn() {
    String limited =
        CURRENT.replace(
            "\"trip_min_length_min\": 2}}",
            "\"trip_min_length_min\": 2}, \"device_days\": {\"gap_limit_s\": 2.5}}");
    assertThat(limited).isNotEqualTo(CURRENT);
    TripConfig config = TripConfig.parse(limited, "x");
    assertThat(config.deviceDayGapLimitSeconds()).isEqualTo(2.5);
    assertThat(config.fingerprint()).isEqualTo(TripConfig.parse(CURRENT, "x").fingerprint());
    assertThatThrownBy(() -> TripConfig.parse(limited.replace("2.5", "0"), "a.json"))
        .hasMessage(
            "Cannot use the aggregation config: config.device_days.gap_limit_s must be a number of"
                + " seconds above 0 (0.0) (a.json)");
    assertThatThrownBy(
            () -> TripConfig.parse(limited.replace("gap_limit_s", "gap_limit"), "a.json"))
        .hasMessageContaining(
            "config.device_days has unknown key 'gap_limit' (known: gap_limit_s)");
  }

  @Test
  void malformedConfigsNameTheEntry() {
    assertThatThrownBy(() -> TripConfig.parse("{\"device_clusters\": [", "bad.json"))
        .hasMessageStartingWith("Cannot parse the aggregation config:")
        .hasMessageEndingWith("(bad.json)");
    assertThatThrownBy(
            () -> TripConfig.parse(CURRENT.replace("\"delta_sum\"", "\"delta_summ\""), "a.json"))
        .hasMessage(
            "Cannot use the aggregation config:"
                + " cluster_details[0].cluster1.aggregations[1].aggregation has unknown aggregation"
                + " 'delta_summ' (known: avg, median, max, min, sum, first, last, delta_sum,"
                + " delta_sum_pos, delta_sum_neg, count, stddev) (a.json)");
    assertThatThrownBy(
            () ->
                TripConfig.parse(
                    CURRENT.replace("\"trip_gap_min\"", "\"trip_gap_mins\""), "a.json"))
        .hasMessage(
            "Cannot use the aggregation config: config.trip has unknown key 'trip_gap_mins' (known:"
                + " trip_gap_min, trip_min_length_min) (a.json)");
    assertThatThrownBy(
            () -> TripConfig.parse(CURRENT.replace("[\"cluster1\"]", "[\"cluster2\"]"), "a.json"))
        .hasMessage(
            "Cannot use the aggregation config: cluster_details[0] names cluster 'cluster2', which"
                + " device_clusters does not define (a.json)");
    assertThatThrownBy(
            () -> TripConfig.parse(CURRENT.replace("\"3BA199E2\"", "\"3BA199E\""), "a.json"))
        .hasMessageContaining("device_clusters[0].devices has '3BA199E', which is not a device id");
    assertThatThrownBy(
            () ->
                TripConfig.parse(
                    CURRENT.replace("\"trip_gap_min\": 5", "\"trip_gap_min\": 0"), "a.json"))
        .hasMessageContaining("config.trip.trip_gap_min must be greater than 0");
    // No config can read the rejected-files table of the raw namespace as a message's raw table.
    assertThatThrownBy(
            () ->
                TripConfig.parse(
                    CURRENT.replace(
                        "{\"message\": \"CAN2_GnssOdo\"",
                        "{\"message\": \"" + io.triplake.lake.Lake.REJECTED_FILES + "\""),
                    "a.json"))
        .hasMessageContaining(
            "cluster_details[0].cluster1.aggregations[1].message has '_rejected_files', which is"
                + " not a message name");
  }

  @Test
  void validationNamesUnknownMessagesAndSignals() {
    TripConfig config = TripConfig.parse(CURRENT, "x");
    Map<String, Schema> tables =
        Map.of("CAN2_GnssSpeed", raw(Map.of("speed", Types.DoubleType.get())));
    assertThatThrownBy(() -> config.validate(m -> Optional.ofNullable(tables.get(m)), "raw"))
        .hasMessage(
            "Cannot use the aggregation config: cluster_details[0].cluster1.aggregations[1] names"
                + " message 'CAN2_GnssOdo', which has no raw table raw.can2_gnssodo");
    Map<String, Schema> noSignal =
        Map.of(
            "CAN2_GnssSpeed",
            raw(Map.of("velocity", Types.DoubleType.get())),
            "CAN2_GnssOdo",
            raw(Map.of("distancetrip", Types.DoubleType.get())));
    assertThatThrownBy(() -> config.validate(m -> Optional.ofNullable(noSignal.get(m)), "raw"))
        .hasMessage(
            "Cannot use the aggregation config: cluster_details[0].cluster1.aggregations[0] names"
                + " signal 'Speed', which message 'CAN2_GnssSpeed' does not have (signals:"
                + " velocity)");
  }

  /**
   * The trip job reads signals as doubles: a type it cannot read is refused here, not in a Spark
   * task.
   */
  @Test
  void validationRefusesSignalsTheTripJobCannotAggregate() {
    TripConfig config = TripConfig.parse(CURRENT, "x");
    for (Type type :
        List.of(
            Types.StringType.get(),
            Types.DateType.get(),
            Types.TimestampType.withZone(),
            Types.BinaryType.get(),
            Types.ListType.ofOptional(10, Types.DoubleType.get()))) {
      Map<String, Schema> tables =
          Map.of(
              "CAN2_GnssSpeed",
              raw(Map.of("speed", type)),
              "CAN2_GnssOdo",
              raw(Map.of("distancetrip", Types.DoubleType.get())));
      assertThatThrownBy(() -> config.validate(m -> Optional.ofNullable(tables.get(m)), "raw"))
          .hasMessage(
              "Cannot use the aggregation config: cluster_details[0].cluster1.aggregations[0] names"
                  + " signal 'Speed' of message 'CAN2_GnssSpeed', whose type "
                  + type
                  + " the trip job cannot aggregate");
    }
    for (Type type :
        List.of(
            Types.DoubleType.get(),
            Types.FloatType.get(),
            Types.IntegerType.get(),
            Types.LongType.get(),
            Types.BooleanType.get(),
            Types.DecimalType.of(20, 4))) {
      Map<String, Schema> tables =
          Map.of(
              "CAN2_GnssSpeed",
              raw(Map.of("speed", type)),
              "CAN2_GnssOdo",
              raw(Map.of("distancetrip", Types.DoubleType.get())));
      config.validate(m -> Optional.ofNullable(tables.get(m)), "raw");
    }
  }

  /** A raw table's schema: device_id, t, then the signal columns. */
  private static Schema raw(Map<String, Type> signals) {
    List<Types.NestedField> fields =
        new ArrayList<>(
            List.of(
                Types.NestedField.optional(1, "device_id", Types.StringType.get()),
                Types.NestedField.optional(2, "t", Types.TimestampType.withZone())));
    new TreeMap<>(signals)
        .forEach(
            (name, type) ->
                fields.add(Types.NestedField.optional(fields.size() + 100, name, type)));
    return new Schema(fields);
  }
}
