package io.triplake.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.univocity.parsers.csv.CsvWriter;
import com.univocity.parsers.csv.CsvWriterSettings;
import io.triplake.lake.Json;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
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

@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description =
        "Run Spark SQL against the lake, e.g. \"SELECT * FROM raw.can2_gnss_speed LIMIT 10\".")
final class SqlCommand implements Callable<Integer> {
  enum Format {
    table,
    csv,
    json
  }

  /**
   * One object per line ({@code { "a" : 1, "b" : "x" }}), doubles by Jackson's shortest round-trip
   * writer (Java 17's own is not shortest), decimals without exponent.
   */
  private static final ObjectWriter JSON_LINE =
      Json.MAPPER
          .writer(new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("", " ")))
          .with(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .with(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN);

  @Mixin LakeOptions lakeOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "QUERY", description = "The SQL statement.")
  String query;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = {
        "table, csv or json (default: ${DEFAULT-VALUE}). table rounds doubles for reading; csv and"
            + " json write every value so that it reads back identical: shortest round-trip"
            + " doubles, NaN, Infinity and -Infinity (strings in json), timestamps as ISO-8601 with"
            + " microseconds (UTC, with Z, for TIMESTAMP), ISO dates, NULL as an empty field in csv"
            + " (an empty string is \"\") and null in json."
      })
  Format format;

  @Option(
      names = "--max-rows",
      defaultValue = "1000",
      paramLabel = "N",
      description =
          "Rows printed as a table at most (default: ${DEFAULT-VALUE}); csv and json print all.")
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
        CsvWriter csv = new CsvWriter(out, csvSettings());
        csv.writeHeaders(header);
        for (Iterator<Row> it = result.toLocalIterator(); it.hasNext(); ) {
          csv.writeRow(
              values(it.next()).stream().map(v -> v == null ? null : ExactText.of(v)).toArray());
        }
        csv.flush();
      }
      case json -> {
        for (Iterator<Row> it = result.toLocalIterator(); it.hasNext(); ) {
          List<Object> values = values(it.next());
          Map<String, Object> object = new LinkedHashMap<>();
          for (int i = 0; i < header.size(); i++) {
            Object v = values.get(i);
            object.put(
                header.get(i),
                v instanceof Number || v instanceof Boolean || v == null ? v : ExactText.of(v));
          }
          out.println(jsonLine(object));
        }
      }
      default ->
          throw new IllegalArgumentException("Cannot print: unknown format (" + format + ")");
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

  /**
   * RFC 4180 quoting by Spark's own CSV library, with Spark's choices (an empty string as {@code
   * ""}, so that it differs from NULL) except that surrounding spaces are kept: they are part of
   * the value.
   */
  private static CsvWriterSettings csvSettings() {
    CsvWriterSettings settings = new CsvWriterSettings();
    settings.getFormat().setLineSeparator(System.lineSeparator());
    settings.setQuoteEscapingEnabled(true);
    settings.setEmptyValue("\"\"");
    settings.setIgnoreLeadingWhitespaces(false);
    settings.setIgnoreTrailingWhitespaces(false);
    return settings;
  }

  private static String jsonLine(Map<String, Object> object) {
    try {
      return JSON_LINE.writeValueAsString(object);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
