package io.triplake.bench;

import static io.triplake.bench.S3Benchmark.fmt;

import io.triplake.bench.S3Benchmark.Phase;
import io.triplake.bench.S3Benchmark.Result;
import io.triplake.bench.s3.RequestKinds;
import io.triplake.bench.s3.Traffic;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The printed form of a {@link S3Benchmark} result: request table, per-file figures, throughput,
 * cost per day.
 */
final class S3BenchmarkReport {
  private S3BenchmarkReport() {}

  private static List<Phase> phases(Result r) {
    List<Phase> phases = new java.util.ArrayList<>(List.of(r.register()));
    if (r.registerAtScale() != null) {
      phases.add(r.registerAtScale());
    }
    phases.addAll(List.of(r.aggregate(), r.rerun(), r.ingest()));
    return phases;
  }

  static String text(Result r) {
    StringBuilder out = new StringBuilder();
    out.append(
        fmt(
            "S3 benchmark: %d devices x %d days (IMU %d Hz), %,d raw files, %,d bytes, uploaded to"
                + " moto's server in %.1f s (not counted); every S3 request waits %s ms in the"
                + " proxy; register parallelism %d; %d cores%n%n",
            r.devices(),
            r.days(),
            r.imuHz(),
            r.rawFiles(),
            r.rawBytes(),
            r.uploadSeconds(),
            CostModel.num(r.latencyMs()),
            r.parallelism(),
            r.cores()));

    out.append(
        "Requests (ranged: GETs with a Range header; aborted: GETs the client closed before their"
            + " end; bytes: what the GETs returned; rerun: the same aggregate run again, warm)\n");
    out.append(fmt("%-10s %-10s", "phase", "bucket"));
    for (String kind : RequestKinds.S3_KINDS) {
      out.append(fmt(" %8s", kind));
    }
    out.append(fmt(" %8s %8s %14s%n", "ranged", "aborted", "bytes"));
    for (Phase phase : phases(r)) {
      for (String bucket : buckets(phase.s3())) {
        out.append(fmt("%-10s %-10s", phase.name(), bucket));
        for (String kind : RequestKinds.S3_KINDS) {
          out.append(fmt(" %8d", phase.s3().requests(bucket, kind)));
        }
        Traffic.Tally get = phase.s3().tally(bucket, RequestKinds.GET);
        out.append(fmt(" %8d %8d %,14d%n", get.rangeRequests(), get.aborted(), get.bodyBytes()));
      }
    }
    for (Phase phase : phases(r)) {
      out.append(
          fmt(
              "Glue requests, %s: %d (%s)%n",
              phase.name(),
              phase.glueRequests(),
              phase.glue().groups().getOrDefault(RequestKinds.GLUE, Map.of()).entrySet().stream()
                  .map(e -> e.getKey() + " " + e.getValue().requests())
                  .collect(Collectors.joining(", "))));
    }

    out.append(fmt("%nPer raw file (%,d files, %,d bytes)%n", r.rawFiles(), r.rawBytes()));
    for (Phase phase : phases(r)) {
      boolean scale = phase == r.registerAtScale();
      int files = scale ? r.scaleFiles() : r.rawFiles();
      Traffic.Tally get = phase.s3().tally(S3Benchmark.RAW, RequestKinds.GET);
      out.append(
          fmt(
              "  %-10s raw GET %.2f (ranged %.2f, aborted %.2f), HEAD %.2f, LIST %.4f%s%n",
              phase.name() + ":",
              phase.perFile(S3Benchmark.RAW, RequestKinds.GET, files),
              get.rangeRequests() / (double) files,
              get.aborted() / (double) files,
              phase.perFile(S3Benchmark.RAW, RequestKinds.HEAD, files),
              phase.perFile(S3Benchmark.RAW, RequestKinds.LIST, files),
              scale
                  ? fmt(" (over its %,d small files)", files)
                  : fmt(
                      "; raw bytes read / raw bytes %.3f", phase.rawBytesReadShare(r.rawBytes()))));
    }

    out.append(
        fmt(
            "%nregister:  %,d files in %.2f s = %.1f files/s; CPU %.2f s = %.2f ms per file; peak"
                + " heap %.0f MB%n",
            r.rawFiles(),
            r.register().seconds(),
            r.registerFilesPerSecond(),
            r.register().cpuSeconds(),
            r.register().cpuSeconds() * 1e3 / r.rawFiles(),
            r.register().peakHeapBytes() / 1e6));
    if (r.registerAtScale() != null) {
      Phase scale = r.registerAtScale();
      out.append(
          fmt(
              "register at scale: %,d small files on the warm JVM in %.2f s = %.1f files/s; CPU"
                  + " %.2f s = %.2f ms per file; peak heap %.0f MB (the cost model's rate)%n",
              r.scaleFiles(),
              scale.seconds(),
              r.registerAtScaleFilesPerSecond(),
              scale.cpuSeconds(),
              scale.cpuSeconds() * 1e3 / r.scaleFiles(),
              scale.peakHeapBytes() / 1e6));
    }
    out.append(registrationBound(r));
    out.append(
        fmt(
            "aggregate: %,d rows (%,d files) in %.2f s = %,.0f rows/s per core; CPU %.2f s = %.3f"
                + " µs per row; peak heap %.0f MB; %d trips%n",
            r.rows(),
            r.aggregateFilesRead(),
            r.aggregate().seconds(),
            r.aggregateRowsPerSecondPerCore(),
            r.aggregate().cpuSeconds(),
            r.aggregate().cpuSeconds() * 1e6 / r.rows(),
            r.aggregate().peakHeapBytes() / 1e6,
            r.summaryTrips()));
    out.append(
        fmt(
            "rerun:     the same in %.2f s = %,.0f rows/s per core; CPU %.2f s, of which executor"
                + " threads %.2f s = %.3f µs per row%s; peak heap %.0f MB%n",
            r.rerun().seconds(),
            r.rerunRowsPerSecondPerCore(),
            r.rerun().cpuSeconds(),
            r.rerun().executorCpuSeconds(),
            r.rerunCpuSecondsPerRow() * 1e6,
            r.cpuPerRowGiven() ? "" : " (the cost model's CPU per row)",
            r.rerun().peakHeapBytes() / 1e6));
    if (r.proxyFailures() > 0) {
      out.append(
          fmt(
              "WARNING: the proxies could not forward %d requests: the counts are incomplete."
                  + " First: %s%n",
              r.proxyFailures(), String.join("; ", r.proxyFailureMessages())));
    }

    out.append(costs(r));
    return out.toString();
  }

