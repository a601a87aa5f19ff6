package io.triplake.trips;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.triplake.lake.Json;
import io.triplake.lake.RawSchema;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.iceberg.Schema;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.types.Types;

/**
 * What to summarise: device clusters, each with a trip-identifier message and the signals to
 * aggregate per trip. Reads both formats CSS Electronics' users have: the older one ({@code
 * cluster_details: [{"<cluster>": {...}}]}, one aggregation string) and the current one ({@code
 * config.trip}, {@code cluster_details: [{"clusters": [...], "details": {...}}]}, a list of
 * aggregations).
 *
 * @param fingerprint SHA-256 of the meaning of the config (not its text): the same in both formats
 */
public record TripConfig(
    double tripGapMinutes,
    double tripMinLengthMinutes,
    List<Cluster> clusters,
    String fingerprint,
    double deviceDayGapLimitSeconds) {
  public static final double TRIP_GAP_MIN_DEFAULT = 10;

  /**
   * trips.devicedays counts the steps between a logger's rows longer than this ({@code
   * config.device_days.gap_limit_s}, a key the vendor's tool ignores).
   */
  public static final double DEVICE_DAY_GAP_LIMIT_S_DEFAULT = 60;

  /** {@link #deviceDayGapLimitSeconds} in microseconds, as {@code t} steps are measured. */
  public long deviceDayGapLimitMicros() {
    return Math.round(deviceDayGapLimitSeconds * 1e6);
  }

  public static final double TRIP_MIN_LENGTH_MIN_DEFAULT = 1;

  /** A cluster with these devices takes every device that no other cluster names. */
  public static final String WILDCARD = "*";

  /** The aggregations a signal can have in a trip. */
  public enum Aggregate {
    AVG,
    MEDIAN,
    MAX,
    MIN,
    SUM,
    FIRST,
    LAST,
    DELTA_SUM,
    DELTA_SUM_POS,
    DELTA_SUM_NEG,
    COUNT,
    STDDEV;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Aggregate> of(String label) {
      for (Aggregate a : values()) {
        if (a.label().equals(label)) {
          return Optional.of(a);
        }
      }
      return Optional.empty();
    }
  }

  /** One signal of one message and the aggregations wanted for it. */
  public record SignalAggregates(
      String message, String signal, Set<Aggregate> aggregates, String entry) {}

  /**
   * @param devices explicit device ids; empty when {@code wildcard}
   * @param wildcard takes every device that no explicit cluster names
   */
  public record Cluster(
      String name,
      Set<String> devices,
      boolean wildcard,
      String identifierMessage,
      List<SignalAggregates> signals,
      TripTable tripTable) {
    /**
     * The messages this cluster reads: the trip identifier, every aggregated message, and the trips
     * table's position and speed messages.
     */
    public Set<String> messages() {
      Set<String> messages = new LinkedHashSet<>();
      messages.add(identifierMessage);
      signals.forEach(s -> messages.add(s.message()));
      if (tripTable.position() != null) {
        messages.add(tripTable.position().message());
      }
      if (tripTable.speed() != null) {
        messages.add(tripTable.speed().message());
      }
      return messages;
    }
  }

  /**
   * Where a cluster's rows of the trips table find positions and speed (under {@code
   * details.trip_table}, which the vendor's tool ignores); a part that is null is off: its columns
   * are NULL.
   */
  public record TripTable(Position position, Speed speed) {}

  /**
   * @param explicit named in the config (a missing column is then an error); else found by the
   *     vendor's message names, and a missing column turns the part off
   */
  public record Position(String message, String latitude, String longitude, boolean explicit) {
    /**
     * Whether a row of the position message is a fix: what a logger reports while it has none is
     * often 0/0, NaN, a missing value (NaN here) or out of range, and none of those is a place. The
     * trips table and the trip report count fixes by this one rule.
     */
    public static boolean isFix(double latitude, double longitude) {
      return !Double.isNaN(latitude)
          && !Double.isNaN(longitude)
          && Math.abs(latitude) <= 90
          && Math.abs(longitude) <= 180
          && !(latitude == 0 && longitude == 0);
    }
  }

  /**
   * @param unit {@code m/s} or {@code km/h}
   * @param idleSpeed at most this (in the signal's unit), a step counts as idle
   */
  public record Speed(
      String message, String signal, String unit, double idleSpeed, boolean explicit) {
    public static final String METRES_PER_SECOND = "m/s";
    public static final String KILOMETRES_PER_HOUR = "km/h";

    /** The idle speed when none is configured: 0.5 m/s. */
    public static final double IDLE_SPEED_MS_DEFAULT = 0.5;

    /** The factor from the signal's unit to km/h. */
    public double toKmh() {
      return unit.equals(KILOMETRES_PER_HOUR) ? 1 : 3.6;
    }
  }

  /** The vendor's GNSS position messages: {@code CAN2_gnss_pos}, {@code CAN9_GnssPos}. */
  private static final java.util.regex.Pattern GNSS_POSITION =
      java.util.regex.Pattern.compile("(?i).*(_gnss_pos|gnsspos)");

  /** The vendor's GNSS speed messages: {@code CAN2_gnss_speed}, {@code CAN9_GnssSpeed}. */
  private static final java.util.regex.Pattern GNSS_SPEED =
      java.util.regex.Pattern.compile("(?i).*(_gnss_speed|gnssspeed)");

  /**
   * The trips table's parts found by the vendor's GNSS names: the first of {@code messages} (in
   * their order) named like {@code *_gnss_pos} / {@code *GnssPos}, with {@code Latitude} and {@code
   * Longitude}, and like {@code *_gnss_speed} / {@code *GnssSpeed}, with {@code Speed} in m/s; a
   * part is null when no message has such a name. A cluster without {@code details.trip_table} gets
   * these from its messages (identifier first, then aggregations); the trip report uses them for
   * the raw tables when it has no config.
   */
  public static TripTable vendorTripTable(Collection<String> messages) {
    Position position =
        vendorMessage(messages, GNSS_POSITION)
            .map(m -> new Position(m, "Latitude", "Longitude", false))
            .orElse(null);
    Speed speed =
        vendorMessage(messages, GNSS_SPEED)
            .map(
                m ->
                    new Speed(
                        m, "Speed", Speed.METRES_PER_SECOND, Speed.IDLE_SPEED_MS_DEFAULT, false))
            .orElse(null);
    return new TripTable(position, speed);
  }

  /** The first of {@code messages} of this name. */
  private static Optional<String> vendorMessage(
      Collection<String> messages, java.util.regex.Pattern name) {
    return messages.stream().filter(m -> name.matcher(m).matches()).findFirst();
  }

  public long tripGapMicros() {
    return Math.round(tripGapMinutes * 60_000_000d);
  }

  public long tripMinLengthMicros() {
    return Math.round(tripMinLengthMinutes * 60_000_000d);
  }

  /** Every device named by an explicit (non-wildcard) cluster. */
  public Set<String> explicitDevices() {
    Set<String> devices = new TreeSet<>();
    clusters.stream().filter(c -> !c.wildcard()).forEach(c -> devices.addAll(c.devices()));
    return devices;
  }

  /** Reads a config from a local path or any location FileIO reaches ({@code s3://...}). */
  public static TripConfig read(FileIO io, String location) {
    InputFile file = io.newInputFile(location);
    try (InputStream in = file.newStream()) {
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), location);
    } catch (IOException | org.apache.iceberg.exceptions.NotFoundException e) {
      throw new IllegalArgumentException(
          "Cannot read the aggregation config: " + e.getMessage() + " (" + location + ")", e);
    }
  }

  public static TripConfig parse(String json, String origin) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "Cannot parse the aggregation config: "
              + e.getOriginalMessage()
              + " at line "
              + e.getLocation().getLineNr()
              + " ("
              + origin
              + ")",
          e);
    }
    return new Parser(origin).parse(root);
  }

  /**
   * Checks every message and signal against the raw tables, before any data is read: a signal must
   * be a column of its message's table, of a type the trip job reads as a number.
   *
   * @param schemaOfMessage the schema of a message's raw table (lower-case columns), or empty when
   *     it has none
   */
  public void validate(Function<String, Optional<Schema>> schemaOfMessage, String rawNamespace) {
    for (Cluster cluster : clusters) {
      validateTripTable(cluster, schemaOfMessage, rawNamespace);
      if (schemaOfMessage.apply(cluster.identifierMessage()).isEmpty()) {
        throw new IllegalArgumentException(
            "Cannot use the aggregation config: cluster '"
                + cluster.name()
                + "' identifies trips by message '"
                + cluster.identifierMessage()
                + "', which has no raw table "
                + rawNamespace
                + "."
                + cluster.identifierMessage().toLowerCase(Locale.ROOT));
      }
      for (SignalAggregates s : cluster.signals()) {
        Optional<Schema> schema = schemaOfMessage.apply(s.message());
        if (schema.isEmpty()) {
          throw new IllegalArgumentException(
              "Cannot use the aggregation config: "
                  + s.entry()
                  + " names message '"
                  + s.message()
                  + "', which has no raw table "
                  + rawNamespace
                  + "."
                  + s.message().toLowerCase(Locale.ROOT));
        }
        Types.NestedField column =
            schema.get().asStruct().field(s.signal().toLowerCase(Locale.ROOT));
        if (column == null) {
          throw new IllegalArgumentException(
              "Cannot use the aggregation config: "
                  + s.entry()
                  + " names signal '"
                  + s.signal()
                  + "', which message '"
                  + s.message()
                  + "' does not have (signals: "
                  + String.join(
                      ", ",
                      schema.get().columns().stream()
                          .map(Types.NestedField::name)
                          .filter(c -> !c.equals(RawSchema.TIME) && !c.equals(RawSchema.DEVICE))
                          .sorted()
                          .toList())
                  + ")");
        }
        // Else a Spark task would fail on the first file, after the run has planned and started.
        if (!RawFileReader.readable(column.type())) {
          throw new IllegalArgumentException(
              "Cannot use the aggregation config: "
                  + s.entry()
                  + " names signal '"
                  + s.signal()
                  + "' of message '"
                  + s.message()
                  + "', whose type "
                  + column.type()
                  + " the trip job cannot aggregate");
        }
      }
    }
  }

  /**
   * A part of the trips table named in the config must find its message and columns; a part found
   * by the vendor's names that does not is turned off later (the cluster's trips get NULLs there).
   */
  private static void validateTripTable(
      Cluster cluster, Function<String, Optional<Schema>> schemaOfMessage, String rawNamespace) {
    String at = "cluster '" + cluster.name() + "' trip_table";
    Position p = cluster.tripTable().position();
    if (p != null && p.explicit()) {
      for (String signal : List.of(p.latitude(), p.longitude())) {
        requireSignal(schemaOfMessage, rawNamespace, at + ".position", p.message(), signal);
      }
    }
    Speed v = cluster.tripTable().speed();
    if (v != null && v.explicit()) {
      requireSignal(schemaOfMessage, rawNamespace, at + ".speed", v.message(), v.signal());
    }
  }

  private static void requireSignal(
      Function<String, Optional<Schema>> schemaOfMessage,
      String rawNamespace,
      String where,
      String message,
      String signal) {
    Optional<Schema> schema = schemaOfMessage.apply(message);
    String table = rawNamespace + "." + message.toLowerCase(Locale.ROOT);
    if (schema.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot use the aggregation config: "
              + where
              + " names message '"
              + message
              + "', which has no raw table "
              + table);
    }
    Types.NestedField column = schema.get().asStruct().field(signal.toLowerCase(Locale.ROOT));
    if (column == null || !RawFileReader.readable(column.type())) {
      throw new IllegalArgumentException(
          "Cannot use the aggregation config: "
              + where
              + " names signal '"
              + signal
              + "', which "
              + table
              + (column == null
                  ? " does not have"
                  : " holds as " + column.type() + ", not a number"));
    }
  }

  private static final class Parser {
    private final String origin;

    Parser(String origin) {
      this.origin = origin;
    }

    private IllegalArgumentException error(String where, String what) {
      return new IllegalArgumentException(
          "Cannot use the aggregation config: " + where + " " + what + " (" + origin + ")");
    }

    TripConfig parse(JsonNode root) {
      if (root == null || !root.isObject()) {
        throw error("the file", "is not a JSON object");
      }
      double gap = TRIP_GAP_MIN_DEFAULT;
      double minLength = TRIP_MIN_LENGTH_MIN_DEFAULT;
      double gapLimit = DEVICE_DAY_GAP_LIMIT_S_DEFAULT;
      JsonNode config = root.get("config");
      if (config != null) {
        checkKeys(config, "config", Set.of("trip", "date", "device_days"));
        JsonNode deviceDays = config.get("device_days");
        if (deviceDays != null) {
          checkKeys(deviceDays, "config.device_days", Set.of("gap_limit_s"));
          gapLimit = number(deviceDays, "gap_limit_s", "config.device_days", gapLimit);
          if (!(gapLimit > 0) || Double.isInfinite(gapLimit)) {
            throw error(
                "config.device_days.gap_limit_s",
                "must be a number of seconds above 0 (" + gapLimit + ")");
          }
        }
        JsonNode trip = config.get("trip");
        if (trip != null) {
          checkKeys(trip, "config.trip", Set.of("trip_gap_min", "trip_min_length_min"));
          gap = number(trip, "trip_gap_min", "config.trip", gap);
          minLength = number(trip, "trip_min_length_min", "config.trip", minLength);
        }
      }
      if (gap <= 0) {
        throw error("config.trip.trip_gap_min", "must be greater than 0 (" + gap + ")");
      }
      if (minLength < 0) {
        throw error("config.trip.trip_min_length_min", "must not be negative (" + minLength + ")");
      }

      Map<String, Set<String>> devicesOfCluster = deviceClusters(root.get("device_clusters"));
      JsonNode details = root.get("cluster_details");
      if (details == null || !details.isArray() || details.isEmpty()) {
        throw error("cluster_details", "is missing or empty");
      }
      Map<String, Cluster> clusters = new TreeMap<>();
      for (int i = 0; i < details.size(); i++) {
        String where = "cluster_details[" + i + "]";
        JsonNode entry = details.get(i);
        if (!entry.isObject()) {
          throw error(where, "is not an object");
        }
        Map<String, JsonNode> detailsByCluster = new LinkedHashMap<>();
        if (entry.has("clusters") || entry.has("details")) {
          checkKeys(entry, where, Set.of("clusters", "details"));
          for (String name : strings(entry.get("clusters"), where + ".clusters")) {
            detailsByCluster.put(name, entry.get("details"));
          }
        } else {
          // Older format: {"<cluster>": {...details...}}.
          entry.fields().forEachRemaining(f -> detailsByCluster.put(f.getKey(), f.getValue()));
        }
        for (Map.Entry<String, JsonNode> e : detailsByCluster.entrySet()) {
          String name = e.getKey();
          if (!devicesOfCluster.containsKey(name)) {
            throw error(
                where, "names cluster '" + name + "', which device_clusters does not define");
          }
          if (clusters.containsKey(name)) {
            throw error(where, "describes cluster '" + name + "' a second time");
          }
          Set<String> devices = devicesOfCluster.get(name);
          boolean wildcard = devices.isEmpty() || devices.contains(WILDCARD);
          clusters.put(
              name, cluster(name, wildcard ? Set.of() : devices, wildcard, e.getValue(), where));
        }
      }
      for (String name : devicesOfCluster.keySet()) {
        if (!clusters.containsKey(name)) {
          throw error(
              "device_clusters",
              "defines cluster '" + name + "', which no cluster_details entry describes");
        }
      }
      List<Cluster> list = List.copyOf(clusters.values());
      if (list.stream().filter(Cluster::wildcard).count() > 1) {
        throw error(
            "device_clusters", "has more than one wildcard cluster (devices [\"*\"] or [])");
      }
      return new TripConfig(gap, minLength, list, fingerprint(gap, minLength, list), gapLimit);
    }

    private Map<String, Set<String>> deviceClusters(JsonNode node) {
      if (node == null || !node.isArray() || node.isEmpty()) {
        throw error("device_clusters", "is missing or empty");
      }
      Map<String, Set<String>> clusters = new LinkedHashMap<>();
      for (int i = 0; i < node.size(); i++) {
        String where = "device_clusters[" + i + "]";
        JsonNode entry = node.get(i);
        checkKeys(entry, where, Set.of("devices", "cluster"));
        String name = text(entry, "cluster", where);
        Set<String> devices = new TreeSet<>();
        for (String device : strings(entry.get("devices"), where + ".devices")) {
          if (!device.equals(WILDCARD) && !device.matches("[0-9A-Fa-f]{8}")) {
            throw error(
                where + ".devices",
                "has '"
                    + device
                    + "', which is not a device id (8 hexadecimal characters) or \"*\"");
          }
          devices.add(device);
        }
        if (clusters.put(name, devices) != null) {
          throw error(where, "defines cluster '" + name + "' a second time");
        }
      }
      return clusters;
    }

    private Cluster cluster(
        String name, Set<String> devices, boolean wildcard, JsonNode details, String where) {
      String at = where + "." + name;
      if (details == null || !details.isObject()) {
        throw error(at, "has no details object");
      }
      checkKeys(details, at, Set.of("trip_identifier", "aggregations", "trip_table"));
      JsonNode identifier = details.get("trip_identifier");
      String identifierMessage;
      if (identifier != null && identifier.isTextual()) {
        identifierMessage = identifier.asText();
      } else if (identifier != null && identifier.isObject()) {
        checkKeys(identifier, at + ".trip_identifier", Set.of("message"));
        identifierMessage = text(identifier, "message", at + ".trip_identifier");
      } else {
        throw error(at, "has no trip_identifier message");
      }
      checkMessage(identifierMessage, at + ".trip_identifier");
      JsonNode aggregations = details.get("aggregations");
      if (aggregations == null || !aggregations.isArray() || aggregations.isEmpty()) {
        throw error(at + ".aggregations", "is missing or empty");
      }
      Map<String, SignalAggregates> signals = new LinkedHashMap<>();
      for (int j = 0; j < aggregations.size(); j++) {
        String entryAt = at + ".aggregations[" + j + "]";
        JsonNode agg = aggregations.get(j);
        checkKeys(agg, entryAt, Set.of("message", "signal", "aggregation"));
        String message = text(agg, "message", entryAt);
        checkMessage(message, entryAt + ".message");
        Set<Aggregate> aggregates = new LinkedHashSet<>();
        for (String label : strings(agg.get("aggregation"), entryAt + ".aggregation")) {
          aggregates.add(
              Aggregate.of(label)
                  .orElseThrow(
                      () ->
                          error(
                              entryAt + ".aggregation",
                              "has unknown aggregation '"
                                  + label
                                  + "' (known: "
                                  + String.join(
                                      ", ",
                                      java.util.Arrays.stream(Aggregate.values())
                                          .map(Aggregate::label)
                                          .toList())
                                  + ")")));
        }
        for (String signal : strings(agg.get("signal"), entryAt + ".signal")) {
          String key = message + "\u0000" + signal;
          SignalAggregates previous = signals.get(key);
          Set<Aggregate> merged =
              new LinkedHashSet<>(previous == null ? Set.of() : previous.aggregates());
          merged.addAll(aggregates);
          signals.put(
              key,
              new SignalAggregates(
                  message,
                  signal,
                  Set.copyOf(merged),
                  previous == null ? entryAt : previous.entry()));
        }
      }
      List<SignalAggregates> list = List.copyOf(signals.values());
      return new Cluster(
          name,
          Set.copyOf(devices),
          wildcard,
          identifierMessage,
          list,
          tripTable(details.get("trip_table"), at + ".trip_table", identifierMessage, list));
    }

    /**
     * The trips table's parts: as configured, or found among the cluster's messages by the vendor's
     * GNSS names; {@code null} turns a part off.
     */
    private TripTable tripTable(
        JsonNode node, String at, String identifier, List<SignalAggregates> signals) {
      Set<String> messages = new LinkedHashSet<>();
      messages.add(identifier);
      signals.forEach(s -> messages.add(s.message()));
      if (node != null && !node.isNull()) {
        checkKeys(node, at, Set.of("position", "speed"));
      }
      JsonNode position = node == null ? null : node.get("position");
      JsonNode speed = node == null ? null : node.get("speed");
      TripTable vendor = vendorTripTable(messages);
      Position p = null;
      if (position == null) {
        p = vendor.position();
      } else if (!position.isNull()) {
        String where = at + ".position";
        checkKeys(position, where, Set.of("message", "latitude", "longitude"));
        String message = text(position, "message", where);
        checkMessage(message, where + ".message");
        p =
            new Position(
                message,
                text(position, "latitude", where),
                text(position, "longitude", where),
                true);
      }
      Speed v = null;
      if (speed == null) {
        v = vendor.speed();
      } else if (!speed.isNull()) {
        String where = at + ".speed";
        checkKeys(speed, where, Set.of("message", "signal", "unit", "idle_speed"));
        String message = text(speed, "message", where);
        checkMessage(message, where + ".message");
        String unit = speed.has("unit") ? text(speed, "unit", where) : Speed.METRES_PER_SECOND;
        if (!unit.equals(Speed.METRES_PER_SECOND) && !unit.equals(Speed.KILOMETRES_PER_HOUR)) {
          throw error(where + ".unit", "is '" + unit + "', not m/s or km/h");
        }
        double defaultIdle =
            unit.equals(Speed.METRES_PER_SECOND)
                ? Speed.IDLE_SPEED_MS_DEFAULT
                : Speed.IDLE_SPEED_MS_DEFAULT * 3.6;
        double idle = number(speed, "idle_speed", where, defaultIdle);
        if (!(idle >= 0) || Double.isInfinite(idle)) {
          throw error(
              where + ".idle_speed", "must be a finite number of at least 0 (" + idle + ")");
        }
        v = new Speed(message, text(speed, "signal", where), unit, idle, true);
      }
      return new TripTable(p, v);
    }

    private void checkMessage(String message, String where) {
      if (!message.matches("[A-Za-z][A-Za-z0-9_]*")) {
        throw error(
            where, "has '" + message + "', which is not a message name (letters, digits, '_')");
      }
    }

    private void checkKeys(JsonNode node, String where, Set<String> known) {
      if (!node.isObject()) {
        throw error(where, "is not an object");
      }
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!known.contains(key)) {
          throw error(
              where,
              "has unknown key '"
                  + key
                  + "' (known: "
                  + String.join(", ", new TreeSet<>(known))
                  + ")");
        }
      }
    }

    private String text(JsonNode node, String key, String where) {
      JsonNode value = node.get(key);
      if (value == null || !value.isTextual() || value.asText().isBlank()) {
        throw error(where, "needs a non-empty string '" + key + "'");
      }
      return value.asText();
    }

    private double number(JsonNode node, String key, String where, double fallback) {
      JsonNode value = node.get(key);
      if (value == null) {
        return fallback;
      }
      if (!value.isNumber()) {
        throw error(where + "." + key, "is not a number (" + value + ")");
      }
      return value.asDouble();
    }

    /** A string or a list of strings (both formats use both). */
    private List<String> strings(JsonNode node, String where) {
      List<String> values = new ArrayList<>();
      if (node != null && node.isTextual()) {
        values.add(node.asText());
      } else if (node != null && node.isArray()) {
        for (JsonNode v : node) {
          if (!v.isTextual() || v.asText().isBlank()) {
            throw error(where, "has a value that is not a non-empty string (" + v + ")");
          }
          values.add(v.asText());
        }
      } else {
        throw error(where, "is missing or not a string or list of strings");
      }
      return values;
    }
  }

  private static String fingerprint(double gap, double minLength, List<Cluster> clusters) {
    ObjectNode canonical = Json.MAPPER.createObjectNode();
    canonical.put("trip_gap_min", gap);
    canonical.put("trip_min_length_min", minLength);
    var array = canonical.putArray("clusters");
    for (Cluster c : clusters) {
      ObjectNode node = array.addObject();
      node.put("name", c.name());
      node.put("wildcard", c.wildcard());
      new TreeSet<>(c.devices()).forEach(node.putArray("devices")::add);
      node.put("identifier", c.identifierMessage());
      var signals = node.putArray("signals");
      c.signals().stream()
          .map(
              s ->
                  s.message()
                      + "."
                      + s.signal()
                      + "="
                      + new TreeSet<>(s.aggregates().stream().map(Aggregate::label).toList()))
          .sorted()
          .forEach(signals::add);
      // The trips table's parts change what a run writes, as the aggregations do.
      Position p = c.tripTable().position();
      if (p != null) {
        node.put("position", p.message() + "." + p.latitude() + "," + p.longitude());
      }
      Speed v = c.tripTable().speed();
      if (v != null) {
        node.put(
            "speed", v.message() + "." + v.signal() + " " + v.unit() + " idle<=" + v.idleSpeed());
      }
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(Json.MAPPER.writeValueAsBytes(canonical));
      return HexFormat.of().formatHex(digest).substring(0, 16);
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
