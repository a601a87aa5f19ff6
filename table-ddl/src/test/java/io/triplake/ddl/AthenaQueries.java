package io.triplake.ddl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The example Athena queries shipped in {@code athena/queries/*.sql}, as statements: each file's
 * SQL (statements separated by {@code ;} at the end of a line), and each query a comment shows: a
 * comment line indented by two spaces or more to {@code SELECT} or {@code WITH} ({@code -- SELECT
 * ...}, set apart from prose like {@code -- With ...}), plus the comment lines indented deeper
 * below it. A new file or a new statement in a file is picked up without a change here.
 */
final class AthenaQueries {
  private static final Pattern COMMENT_QUERY = Pattern.compile("^--(\\s{2,})((SELECT|WITH)\\b.*)$");
  private static final Pattern STATEMENT_END = Pattern.compile(";\\s*$");

  /** One statement of a query file; {@code line} is where it starts (1-based). */
  record Statement(String file, int line, String sql) {
    @Override
    public String toString() {
      return file + ":" + line;
    }
  }

  private AthenaQueries() {}

  static List<Statement> all() {
    Path dir;
    try {
      dir =
          Path.of(
              Objects.requireNonNull(TableDdl.class.getResource("athena/queries"), "athena/queries")
                  .toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<Statement> statements = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".sql")).sorted().toList()) {
        statements.addAll(
            of(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return statements;
  }

  static List<Statement> of(String file, String text) {
    List<Statement> statements = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    StringBuilder sql = new StringBuilder();
    int start = 0;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher comment = COMMENT_QUERY.matcher(line);
      if (comment.matches()) {
        int first = i + 1;
        StringBuilder query = new StringBuilder(comment.group(2));
        String deeper = "--" + comment.group(1) + " ";
        while (i + 1 < lines.length && lines[i + 1].startsWith(deeper)) {
          query.append('\n').append(lines[++i].substring(2));
        }
        statements.add(new Statement(file, first, query.toString().strip()));
      } else if (!line.strip().startsWith("--") && !(sql.isEmpty() && line.isBlank())) {
        if (sql.isEmpty()) {
          start = i + 1;
        }
        Matcher end = STATEMENT_END.matcher(line);
        boolean ends = end.find();
        sql.append(ends ? line.substring(0, end.start()) : line).append('\n');
        if (ends) {
          statements.add(new Statement(file, start, sql.toString().strip()));
          sql.setLength(0);
        }
      }
    }
    if (!sql.isEmpty()) {
      statements.add(new Statement(file, start, sql.toString().strip()));
    }
    return statements;
  }
}
