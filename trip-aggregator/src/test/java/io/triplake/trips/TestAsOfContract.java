package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.lake.JobContract;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java half of the cross-language test of {@code --as-of}: the job reads every example the job
 * contract (airflow-dags/dags/job-contract.json) accepts and refuses every one it refuses. The DAG
 * half, over the same examples, is airflow-dags/tests/test_contract.py; with both, the job and the
 * DAGs' {@code as_of} param agree.
 *
 * <p>The examples go through {@link RawAsOf#resolve}, the job's own entry, on a lake with an empty
 * tripsummary and no raw table: a time then resolves to no positions, and a snapshot id is read as
 * one and refused only because this lake has no such snapshot. A refused format fails first, with
 * the parser's message.
 */
class TestAsOfContract {
  private static final Instant NOW = Instant.parse("2100-01-01T00:00:00Z");
  private static final String FORMAT_REFUSED = "Cannot reprocess as of '";
  private static Table summary;

  @BeforeAll
  static void emptyTripSummary() {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("contract", Map.of());
    catalog.createNamespace(Namespace.of("trips"));
    summary =
        catalog.createTable(
            TableIdentifier.of("trips", "tripsummary"),
            new Schema(Types.NestedField.required(1, "tripid", Types.StringType.get())));
  }

  private static RawAsOf resolve(String asOf) {
    return RawAsOf.resolve(asOf, Map.of(), summary, "trips.tripsummary", NOW, Set.of());
  }

  static Stream<String> accepted() {
    return JobContract.load().asOf().accepted().stream();
  }

  static Stream<String> refused() {
    return JobContract.load().asOf().refused().stream();
  }

  @ParameterizedTest
  @MethodSource("accepted")
  void theJobReadsEveryAcceptedExample(String asOf) {
    if (asOf.chars().allMatch(Character::isDigit)) {
      assertThatThrownBy(() -> resolve(asOf))
          .hasMessageStartingWith(
              "Cannot reprocess as of snapshot " + asOf + ": it is a snapshot of neither");
    } else {
      assertThat(resolve(asOf).moment()).isEqualTo(RawAsOf.format(Instant.parse(asOf)));
    }
  }

  @ParameterizedTest
  @MethodSource("refused")
  void theJobRefusesEveryRefusedExample(String asOf) {
    assertThatThrownBy(() -> resolve(asOf))
        .hasMessage(
            FORMAT_REFUSED
                + asOf
                + "': not a snapshot id nor a time with a zone like 2024-03-02T10:00:00Z or"
                + " 2024-03-02T11:00:00+01:00");
  }

  @Test
  void anOffsetIsTheInstantItNames() {
    assertThat(RawAsOf.parseTime("2024-03-02T11:00:00+01:00"))
        .isEqualTo(Instant.parse("2024-03-02T10:00:00Z"));
    assertThat(RawAsOf.parseTime("2024-03-02T05:00:00.5-05:00"))
        .isEqualTo(Instant.parse("2024-03-02T10:00:00.500Z"));
  }

  @Test
  void aDateTheCalendarLacksIsRefusedThoughThePatternLetsItThrough() {
    assertThat(JobContract.load().asOf().matches("2024-02-30T10:00:00Z")).isTrue();
    assertThatThrownBy(() -> RawAsOf.parseTime("2024-02-30T10:00:00Z"))
        .hasMessageStartingWith(FORMAT_REFUSED + "2024-02-30T10:00:00Z'");
  }
}
