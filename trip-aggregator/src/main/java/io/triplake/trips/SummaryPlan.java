package io.triplake.trips;

import io.triplake.lake.RawSchema;
import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.TripConfig.Aggregate;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.iceberg.Table;

/**
 * What one run computes: per cluster, its identifier message and the messages it aggregates, each
 * with its signals' columns (found through the raw table's name mapping) and aggregations. Shipped
 * to every task.
 */
record SummaryPlan(List<ClusterPlan> clusters) implements Serializable {
  /**
   * One cluster: the identifier message and its time column, the messages it aggregates, and where
   * the trips table's positions and speed are among them.
   */
  record ClusterPlan(
      String name,
      String identifierMessage,
      Column identifierTime,
      List<MessagePlan> messages,
      TripTablePlan tripTable)
      implements Serializable {}

  /**
   * The trips table's inputs as indexes into a cluster's {@link ClusterPlan#messages} and their
   * signals; -1 where the part is off.
   *
   * @param speedToKmh the factor from the speed signal's unit to km/h
   * @param idleSpeed at most this (in the signal's unit), a step is idle
   */
  record TripTablePlan(
      int positionMessage,
      int latitude,
      int longitude,
      int speedMessage,
      int speed,
      double speedToKmh,
      double idleSpeed)
      implements Serializable {}

  /** One message of one cluster: its time column, and per signal its column and aggregations. */
  record MessagePlan(String cluster, String message, Column time, List<SignalPlan> signals)
      implements Serializable {}

  /**
   * @param aggregates none for a signal read only for the trips table
   */
  record SignalPlan(String name, Column column, Aggregate[] aggregates) implements Serializable {}

  /** Groups each cluster's configured signals by message, merging repeated entries of a signal. */
  static SummaryPlan of(List<TripConfig.Cluster> clusters, Function<String, Table> tableOf) {
    List<ClusterPlan> plans = new ArrayList<>();
    for (TripConfig.Cluster cluster : clusters) {
      Map<String, Map<String, EnumSet<Aggregate>>> byMessage = new LinkedHashMap<>();
      for (TripConfig.SignalAggregates s : cluster.signals()) {
        byMessage
            .computeIfAbsent(s.message(), k -> new LinkedHashMap<>())
            .computeIfAbsent(s.signal(), k -> EnumSet.noneOf(Aggregate.class))
            .addAll(s.aggregates());
      }
      // The trips table's signals are read in the same pass over the same files: a signal already
      // aggregated is read once for both.
      TripConfig.Position position = usable(cluster.tripTable().position(), tableOf);
      TripConfig.Speed speed = usable(cluster.tripTable().speed(), tableOf);
      if (position != null) {
        for (String signal : List.of(position.latitude(), position.longitude())) {
          signalOf(byMessage, position.message(), signal);
        }
      }
      if (speed != null) {
        signalOf(byMessage, speed.message(), speed.signal());
      }
      List<MessagePlan> messages = new ArrayList<>();
      byMessage.forEach(
          (message, signals) -> {
            Table table = tableOf.apply(message);
            if (table == null) {
              return; // a message without a raw table has no rows: its trips get no output rows
            }
            List<SignalPlan> list = new ArrayList<>();
            signals.forEach(
                (name, aggregates) ->
                    list.add(
                        new SignalPlan(
                            name,
                            Column.of(table, name.toLowerCase(Locale.ROOT)),
                            aggregates.toArray(Aggregate[]::new))));
            messages.add(
                new MessagePlan(
                    cluster.name(), message, Column.of(table, RawSchema.TIME), List.copyOf(list)));
          });
      Table identifier = tableOf.apply(cluster.identifierMessage());
      int[] lat =
          indexOf(
              messages,
              position == null ? null : position.message(),
              position == null ? null : position.latitude());
      int[] lon =
          indexOf(
              messages,
              position == null ? null : position.message(),
              position == null ? null : position.longitude());
      int[] v =
          indexOf(
              messages,
              speed == null ? null : speed.message(),
              speed == null ? null : speed.signal());
      plans.add(
          new ClusterPlan(
              cluster.name(),
              cluster.identifierMessage(),
              identifier == null ? null : Column.of(identifier, RawSchema.TIME),
              List.copyOf(messages),
              new TripTablePlan(
                  lat[0],
                  lat[1],
                  lon[1],
                  v[0],
                  v[1],
                  speed == null ? 1 : speed.toKmh(),
                  speed == null ? 0 : speed.idleSpeed())));
    }
    return new SummaryPlan(List.copyOf(plans));
  }

  private static void signalOf(
      Map<String, Map<String, EnumSet<Aggregate>>> byMessage, String message, String signal) {
    Map<String, EnumSet<Aggregate>> signals =
        byMessage.computeIfAbsent(message, k -> new LinkedHashMap<>());
    // Signals are matched as the raw table's columns are: case-insensitively.
    for (String known : signals.keySet()) {
      if (known.equalsIgnoreCase(signal)) {
        return;
      }
    }
    signals.put(signal, EnumSet.noneOf(Aggregate.class));
  }

  /** {message index, signal index} of a signal in the plan's messages; {-1, -1} when absent. */
  private static int[] indexOf(List<MessagePlan> messages, String message, String signal) {
    for (int m = 0; message != null && m < messages.size(); m++) {
      if (messages.get(m).message().equals(message)) {
        List<SignalPlan> signals = messages.get(m).signals();
        for (int k = 0; k < signals.size(); k++) {
          if (signals.get(k).name().equalsIgnoreCase(signal)) {
            return new int[] {m, k};
          }
        }
      }
    }
    return new int[] {-1, -1};
  }

  /**
   * A part found by the vendor's names whose table or columns are missing is off (validation has
   * refused such a part named in the config).
   */
  private static TripConfig.Position usable(
      TripConfig.Position p, Function<String, Table> tableOf) {
    return p != null && hasColumns(tableOf.apply(p.message()), p.latitude(), p.longitude())
        ? p
        : null;
  }

  private static TripConfig.Speed usable(TripConfig.Speed v, Function<String, Table> tableOf) {
    return v != null && hasColumns(tableOf.apply(v.message()), v.signal()) ? v : null;
  }

  private static boolean hasColumns(Table table, String... columns) {
    if (table == null) {
      return false;
    }
    for (String c : columns) {
      org.apache.iceberg.types.Types.NestedField field =
          table.schema().findField(c.toLowerCase(Locale.ROOT));
      if (field == null || !RawFileReader.readable(field.type())) {
        return false;
      }
    }
    return true;
  }
}
