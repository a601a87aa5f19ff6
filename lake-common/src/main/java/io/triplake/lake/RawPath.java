package io.triplake.lake;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A raw file's place in the CANedge layout {@code <deviceid>/<message>/yyyy/mm/dd/<file>.parquet}.
 *
 * @param location the full location, as listed
 * @param deviceId 8 hexadecimal characters, as in the path
 * @param message the message name, as in the path (for example {@code CAN2_gnss_speed})
 * @param folderDate the date of the folder: the day the file's session started
 */
public record RawPath(String location, String deviceId, String message, LocalDate folderDate) {
  public static final String LAYOUT = "<deviceid>/<message>/yyyy/mm/dd/<file>.parquet";

  private static final Pattern RELATIVE =
      Pattern.compile(
          "([0-9A-Fa-f]{8})/([A-Za-z][A-Za-z0-9_]*)/(\\d{4})/(\\d{2})/(\\d{2})/[^/]+\\.parquet");

  /** The name of a message's table: a message name ({@link #RELATIVE}) in lower case. */
  private static final Pattern MESSAGE_TABLE = Pattern.compile("[a-z][a-z0-9_]*");

  /**
   * Where a file that does not register comes from: the device id and message of a path that has
   * the layout's shape, its date valid or not.
   */
  public record Origin(String deviceId, String message) {}

  /** Whether the folder's day is one of the {@code days} days that end with {@code until}. */
  public boolean inLastDays(int days, LocalDate until) {
    return !folderDate.isAfter(until) && folderDate.isAfter(until.minusDays(days));
  }

  /** The Iceberg table name of this file's message: Athena needs lower case. */
  public String tableName() {
    return message.toLowerCase(Locale.ROOT);
  }

  /**
   * Whether a table of the raw namespace is a message's table: only such a name can come from a
   * path. The lake's other tables there ({@link Lake#REJECTED_FILES}) start with {@code _}.
   */
  public static boolean isMessageTable(String tableName) {
    return MESSAGE_TABLE.matcher(tableName).matches();
  }

  /**
   * The device id and message of a location below {@code root} whose path has the layout's shape (a
   * folder date that does not exist included), or empty.
   */
  public static Optional<Origin> origin(String root, String location) {
    String relative = Locations.relativize(root, location);
    Matcher m = relative == null ? null : RELATIVE.matcher(relative);
    return m != null && m.matches()
        ? Optional.of(new Origin(m.group(1), m.group(2)))
        : Optional.empty();
  }

  /**
   * Parses a location below {@code root}.
   *
   * @throws IllegalArgumentException with the reason, when the path does not follow the layout
   */
  public static RawPath parse(String root, String location) {
    String relative = Locations.relativize(root, location);
    if (relative == null) {
      throw new IllegalArgumentException("not below the source " + root);
    }
    Matcher m = RELATIVE.matcher(relative);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "path does not match the layout " + LAYOUT + " (" + relative + ")");
    }
    LocalDate date;
    try {
      date =
          LocalDate.of(
              Integer.parseInt(m.group(3)),
              Integer.parseInt(m.group(4)),
              Integer.parseInt(m.group(5)));
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "invalid date in path "
              + m.group(3)
              + "/"
              + m.group(4)
              + "/"
              + m.group(5)
              + " ("
              + relative
              + ")");
    }
    return new RawPath(location, m.group(1), m.group(2), date);
  }
}
