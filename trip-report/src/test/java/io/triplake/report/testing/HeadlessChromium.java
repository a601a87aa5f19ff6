package io.triplake.report.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.triplake.lake.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A report page as a real browser shows it: Debian's {@code chromium}, headless, from its command
 * line (no driver). The page's script writes what it drew into {@code <pre id="report-status">};
 * Chromium prints the page's console messages to stderr as {@code CONSOLE(...)} lines.
 */
public final class HeadlessChromium {
  /** The browser; {@code -Dtrip-lake.chromium=PATH} for another. */
  public static final Path CHROMIUM =
      Path.of(System.getProperty("trip-lake.chromium", "/usr/bin/chromium"));

  private static final Pattern STATUS =
      Pattern.compile("<pre id=\"report-status\"[^>]*>(.*?)</pre>", Pattern.DOTALL);

  private HeadlessChromium() {}

  /**
   * What the page drew and said.
   *
   * @param dom the DOM after the page's scripts ran
   * @param status the page's own account: {@code rendered}, {@code tripBars}, {@code errors}, ...
   * @param console the page's console messages (any level)
   */
  public record Page(String dom, JsonNode status, List<String> console) {
    public int tripBars() {
      return status.get("tripBars").asInt();
    }
  }

  /** The browser, or an error that says how to install it: tests that need it fail, not skip. */
  public static Path require() {
    if (!Files.isExecutable(CHROMIUM)) {
      throw new IllegalStateException(
          "Cannot check the report in a browser: Chromium is not installed ("
              + CHROMIUM
              + "). Install it with `apt-get install -y chromium` (Debian; .ci/run does), or point"
              + " -Dtrip-lake.chromium at a Chromium binary.");
    }
    return CHROMIUM;
  }

  /** Loads {@code html} offline and returns its DOM after its scripts ran. */
  public static Page load(Path html) {
    Result run = run(html, List.of("--virtual-time-budget=5000", "--dump-dom"));
    Matcher m = STATUS.matcher(run.stdout);
    if (!m.find()) {
      throw new AssertionError("The page has no report-status element: " + abbreviate(run.stdout));
    }
    String text =
        m.group(1)
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
    try {
      return new Page(run.stdout, Json.MAPPER.readTree(text), console(run.stderr));
    } catch (IOException e) {
      throw new AssertionError("The page's status is not JSON: " + text, e);
    }
  }

  /** A screenshot of the top {@code width} x {@code height} pixels of the page. */
  public static Path screenshot(Path html, Path png, int width, int height) {
    try {
      Files.createDirectories(png.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run(
        html,
        List.of(
            "--virtual-time-budget=5000",
            "--hide-scrollbars",
            "--window-size=" + width + "," + height,
            "--screenshot=" + png.toAbsolutePath()));
    if (!Files.isRegularFile(png)) {
      throw new AssertionError("Chromium wrote no screenshot " + png);
    }
    return png;
  }

  /** The page's console lines in Chromium's log. */
  static List<String> console(String stderr) {
    List<String> lines = new ArrayList<>();
    for (String line : stderr.split("\n")) {
      if (line.contains(":CONSOLE")) {
        lines.add(line);
      }
    }
    return lines;
  }

  private record Result(String stdout, String stderr) {}

  private static Result run(Path html, List<String> extra) {
    Path chromium = require();
    Path profile = null;
    try {
      profile = Files.createTempDirectory("trip-report-chromium");
      List<String> command =
          new ArrayList<>(
              List.of(
                  chromium.toString(),
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-quic",
                  "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--user-data-dir=" + profile,
                  "--enable-logging=stderr",
                  "--v=0"));
      command.addAll(extra);
      command.add(html.toAbsolutePath().toUri().toString());
      Path out = profile.resolve("stdout.txt");
      Path err = profile.resolve("stderr.txt");
      Process process =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!process.waitFor(180, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("Chromium did not finish within 180 s: " + command);
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      String stderr = Files.readString(err, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new AssertionError(
            "Chromium failed (exit " + process.exitValue() + "): " + abbreviate(stderr));
      }
      return new Result(stdout, stderr);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      delete(profile);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 4000 ? text : text.substring(0, 4000) + "...";
  }

  private static void delete(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A profile left in /tmp is harmless.
    }
  }
}
