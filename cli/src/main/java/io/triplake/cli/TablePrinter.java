package io.triplake.cli;

import java.util.ArrayList;
import java.util.List;

/** Plain-text tables for terminals. */
final class TablePrinter {
  private TablePrinter() {}

  static String format(List<String> header, List<List<Object>> rows) {
    int[] widths = new int[header.size()];
    List<List<String>> cells = new ArrayList<>();
    cells.add(header);
    for (List<Object> row : rows) {
      cells.add(row.stream().map(TablePrinter::cell).toList());
    }
    for (List<String> row : cells) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < cells.size(); r++) {
      List<String> row = cells.get(r);
      for (int i = 0; i < widths.length; i++) {
        out.append(i == 0 ? "" : " | ");
        String value = row.get(i);
        boolean right = r > 0 && rows.get(r - 1).get(i) instanceof Number;
        out.append(right ? pad(value, widths[i], true) : pad(value, widths[i], false));
      }
      out.append(System.lineSeparator());
      if (r == 0) {
        for (int i = 0; i < widths.length; i++) {
          out.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
        }
        out.append(System.lineSeparator());
      }
    }
    out.append("(").append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)");
    return out.toString();
  }

  static String cell(Object value) {
    if (value == null) {
      return "NULL";
    }
    if (value instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? d.toString() : stripZeros(String.format("%.6f", d));
    }
    return value.toString();
  }

  private static String stripZeros(String s) {
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }
}
