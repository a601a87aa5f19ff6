package io.triplake.trips;

import io.triplake.lake.RawSchema;
import io.triplake.trips.RawMetadata.FileSpan;
import io.triplake.trips.TripConfig.Cluster;
import io.triplake.trips.TripWindows.Window;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.iceberg.Table;

/**
 * The units of work of one run, planned on the driver from Iceberg's metadata alone: one unit per
 * device and recompute window, with the raw files of its trip-identifier message and of every
 * aggregated message whose {@code t} bounds touch the window. Whoever executes the units (Spark
 * tasks, or threads) reads only these.
 *
 * @param units the units, in cluster, device and window order
 * @param files raw files planned for reading, over all tables (a file of two windows counts once)
 * @param rows rows in those files
 */
record UnitPlan(List<WorkUnit> units, int files, long rows) {

  UnitPlan {
    units = List.copyOf(units);
  }

  /**
   * @param clusters the clusters with windows, in the plan's order
   * @param windowsByCluster cluster name to device to its windows
   * @param rawTable message to its raw table (null: no table)
   * @param snapshot message to the raw snapshot the run reads (null: the table was empty then)
   */
  static UnitPlan of(
      SummaryPlan plan,
      List<Cluster> clusters,
      Map<String, Map<String, List<Window>>> windowsByCluster,
      Function<String, Table> rawTable,
      Function<String, Long> snapshot) {
    List<WorkUnit> units = new ArrayList<>();
    int files = 0;
    long rows = 0;
    for (int c = 0; c < clusters.size(); c++) {
      Cluster cluster = clusters.get(c);
      Map<String, List<Window>> windows = windowsByCluster.get(cluster.name());
      Map<String, Map<String, List<FileSpan>>> byMessage = new HashMap<>();
      for (String message : cluster.messages()) {
        Map<String, List<FileSpan>> planned =
            files(rawTable.apply(message), snapshot.apply(message), windows);
        byMessage.put(message, planned);
        for (List<FileSpan> spans : planned.values()) {
          files += spans.size();
          rows += spans.stream().mapToLong(FileSpan::records).sum();
        }
      }
      SummaryPlan.ClusterPlan clusterPlan = plan.clusters().get(c);
      for (Map.Entry<String, List<Window>> e : windows.entrySet()) {
        for (Window w : e.getValue()) {
          List<List<RawColumns.RawFile>> specFiles = new ArrayList<>();
          for (SummaryPlan.MessagePlan spec : clusterPlan.messages()) {
            specFiles.add(touching(byMessage.get(spec.message()), e.getKey(), w));
          }
          units.add(
              new WorkUnit(
                  c,
                  e.getKey(),
                  w.lo(),
                  w.hi(),
                  touching(byMessage.get(cluster.identifierMessage()), e.getKey(), w),
                  List.copyOf(specFiles)));
        }
      }
    }
    return new UnitPlan(units, files, rows);
  }

  /**
   * The files of a message's raw table that touch a window of the devices, per device (planned once
   * per table: partition pruning by device, file pruning by the windows' overall time range).
   */
  private static Map<String, List<FileSpan>> files(
      Table table, Long snapshot, Map<String, List<Window>> windows) {
    Map<String, List<FileSpan>> byDevice = new HashMap<>();
    if (table == null || snapshot == null) {
      return byDevice;
    }
    long[] bounds = TripWindows.bounds(windows.values());
    for (FileSpan f :
        RawMetadata.files(
            table,
            snapshot,
            RawMetadata.devicesBetween(
                RawSchema.DEVICE, RawSchema.TIME, windows.keySet(), bounds[0], bounds[1]))) {
      List<Window> deviceWindows = windows.get(f.device());
      if (deviceWindows != null
          && deviceWindows.stream().anyMatch(w -> w.touches(f.lo(), f.hi()))) {
        byDevice.computeIfAbsent(f.device(), k -> new ArrayList<>()).add(f);
      }
    }
    return byDevice;
  }

  private static List<RawColumns.RawFile> touching(
      Map<String, List<FileSpan>> byDevice, String device, Window w) {
    return byDevice.getOrDefault(device, List.of()).stream()
        .filter(f -> w.touches(f.lo(), f.hi()))
        .map(f -> new RawColumns.RawFile(f.location(), f.sizeBytes(), f.lo(), f.hi(), f.records()))
        .toList();
  }
}
