package io.triplake.trips;

import io.triplake.lake.RawSchema;
import io.triplake.trips.RawMetadata.FileSpan;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Table;

/**
 * Which stretches of time to recompute so that every trip touched by a change is recomputed whole.
 *
 * <p>A trip is a chain of trip-identifier rows with gaps of at most the threshold, so no trip
 * crosses a stretch of more than the threshold without identifier rows. File metadata shows such
 * stretches without reading rows: chain the identifier files whose {@code t} ranges lie within the
 * threshold of each other, and no trip crosses from one chain to another. A window is every chain
 * within the threshold of a change, plus the changed stretch itself (where trips may have
 * disappeared).
 */
final class TripWindows {
  /** A device's stretch of time, in microseconds, both ends inclusive. */
  record Window(String device, long lo, long hi) {
    boolean touches(long from, long to) {
      return lo <= to && from <= hi;
    }
  }

  private static final long DAY = 86_400_000_000L;

  /** Beyond this look-around, a chain is treated as reaching the start (or end) of time. */
  private static final long MAX_HORIZON = 40L * 365 * DAY;

  private TripWindows() {}

  /**
   * @param changed the changed spans per device (any raw table the cluster reads)
   * @param gap the trip gap threshold in microseconds
   */
  static List<Window> around(
      Table identifier, Long snapshotId, Map<String, List<Window>> changed, long gap) {
    List<Window> result = new ArrayList<>();
    Map<String, List<Window>> pending = new TreeMap<>();
    for (Map.Entry<String, List<Window>> e : changed.entrySet()) {
      pending.put(e.getKey(), merge(pad(e.getValue(), gap)));
    }
    long horizon = DAY;
    while (!pending.isEmpty()) {
      long[] bounds = bounds(pending.values());
      long lo = bounds[0];
      long hi = bounds[1];
      boolean unbounded = horizon > MAX_HORIZON;
      long queryLo = unbounded ? Long.MIN_VALUE : saturatedAdd(lo, -horizon);
      long queryHi = unbounded ? Long.MAX_VALUE : saturatedAdd(hi, horizon);
      Map<String, List<FileSpan>> files =
          identifierFiles(identifier, snapshotId, pending.keySet(), queryLo, queryHi);

      Map<String, List<Window>> next = new TreeMap<>();
      for (Map.Entry<String, List<Window>> entry : pending.entrySet()) {
        String device = entry.getKey();
        List<Window> chosen = new ArrayList<>(entry.getValue());
        for (Window chain : chains(device, files.getOrDefault(device, List.of()), gap)) {
          if (entry.getValue().stream().anyMatch(w -> w.touches(chain.lo(), chain.hi()))) {
            chosen.add(chain);
          }
        }
        List<Window> windows = merge(chosen);
        // A chain that may continue beyond what was planned needs a wider look.
        boolean open =
            !unbounded
                && windows.stream()
                    .anyMatch(w -> w.lo() - gap <= queryLo || w.hi() + gap >= queryHi);
        if (open) {
          next.put(device, windows);
        } else {
          result.addAll(windows);
        }
      }
      pending = next;
      horizon = horizon > MAX_HORIZON / 8 ? MAX_HORIZON + 1 : horizon * 8;
    }
    result.sort(Comparator.comparing(Window::device).thenComparingLong(Window::lo));
    return result;
  }

  private static Map<String, List<FileSpan>> identifierFiles(
      Table table, Long snapshotId, Collection<String> devices, long lo, long hi) {
    Map<String, List<FileSpan>> byDevice = new HashMap<>();
    if (snapshotId == null) {
      return byDevice;
    }
    for (FileSpan span :
        RawMetadata.files(
            table,
            snapshotId,
            RawMetadata.devicesBetween(RawSchema.DEVICE, RawSchema.TIME, devices, lo, hi))) {
      byDevice.computeIfAbsent(span.device(), k -> new ArrayList<>()).add(span);
    }
    return byDevice;
  }

  /**
   * Identifier files chained while the next starts within {@code gap} of the furthest end so far.
   */
  static List<Window> chains(String device, List<FileSpan> files, long gap) {
    List<FileSpan> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparingLong(FileSpan::lo));
    List<Window> chains = new ArrayList<>();
    long start = 0;
    long end = 0;
    boolean open = false;
    for (FileSpan f : sorted) {
      if (open && f.lo() <= saturatedAdd(end, gap)) {
        end = Math.max(end, f.hi());
      } else {
        if (open) {
          chains.add(new Window(device, start, end));
        }
        start = f.lo();
        end = f.hi();
        open = true;
      }
    }
    if (open) {
      chains.add(new Window(device, start, end));
    }
    return chains;
  }

  private static List<Window> pad(List<Window> spans, long gap) {
    return spans.stream()
        .map(w -> new Window(w.device(), saturatedAdd(w.lo(), -gap), saturatedAdd(w.hi(), gap)))
        .toList();
  }

  /** Overlapping or touching windows of one device merged into one. */
  static List<Window> merge(List<Window> windows) {
    List<Window> sorted = new ArrayList<>(windows);
    sorted.sort(Comparator.comparingLong(Window::lo));
    List<Window> merged = new ArrayList<>();
    for (Window w : sorted) {
      Window last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && w.lo() <= saturatedAdd(last.hi(), 1)) {
        merged.set(
            merged.size() - 1, new Window(last.device(), last.lo(), Math.max(last.hi(), w.hi())));
      } else {
        merged.add(w);
      }
    }
    return merged;
  }

  /**
   * The earliest start and the latest end of all these windows ({@code [MAX, MIN]} when there are
   * none).
   */
  static long[] bounds(Collection<List<Window>> windows) {
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (List<Window> list : windows) {
      for (Window w : list) {
        lo = Math.min(lo, w.lo());
        hi = Math.max(hi, w.hi());
      }
    }
    return new long[] {lo, hi};
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }
}
