package io.triplake.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.maintenance.TableMaintainer.Compaction;
import io.triplake.maintenance.TableMaintainer.Expiry;
import io.triplake.maintenance.TableMaintainer.Kind;
import io.triplake.maintenance.TableMaintainer.ManifestRewrite;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A step whose commit loses to a concurrent writer runs again, at most three times in all; nothing
 * else is retried.
 */
class TestCommitRetry {
  private Table table;
  private Tally tally;

  @BeforeEach
  void table() {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("memory", Map.of());
    catalog.createNamespace(Namespace.of("trips"));
    table =
        catalog.createTable(
            TableIdentifier.of("trips", "t"),
            new Schema(Types.NestedField.required(1, "id", Types.LongType.get())));
    tally = new Tally("trips.t", Kind.SUMMARY, table);
  }

  @Test
  void aConflictIsRetriedAndNoted() {
    AtomicInteger calls = new AtomicInteger();
    String result =
        CommitRetry.attempt(
            "compact",
            table,
            tally,
            () -> {
              if (calls.incrementAndGet() == 1) {
                throw new CommitFailedException("Cannot commit: base metadata location changed");
              }
              if (calls.get() == 2) {
                // Conflicts that an action wraps are found among the causes.
                throw new RuntimeException(
                    "group failed", new ValidationException("Found new conflicting delete files"));
              }
              return "done";
            });

    assertThat(result).isEqualTo("done");
    assertThat(calls).hasValue(3);
    assertThat(tally.result(table, Compaction.NONE, ManifestRewrite.NONE, Expiry.NONE, 0).notes())
        .containsExactly(
            "'compact' conflicted with a concurrent commit and was re-planned (Cannot commit: base"
                + " metadata location changed)",
            "'compact' conflicted with a concurrent commit and was re-planned (Found new"
                + " conflicting delete files)");
  }

  @Test
  void theThirdConflictFailsTheStepWithAdvice() {
    AtomicInteger calls = new AtomicInteger();
    CommitFailedException conflict =
        new CommitFailedException("Cannot commit: base metadata location changed");
    assertThatThrownBy(
            () ->
                CommitRetry.attempt(
                    "expire snapshots of",
                    table,
                    tally,
                    () -> {
                      calls.incrementAndGet();
                      throw conflict;
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Cannot expire snapshots of trips.t: a concurrent writer committed conflicting changes"
                + " 3 times (Cannot commit: base metadata location changed). This step committed"
                + " nothing and no file was lost; run maintenance again when the other job has"
                + " finished")
        .hasCause(conflict);
    assertThat(calls).hasValue(CommitRetry.ATTEMPTS);
  }

  @Test
  void anUnknownCommitStateOrAnyOtherFailureIsNotRetried() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                CommitRetry.attempt(
                    "compact",
                    table,
                    tally,
                    () -> {
                      calls.incrementAndGet();
                      throw new CommitStateUnknownException(new CommitFailedException("timed out"));
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "Cannot compact trips.t: the catalog did not say whether the commit succeeded (")
        .hasMessageEndingWith("); look at the table's history before running maintenance again");
    assertThat(calls).hasValue(1);

    IllegalArgumentException other =
        new IllegalArgumentException("Cannot sort by a missing column");
    assertThatThrownBy(
            () ->
                CommitRetry.attempt(
                    "compact",
                    table,
                    tally,
                    () -> {
                      calls.incrementAndGet();
                      throw other;
                    }))
        .isSameAs(other);
    assertThat(calls).hasValue(2);
  }
}
