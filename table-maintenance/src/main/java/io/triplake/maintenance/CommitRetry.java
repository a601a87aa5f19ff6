package io.triplake.maintenance;

import java.util.function.Supplier;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ValidationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a step again on the refreshed table when its commit conflicted with a concurrent writer. A step
 * either commits whole or not at all: a conflict never leaves a half-done change.
 */
final class CommitRetry {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintainer.class);
  /** Attempts of a step whose commit conflicts with a concurrent writer (each attempt re-plans). */
  static final int ATTEMPTS = 3;

  private CommitRetry() {}

  /**
   * @param what the step, as in "Cannot {@code what} {@code table}: ..."
   */
  static <T> T attempt(String what, Table table, Tally tally, Supplier<T> step) {
    for (int attempt = 1; ; attempt++) {
      table.refresh();
      try {
        return step.get();
      } catch (CommitStateUnknownException e) {
        throw new IllegalStateException("Cannot " + what + " " + tally.table() + ": the catalog did not say whether the commit "
            + "succeeded (" + e.getMessage() + "); look at the table's history before running maintenance again", e);
      } catch (RuntimeException e) {
        RuntimeException conflict = conflict(e);
        if (conflict == null) {
          throw e;
        }
        if (attempt >= ATTEMPTS) {
          throw new IllegalStateException("Cannot " + what + " " + tally.table() + ": a concurrent writer committed conflicting "
              + "changes " + ATTEMPTS + " times (" + conflict.getMessage() + "). This step committed nothing and no file was "
              + "lost; run maintenance again when the other job has finished", e);
        }
        tally.note("'" + what + "' conflicted with a concurrent commit and was re-planned (" + conflict.getMessage() + ")");
        LOG.warn("Cannot {} {} (attempt {} of {}): {}; retrying on the refreshed table", what, tally.table(), attempt, ATTEMPTS,
            conflict.getMessage());
      }
    }
  }

  private static RuntimeException conflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CommitFailedException || t instanceof ValidationException) {
        return (RuntimeException) t;
      }
    }
    return null;
  }
}
