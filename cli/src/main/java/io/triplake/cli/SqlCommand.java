package io.triplake.cli;

import io.triplake.lake.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "sql", mixinStandardHelpOptions = true,
    description = "Run Spark SQL against the lake, e.g. \"SELECT * FROM raw.can2_gnss_speed LIMIT 10\".")
final class SqlCommand implements Callable<Integer> {
  enum Format { table, csv, json }

  @Mixin
  LakeOptions lakeOptions;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "QUERY", description = "The SQL statement.")
  String query;

  @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--max-rows", defaultValue = "1000", paramLabel = "N",
      description = "Rows printed as a table at most (default: ${DEFAULT-VALUE}); csv and json print all.")
  int maxRows;

  @Override
  public Integer call() {
    SparkSession spark = Sessions.open(lakeOptions.lake(), "trip-lake sql");
    print(spark.sql(query), format, maxRows, spec.commandLine().getOut());
    return 0;
  }

  static void print(Dataset<Row> result, Format format, int maxRows, PrintWriter out) {
    List<String> header = List.of(result.columns());
    switch (format) {
      case table -> {
        List<List<Object>> rows = new ArrayList<>();
        for (Row row : result.takeAsList(maxRows)) {
          rows.add(values(row));
        }
        out.println(TablePrinter.format(header, rows));
      }
      case csv -> {
        out.println(String.join(",", header.stream().map(SqlCommand::csv).toList()));
        for (Iterator<Row> it = result.toLocalIterator(); it.hasNext(); ) {
          out.println(String.join(",", values(it.next()).stream().map(v -> v == null ? "" : csv(TablePrinter.cell(v))).toList()));
        }
      }
      case json -> {
        for (Iterator<Row> it = result.toLocalIterator(); it.hasNext(); ) {
          List<Object> values = values(it.next());
          Map<String, Object> object = new LinkedHashMap<>();
          for (int i = 0; i < header.size(); i++) {
            Object v = values.get(i);
            object.put(header.get(i), v instanceof Number || v instanceof Boolean || v == null ? v : v.toString());
          }
          out.println(Json.write(object).replaceAll("\\s*\\n\\s*", " "));
        }
      }
      default -> throw new IllegalArgumentException("Cannot print: unknown format (" + format + ")");
    }
    out.flush();
  }

  private static List<Object> values(Row row) {
    List<Object> values = new ArrayList<>(row.size());
    for (int i = 0; i < row.size(); i++) {
      values.add(row.get(i));
    }
    return values;
  }

  private static String csv(String value) {
    return value.contains(",") || value.contains("\"") || value.contains("\n")
        ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }
}