  private static List<String> buckets(Traffic traffic) {
    List<String> known = List.of(S3Benchmark.RAW, S3Benchmark.WAREHOUSE);
    return java.util.stream.Stream.concat(
            known.stream(), traffic.groups().keySet().stream().filter(g -> !known.contains(g)))
        .toList();
  }

  private static String costs(Result r) {
    CostModel.Prices p = r.prices();
    CostModel.Fleet f = r.costFleet();
    CostModel.Sizes s = r.sizes();
    CostModel.Measured m = r.measured();
    StringBuilder out = new StringBuilder();
    out.append(fmt("%nCost per day (CostModel): ARM EMR Serverless, us-east-1%n"));
    out.append(
        fmt(
            "  prices: $%s per vCPU-hour, $%s per GB-hour, billed per second with a %s s minimum"
                + " per worker; S3 GET/HEAD $%s and PUT/POST/LIST $%s per 1,000, DELETE free%n",
            CostModel.num(p.vcpuHour()),
            CostModel.num(p.gbHour()),
            CostModel.num(p.minimumWorkerSeconds()),
            CostModel.num(p.getPer1000()),
            CostModel.num(p.putPer1000())));
    out.append(
        fmt(
            "  fleet (assumed): %s raw files and %s bytes per device a day, %s bytes per row; the"
                + " registrar's listing walks %d day(s) of files%n",
            CostModel.num(f.filesPerDevice()),
            CostModel.num(f.bytesPerDevice()),
            CostModel.num(f.bytesPerRow()),
            f.listedDays()));
    out.append(
        fmt(
            "  workers (the job contract's, as billed): register's driver %d vCPU / %s GB (it runs"
                + " alone); aggregate's driver %d vCPU / %s GB and executors %d vCPU / %s GB, at"
                + " most %d%n",
            s.registerDriver().vcpu(),
            CostModel.num(s.registerDriver().memoryGb()),
            s.driver().vcpu(),
            CostModel.num(s.driver().memoryGb()),
            s.executor().vcpu(),
            CostModel.num(s.executor().memoryGb()),
            s.maxExecutors()));
    out.append(
        fmt(
            "  measured here: register %s ms CPU per file (%s files/s here, with %d footer reads"
                + " in flight and every request waiting %s s); raw GET+HEAD per file:"
                + " register %s, aggregate %s (%d files fetched ahead per task); warehouse"
                + " requests per run: register %s, aggregate %s (GET+HEAD) and %s, %s"
                + " (PUT+POST+LIST)%n",
            CostModel.num(m.registerCpuSecondsPerFile() * 1e3),
            CostModel.num(
                r.registerAtScale() == null
                    ? r.registerFilesPerSecond()
                    : r.registerAtScaleFilesPerSecond()),
            m.registerInFlight(),
            CostModel.num(m.latencySeconds()),
            CostModel.num(m.registerRawPerFile().reads()),
            CostModel.num(m.aggregateRawPerFile().reads()),
            m.aggregateInFlightPerTask(),
            CostModel.num(m.registerWarehousePerRun().reads()),
            CostModel.num(m.aggregateWarehousePerRun().reads()),
            CostModel.num(m.registerWarehousePerRun().writesAndLists()),
            CostModel.num(m.aggregateWarehousePerRun().writesAndLists())));
    out.append(
        r.cpuPerRowGiven()
            ? fmt(
                "  given: aggregate %s µs CPU per row (--cpu-us-per-row; the rerun here measured"
                    + " %s)%n",
                CostModel.num(m.aggregateCpuSecondsPerRow() * 1e6),
                CostModel.num(r.rerunCpuSecondsPerRow() * 1e6))
            : fmt(
                "  measured here: aggregate %s µs CPU per row, the warm rerun's executor threads'"
                    + " CPU over its rows (tasks and raw fetches, with the per-file CPU of this"
                    + " fleet's files; --cpu-us-per-row sets another)%n",
                CostModel.num(m.aggregateCpuSecondsPerRow() * 1e6)));
    out.append(
        "  not included: MWAA, Glue, Athena, S3 storage, ephemeral storage above 20 GB per"
            + " worker\n\n");

    out.append(
        fmt(
            "  %8s %14s %16s %10s %10s %10s %10s %10s %12s%n",
            "devices",
            "raw files/day",
            "rows/day",
            "register",
            "aggregate",
            "executors",
            "S3",
            "total",
            "per device"));
    for (CostModel.Estimate e : r.costs()) {
      costRow(out, e);
    }
    CostModel.Worker ingestDriver = r.sizes().ingestDriver();
    out.append(
        fmt(
            "%n  with ingest (one job run on one %d vCPU / %s GB worker, the trip pass on its"
                + " threads; raw GET+HEAD per file %s instead of %s + %s):%n",
            ingestDriver.vcpu(),
            CostModel.num(ingestDriver.memoryGb()),
            CostModel.num(r.ingestMeasured().registerRawPerFile().reads()),
            CostModel.num(m.registerRawPerFile().reads()),
            CostModel.num(m.aggregateRawPerFile().reads())));
    out.append(
        fmt(
            "  %8s %14s %16s %10s %10s %10s %12s%n",
            "devices", "raw files/day", "rows/day", "ingest", "S3", "total", "per device"));
    for (CostModel.Estimate e : r.ingestCosts()) {
      out.append(
          fmt(
              "  %8d %,14.0f %,16.0f %10s %10s %10s %12s%n",
              e.devices(),
              e.files(),
              e.rows(),
              CostModel.money(e.registerDollars()),
              CostModel.money(e.s3Dollars()),
              CostModel.money(e.totalDollars()),
              CostModel.money(e.dollarsPerDevice())));
    }
    for (CostModel.Estimate e : r.costs()) {
      out.append(fmt("%n  %d devices:%n", e.devices()));
      arithmetic(out, e);
    }
    for (CostModel.Estimate e : r.ingestCosts()) {
      if (e.devices() == 1 || e.devices() == 500) {
        out.append(fmt("%n  %d devices with ingest:%n", e.devices()));
        arithmetic(out, e);
      }
    }
    return out.toString();
  }

