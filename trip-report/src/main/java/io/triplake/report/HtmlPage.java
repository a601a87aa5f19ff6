package io.triplake.report;

import io.triplake.lake.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The report's one HTML file: the page template with its style, Apache ECharts ({@code
 * dist/echarts.min.js} of the ECharts WebJar), the data as JSON and the page's script, all inline,
 * so that the file opens offline and fetches nothing.
 */
final class HtmlPage {
  /** The WebJar's Maven coordinates, which name its version and so the folder of its files. */
  static final String ECHARTS_POM = "/META-INF/maven/org.webjars.npm/echarts/pom.properties";

  private static final String TEMPLATE = "trip-report.html";
  private static final String STYLE = "trip-report.css";
  private static final String SCRIPT = "trip-report.js";

  private HtmlPage() {}

  /** The page of {@code data}. */
  static String render(ReportData data) {
    String template = resource(HtmlPage.class, TEMPLATE);
    return replace(
        replace(
            replace(
                replace(
                    template.replace("@TITLE@", escapeHtml(data.title())),
                    "/*@STYLE@*/",
                    resource(HtmlPage.class, STYLE)),
                "/*@ECHARTS@*/",
                echarts()),
            "@DATA@",
            scriptJson(data)),
        "/*@SCRIPT@*/",
        resource(HtmlPage.class, SCRIPT));
  }

  /** The version of ECharts the page inlines. */
  static String echartsVersion() {
    Properties pom = new Properties();
    try (InputStream in = HtmlPage.class.getResourceAsStream(ECHARTS_POM)) {
      if (in == null) {
        throw new IllegalStateException(
            "Cannot build the trip report: the ECharts WebJar is not on the classpath ("
                + ECHARTS_POM
                + ")");
      }
      pom.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pom.getProperty("version");
  }

  /** {@code dist/echarts.min.js} of the WebJar. */
  static String echarts() {
    String path =
        "/META-INF/resources/webjars/echarts/" + echartsVersion() + "/dist/echarts.min.js";
    return resource(HtmlPage.class, path);
  }

  /**
   * JSON that is safe inside a {@code <script>} element: no {@code <}, {@code >} or {@code &}
   * (escaped as {@code \u003c} and so on, which JSON reads back as the same characters), so no text
   * of a table (a device id, a rejection reason) can end the element.
   */
  static String scriptJson(Object value) {
    String json = Json.compact(value);
    StringBuilder out = new StringBuilder(json.length() + 64);
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      switch (c) {
        case '<' -> out.append("\\u003c");
        case '>' -> out.append("\\u003e");
        case '&' -> out.append("\\u0026");
        case '\u2028' -> out.append("\\u2028");
        case '\u2029' -> out.append("\\u2029");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static String escapeHtml(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static String replace(String template, String marker, String value) {
    int at = template.indexOf(marker);
    if (at < 0) {
      throw new IllegalStateException("Cannot build the trip report: template lacks " + marker);
    }
    return template.substring(0, at) + value + template.substring(at + marker.length());
  }

  private static String resource(Class<?> owner, String name) {
    try (InputStream in = owner.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "Cannot build the trip report: resource not on the classpath (" + name + ")");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
