package io.triplake.ddl;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Trino (Athena engine v3) does differently from Spark, for the example queries: the rules of
 * Trino that running a statement on Spark cannot find, and the Trino syntax the examples use
 * translated to Spark SQL.
 */
final class TrinoSql {
  /** {@code x['key']}; an array is indexed by number, and {@code ARRAY['a']} is a constructor. */
  private static final Pattern MAP_SUBSCRIPT =
      Pattern.compile("\\b(?!(?i:ARRAY)\\b)[\\w.]+\\s*\\[\\s*'[^']*'\\s*]");

  private static final Pattern DECIMAL_DIVISOR =
      Pattern.compile("/\\s*(\\d+\\.\\d*|\\.\\d+)(?![\\w.])");

  private record Rewrite(Pattern trino, String spark) {
    Rewrite(String trino, String spark) {
      this(Pattern.compile(trino, Pattern.CASE_INSENSITIVE), spark);
    }
  }

  /**
   * Trino syntax the examples use, and its Spark SQL: the statement is otherwise run as it is, so a
   * Trino construct not listed here fails the test and is added here (or avoided in the example).
   */
  private static final List<Rewrite> TO_SPARK =
      List.of(
          // An Iceberg metadata table: Trino's "table$snapshots" is Spark's table.snapshots.
          new Rewrite("(\\w+)\\.\"(\\w+)\\$(\\w+)\"", "$1.$2.$3"),
          // Other quoted identifiers: Trino quotes with ", Spark with `.
          new Rewrite("\"([^\"]+)\"", "`$1`"),
          // date_diff('second', a, b) is b - a in seconds; Spark's timestampdiff takes the unit as
          // a keyword.
          new Rewrite("\\bdate_diff\\(\\s*'(\\w+)'\\s*,", "timestampdiff($1,"),
          // An instant's wall clock in a zone: Spark has no AT TIME ZONE; it assumes the session
          // zone is UTC (the test checks).
          new Rewrite(
              "([\\w.]+)\\s+AT\\s+TIME\\s+ZONE\\s+'([^']+)'",
              "convert_timezone('UTC', '$2', CAST($1 AS timestamp_ntz))"),
          // Trino's timestamp types take a precision (Spark's are microseconds); Spark's plain
          // timestamp has a zone.
          new Rewrite("\\btimestamp\\(\\d+\\)\\s+with\\s+time\\s+zone\\b", "timestamp"),
          new Rewrite("\\btimestamp\\(\\d+\\)", "timestamp_ntz"));

  private TrinoSql() {}

  /**
   * Where a statement breaks a rule of Trino (Athena engine v3) that Spark does not have, so that
   * running it on Spark cannot find it.
   */
  static List<String> violations(String sql) {
    List<String> violations = new ArrayList<>();
    for (Matcher m = MAP_SUBSCRIPT.matcher(sql); m.find(); ) {
      violations.add(
          "map subscript `"
              + m.group()
              + "` fails on a row without the key (Key not "
              + "present in map): use element_at(map, key), NULL when it is absent");
    }
    for (Matcher m = DECIMAL_DIVISOR.matcher(sql); m.find(); ) {
      violations.add(
          "division by the decimal literal "
              + m.group(1)
              + " gives a decimal of the literal's scale (1.44 shows as 1.4): divide by a double (a"
              + " literal like 3600e0, or CAST(x AS double))");
    }
    return violations;
  }

  static String toSpark(String trino) {
    String sql = trino;
    for (Rewrite rewrite : TO_SPARK) {
      sql = rewrite.trino().matcher(sql).replaceAll(rewrite.spark());
    }
    return sql;
  }
}