  private static void costRow(StringBuilder out, CostModel.Estimate e) {
    out.append(
        fmt(
            "  %8d %,14.0f %,16.0f %10s %10s %10d %10s %10s %12s%n",
            e.devices(),
            e.files(),
            e.rows(),
            CostModel.money(e.registerDollars()),
            CostModel.money(e.aggregateDollars()),
            e.executors(),
            CostModel.money(e.s3Dollars()),
            CostModel.money(e.totalDollars()),
            CostModel.money(e.dollarsPerDevice())));
  }

  private static void arithmetic(StringBuilder out, CostModel.Estimate e) {
    for (CostModel.Line line : e.lines()) {
      String value =
          line.unit().equals("$")
              ? CostModel.money(line.value())
              : CostModel.num(line.value()) + " " + line.unit();
      out.append(fmt("    %-26s %s = %s%n", line.what(), line.arithmetic(), value));
    }
  }

  /**
   * Where registration's files/s stop on this machine: every process of the benchmark shares its
   * cores, so the CPU a file costs them all together bounds the rate, whatever the reads in flight
   * (their bound is in flight / latency).
   */
  static String registrationBound(S3Benchmark.Result r) {
    Phase phase = r.registerAtScale() != null ? r.registerAtScale() : r.register();
    int files = r.registerAtScale() != null ? r.scaleFiles() : r.rawFiles();
    double job = phase.jobCpuSeconds() * 1e3 / files;
    double proxy = phase.proxyCpuSeconds() * 1e3 / files;
    double emulator = phase.emulatorCpuSeconds() * 1e3 / files;
    double latency = r.latencyMs() / 1e3;
    StringBuilder out = new StringBuilder();
    out.append(
        fmt(
            "  its CPU per file: the job %.2f ms, the proxies %.2f ms (the benchmark's, not on"
                + " AWS), %s%n",
            job,
            proxy,
            Double.isNaN(emulator)
                ? "the emulator not measured (a server given by --endpoint)"
                : fmt("the emulator %.2f ms (moto, S3's side on AWS)", emulator)));
    out.append(
        latency > 0
            ? fmt(
                "  bounds on %d cores: reads in flight %,.0f files/s (%d / %.3f s)",
                r.cores(), r.parallelism() / latency, r.parallelism(), latency)
            : fmt("  bounds on %d cores: reads in flight none (no latency injected)", r.cores()));
    if (!Double.isNaN(emulator)) {
      out.append(
          fmt(
              "; all processes' CPU %,.0f files/s (%d cores / %.2f ms)",
              r.cores() / (job + proxy + emulator) * 1e3, r.cores(), job + proxy + emulator));
    }
    out.append(
        fmt(
            "; the job's CPU alone %,.0f files/s (%d cores / %.2f ms)%n",
            r.cores() / job * 1e3, r.cores(), job));
    return out.toString();
  }
}
