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
  /** One cluster: the identifier message and its time column, and the messages it aggregates. */
  record ClusterPlan(
      String name, String identifierMessage, Column identifierTime, List<MessagePlan> messages)
      implements Serializable {}

  /** One message of one cluster: its time column, and per signal its column and aggregations. */
  record MessagePlan(String cluster, String message, Column time, List<SignalPlan> signals)
      implements Serializable {}

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
      plans.add(
          new ClusterPlan(
              cluster.name(),
              cluster.identifierMessage(),
              identifier == null ? null : Column.of(identifier, RawSchema.TIME),
              List.copyOf(messages)));
    }
    return new SummaryPlan(List.copyOf(plans));
  }
}
