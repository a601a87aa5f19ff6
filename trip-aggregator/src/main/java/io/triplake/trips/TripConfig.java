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
    String fingerprint) {
  public static final double TRIP_GAP_MIN_DEFAULT = 10;
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
      List<SignalAggregates> signals) {
    /** The messages this cluster reads: the trip identifier and every aggregated message. */
    public Set<String> messages() {
      Set<String> messages = new LinkedHashSet<>();
      messages.add(identifierMessage);
      signals.forEach(s -> messages.add(s.message()));
      return messages;
    }
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
      JsonNode config = root.get("config");
      if (config != null) {
        checkKeys(config, "config", Set.of("trip", "date"));
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
      return new TripConfig(gap, minLength, list, fingerprint(gap, minLength, list));
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
      checkKeys(details, at, Set.of("trip_identifier", "aggregations"));
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
      return new Cluster(
          name, Set.copyOf(devices), wildcard, identifierMessage, List.copyOf(signals.values()));
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
