package io.triplake.cli;

import io.triplake.ingest.RawFileRegistrar;
import java.io.PrintWriter;
import java.util.List;

/** Human-readable run reports; the JSON file carries the same records in full. */
final class Reports {
  private static final int MAX_LISTED = 20;

  private Reports() {}

  static void printRegistration(RawFileRegistrar.Result r, PrintWriter out) {
    out.println(r.summary());
    if (!r.commits().isEmpty()) {
      out.println(
          TablePrinter.format(
              List.of("table", "snapshot_id", "files", "rows", "bytes"),
              r.commits().stream()
                  .map(
                      c ->
                          List.<Object>of(
                              c.table(), c.snapshotId(), c.files(), c.rows(), c.bytes()))
                  .toList()));
    }
    if (!r.tablesCreated().isEmpty()) {
      out.println("Tables created: " + String.join(", ", r.tablesCreated()));
    }
    if (!r.columnsAdded().isEmpty()) {
      out.println("Columns added: " + String.join(", ", r.columnsAdded()));
    }
    problems("Rejected", r.rejectedFiles(), out);
    problems("Changed since registration", r.changedFiles(), out);
    problems("Missing from the source", r.missingFiles(), out);
  }

  private static void problems(
      String title, List<RawFileRegistrar.FileProblem> problems, PrintWriter out) {
    if (problems.isEmpty()) {
      return;
    }
    out.println(title + " (" + problems.size() + "):");
    problems.stream()
        .limit(MAX_LISTED)
        .forEach(p -> out.println("  " + p.path() + ": " + p.reason()));
    if (problems.size() > MAX_LISTED) {
      out.println("  ... " + (problems.size() - MAX_LISTED) + " more in the JSON report");
    }
  }
}
