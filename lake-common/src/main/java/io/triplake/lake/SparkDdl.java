package io.triplake.lake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * A table as its Spark DDL declares it, read from the DDL's text: the DDL stays the one home of the
 * columns, their comments, the partition and the properties, and a job creates the table through
 * Iceberg's Java API without starting Spark.
 *
 * <p>The DDL is of the form the project writes ({@code table-ddl}'s {@code spark/*.sql}): {@code
 * --} comment lines, then {@code CREATE TABLE [IF NOT EXISTS] <name> (<column> <TYPE> [COMMENT
 * '<text>'], ...) USING iceberg [PARTITIONED BY (<column>, ...)] [TBLPROPERTIES ('<key>' =
 * '<value>', ...)]}. Columns are optional and numbered from 1 in order, as Spark creates them;
 * partitions are identity partitions. Anything else is refused with the table's name and what did
 * not fit, rather than creating a table that differs from the one the DDL makes in Spark.
 *
 * @param schema the columns in order, with their comments
 * @param spec identity partitions on the {@code PARTITIONED BY} columns, or unpartitioned
 * @param properties the {@code TBLPROPERTIES}, in order
 */
public record SparkDdl(Schema schema, PartitionSpec spec, Map<String, String> properties) {
  private static final Pattern CREATE =
      Pattern.compile(
          "\\s*CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?\\S+\\s*\\(",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern COLUMN =
      Pattern.compile(
          "\\s*([a-z_][a-z0-9_]*)\\s+([A-Za-z_]+)(?:\\s+COMMENT\\s+'((?:[^']|'')*)')?\\s*(?:,|$)");
  private static final Pattern USING =
      Pattern.compile("\\s*USING\\s+iceberg\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern PARTITIONED =
      Pattern.compile("\\s*PARTITIONED\\s+BY\\s*\\(([^)]*)\\)", Pattern.CASE_INSENSITIVE);
  private static final Pattern PROPERTIES =
      Pattern.compile(
          "\\s*TBLPROPERTIES\\s*\\((.*)\\)\\s*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  private static final Pattern PROPERTY =
      Pattern.compile("\\s*'([^']+)'\\s*=\\s*'([^']*)'\\s*(,|$)");

  public SparkDdl {
    properties = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(properties));
  }

  /**
   * @param table the table's name, for error messages
   * @param ddl the DDL's text
   * @throws IllegalArgumentException naming the table and the part that does not fit the form
   */
  public static SparkDdl parse(String table, String ddl) {
    String text = withoutCommentLines(ddl);
    Matcher create = CREATE.matcher(text);
    if (!create.lookingAt()) {
      throw error(table, "it does not start with CREATE TABLE <name> (", text);
    }
    int close = closingParenthesis(table, text, create.end() - 1);
    Schema schema = new Schema(columns(table, text.substring(create.end(), close)));

    String rest = text.substring(close + 1);
    Matcher using = USING.matcher(rest);
    if (!using.lookingAt()) {
      throw error(table, "the column list is not followed by USING iceberg", rest);
    }
    rest = rest.substring(using.end());
    PartitionSpec.Builder spec = PartitionSpec.builderFor(schema);
    Matcher partitioned = PARTITIONED.matcher(rest);
    if (partitioned.lookingAt()) {
      for (String column : partitioned.group(1).split(",")) {
        String name = column.strip();
        if (schema.findField(name) == null) {
          throw error(
              table, "PARTITIONED BY names no column (only identity partitions are read)", name);
        }
        spec.identity(name);
      }
      rest = rest.substring(partitioned.end());
    }
    Map<String, String> properties = new LinkedHashMap<>();
    Matcher props = PROPERTIES.matcher(rest);
    if (props.matches()) {
      String list = props.group(1);
      Matcher property = PROPERTY.matcher(list);
      for (int at = 0; at < list.length() && !list.substring(at).isBlank(); at = property.end()) {
        property.region(at, list.length());
        if (!property.lookingAt()) {
          throw error(
              table, "a TBLPROPERTIES entry is not '<key>' = '<value>'", list.substring(at));
        }
        properties.put(property.group(1), property.group(2));
      }
    } else if (!rest.isBlank()) {
      throw error(
          table, "after the columns, only PARTITIONED BY (...) and TBLPROPERTIES (...)", rest);
    }
    return new SparkDdl(schema, spec.build(), properties);
  }

  /** A builder of the table in {@code catalog}; add a sort order or properties, then create. */
  public Catalog.TableBuilder builder(Catalog catalog, TableIdentifier id) {
    return catalog.buildTable(id, schema).withPartitionSpec(spec).withProperties(properties);
  }

  private static String withoutCommentLines(String ddl) {
    StringBuilder text = new StringBuilder();
    for (String line : ddl.split("\n", -1)) {
      if (!line.strip().startsWith("--")) {
        text.append(line).append('\n');
      }
    }
    return text.toString();
  }

  /** The parenthesis that closes the one at {@code open}, outside quoted text. */
  private static int closingParenthesis(String table, String text, int open) {
    int depth = 0;
    boolean quoted = false;
    for (int i = open; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      } else if (!quoted && c == '(') {
        depth++;
      } else if (!quoted && c == ')' && --depth == 0) {
        return i;
      }
    }
    throw error(table, "the column list is not closed", text.substring(open));
  }

  private static List<Types.NestedField> columns(String table, String list) {
    List<Types.NestedField> fields = new ArrayList<>();
    Matcher m = COLUMN.matcher(list);
    int at = 0;
    while (at < list.length() && !list.substring(at).isBlank()) {
      m.region(at, list.length());
      if (!m.lookingAt()) {
        throw error(table, "a column is not <name> <TYPE> [COMMENT '<text>']", list.substring(at));
      }
      String comment = m.group(3) == null ? null : m.group(3).replace("''", "'");
      fields.add(
          Types.NestedField.optional(
              fields.size() + 1, m.group(1), type(table, m.group(1), m.group(2)), comment));
      at = m.end();
    }
    if (fields.isEmpty()) {
      throw error(table, "it has no columns", list);
    }
    return fields;
  }

  private static Type type(String table, String column, String sparkType) {
    return switch (sparkType.toUpperCase(Locale.ROOT)) {
      case "STRING" -> Types.StringType.get();
      case "DOUBLE" -> Types.DoubleType.get();
      case "FLOAT" -> Types.FloatType.get();
      case "BIGINT" -> Types.LongType.get();
      case "INT" -> Types.IntegerType.get();
      case "BOOLEAN" -> Types.BooleanType.get();
      case "DATE" -> Types.DateType.get();
      case "TIMESTAMP_NTZ" -> Types.TimestampType.withoutZone();
      case "TIMESTAMP" -> Types.TimestampType.withZone();
      default ->
          throw error(
              table,
              "column " + column + " has a type this reader does not map (" + sparkType + ")",
              null);
    };
  }

  private static IllegalArgumentException error(String table, String reason, String at) {
    String snippet = at == null ? "" : at.strip();
    if (snippet.length() > 80) {
      snippet = snippet.substring(0, 80) + "...";
    }
    return new IllegalArgumentException(
        "Cannot read the Spark DDL of "
            + table
            + ": "
            + reason
            + (at == null ? "" : " (" + snippet + ")"));
  }
}
