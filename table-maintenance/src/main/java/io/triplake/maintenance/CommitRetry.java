package io.triplake.maintenance;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.relocated.com.google.common.base.Throwables;
import org.apache.iceberg.util.Tasks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a step again on the refreshed table when its commit conflicted with a concurrent writer. A
 * step either commits whole or not at all: a conflict never leaves a half-done change.
 */
final class CommitRetry {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintainer.class);

  /** Attempts of a step whose commit conflicts with a concurrent writer (each attempt re-plans). */
  static final int ATTEMPTS = 3;

  /** A short wait before the next attempt gives the other writer's commit time to land. */
  private static final long MIN_WAIT_MS = 100;

  private static final long MAX_WAIT_MS = 10_000;

  /**
   * The attempts bound the retries, not time: one attempt of a compaction may take longer than any
   * fixed cap.
   */
  private static final long NO_TIME_LIMIT = Long.MAX_VALUE;

  private CommitRetry() {}

  /**
   * @param what the step, as in "Cannot {@code what} {@code table}: ..."
   */
  static <T> T attempt(String what, Table table, Tally tally, Supplier<T> step) {
    AtomicInteger attempts = new AtomicInteger();
    AtomicReference<T> result = new AtomicReference<>();
    try {
      Tasks.foreach(List.of(step))
          .retry(ATTEMPTS - 1)
          // Not onlyRetryOn(...): Spark actions may wrap the conflict, so the test looks through
          // the causes.
          .shouldRetryTest(CommitRetry::retryable)
          .exponentialBackoff(MIN_WAIT_MS, MAX_WAIT_MS, NO_TIME_LIMIT, 2.0)
          .run(
              s -> {
                int attempt = attempts.incrementAndGet();
                table.refresh();
                try {
                  result.set(s.get());
                } catch (RuntimeException e) {
                  // Tasks has no hook per retry: the attempt that is about to be retried notes it
                  // itself.
                  if (attempt < ATTEMPTS && retryable(e)) {
                    String message = conflict(e).orElseThrow().getMessage();
                    tally.note(
                        "'"
                            + what
                            + "' conflicted with a concurrent commit and was re-planned ("
                            + message
                            + ")");
                    LOG.warn(
                        "Cannot {} {} (attempt {} of {}): {}; retrying on the refreshed table",
                        what,
                        tally.table(),
                        attempt,
                        ATTEMPTS,
                        message);
                  }
                  throw e;
                }
              });
    } catch (CommitStateUnknownException e) {
      throw new IllegalStateException(
          "Cannot "
              + what
              + " "
              + tally.table()
              + ": the catalog did not say whether the commit "
              + "succeeded ("
              + e.getMessage()
              + "); look at the table's history before running maintenance again",
          e);
    } catch (RuntimeException e) {
      Optional<RuntimeException> conflict = conflict(e);
      if (conflict.isEmpty()) {
        throw e;
      }
      throw new IllegalStateException(
          "Cannot "
              + what
              + " "
              + tally.table()
              + ": a concurrent writer committed conflicting "
              + "changes "
              + ATTEMPTS
              + " times ("
              + conflict.get().getMessage()
              + "). This step committed nothing and no file was "
              + "lost; run maintenance again when the other job has finished",
          e);
    }
    return result.get();
  }

  /**
   * A conflict anywhere in the failure's causes, unless the catalog could not say whether the
   * commit happened.
   */
  private static boolean retryable(Exception e) {
    return !(e instanceof CommitStateUnknownException) && conflict(e).isPresent();
  }

  private static Optional<RuntimeException> conflict(Throwable e) {
    return Throwables.getCausalChain(e).stream()
        .filter(t -> t instanceof CommitFailedException || t instanceof ValidationException)
        .map(RuntimeException.class::cast)
        .findFirst();
  }
}
