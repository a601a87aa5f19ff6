package io.triplake.trips;

import io.triplake.trips.RawColumns.RawFile;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One task's work: a device's recompute window of one cluster, with the raw files that touch it.
 *
 * @param identifierFiles the identifier message's files
 * @param specFiles the files of each of the cluster's specs, in the order of {@link
 *     ClusterPlan#specs}
 */
record WorkUnit(
    int cluster,
    String device,
    long lo,
    long hi,
    List<RawFile> identifierFiles,
    List<List<RawFile>> specFiles)
    implements Serializable {
  long bytes() {
    long bytes = identifierFiles.stream().mapToLong(RawFile::length).sum();
    for (List<RawFile> files : specFiles) {
      bytes += files.stream().mapToLong(RawFile::length).sum();
    }
    return bytes;
  }

  /**
   * Spreads units over {@code slices} lists of about equal bytes (largest first, each to the
   * lightest list), so one large device does not leave the other cores idle at the end.
   */
  static List<List<WorkUnit>> balance(List<WorkUnit> units, int slices) {
    int n = Math.max(1, Math.min(slices, units.size()));
    List<List<WorkUnit>> bins = new ArrayList<>();
    long[] weights = new long[n];
    for (int i = 0; i < n; i++) {
      bins.add(new ArrayList<>());
    }
    List<WorkUnit> sorted = new ArrayList<>(units);
    sorted.sort(Comparator.comparingLong(WorkUnit::bytes).reversed());
    for (WorkUnit unit : sorted) {
      int lightest = 0;
      for (int i = 1; i < n; i++) {
        if (weights[i] < weights[lightest]) {
          lightest = i;
        }
      }
      bins.get(lightest).add(unit);
      weights[lightest] += Math.max(1, unit.bytes());
    }
    return bins;
  }
}
