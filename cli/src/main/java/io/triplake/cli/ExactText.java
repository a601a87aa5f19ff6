package io.triplake.cli;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * Values as the machine formats (csv, json) write them: text that reads back to the identical
 * value.
 *
 * <ul>
 *   <li>Doubles and floats: the shortest decimal that parses back to the same bits, by Jackson's
 *       Schubfach writer. Java 17's {@code Double.toString} is not shortest (1.0E23 prints as
 *       9.999999999999999E22; JDK 19 fixed it). NaN and the infinities as Java spells them: {@code
 *       NaN}, {@code Infinity}, {@code -Infinity}, which {@code Double.parseDouble}, Python's
 *       {@code float()} and Spark's CSV reader read back.
 *   <li>Timestamps: ISO-8601 with all six digits of microseconds (Spark's precision), so that every
 *       row has the same shape; an instant (Spark's {@code TIMESTAMP}) in UTC with {@code Z}, a
 *       {@code TIMESTAMP_NTZ} without zone. Dates: ISO-8601.
 *   <li>Decimals without exponent; binary as Base64 (as Spark's {@code to_json}).
 * </ul>
 */
final class ExactText {
  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS");
  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private ExactText() {}

  /**
   * The text of a non-null value of a Spark row (java.time values: the session uses Spark's java8
   * API).
   */
  static String of(Object value) {
    if (value instanceof Double d) {
      return NumberOutput.toString(d, true);
    }
    if (value instanceof Float f) {
      return NumberOutput.toString(f, true);
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof Instant t) {
      return UTC.format(t);
    }
    if (value instanceof LocalDateTime t) {
      return LOCAL.format(t);
    }
    if (value instanceof byte[] b) {
      return Base64.getEncoder().encodeToString(b);
    }
    return value.toString();
  }
}
