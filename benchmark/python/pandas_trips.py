#!/usr/bin/env python3
"""Reference per-trip summaries with single-threaded pandas + pyarrow.

Usage: python pandas_trips.py RAW_ROOT OUT.parquet

The yardstick of `benchmark/python/fresh_day.sh`: the trips of a fleet that `./trip-lake generate`
wrote, with the aggregations of its config (FleetGenerator.CONFIG, fleet-aggregations.json).

RAW_ROOT/<deviceid>/<message>/yyyy/mm/dd/<file>.parquet, each file with `t` (timestamp[us, UTC]).
Trips per device: CAN2_gnss_speed rows in t order; a new trip where the gap to the previous row is
strictly greater than 10 min; a trip spans its first to last row; trips shorter than 1 min dropped.
Every aggregation is over the message's rows with tripstart <= t <= tripend, NULL/NaN excluded
(per signal). Output: one row per trip x signal x aggregation (long format, like tripsummary).
"""
import glob
import os
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# Single-threaded: no Arrow CPU/IO thread pools.
pa.set_cpu_count(1)
pa.set_io_thread_count(1)

IDENT = "CAN2_gnss_speed"
GAP_US = 10 * 60 * 1_000_000   # new trip where gap > 10 min
MIN_LEN_US = 60 * 1_000_000    # drop trips shorter than 1 min

# message -> [(signal, [aggregations])]
AGGS = {
    "CAN2_gnss_speed": [("Speed", ["avg", "max", "median"])],
    "CAN2_gnss_imu": [(s, ["max", "stddev"]) for s in ("AccelerationX", "AccelerationY", "AccelerationZ")],
    "CAN2_gnss_odo": [("DistanceTrip", ["delta_sum"])],
    "CAN2_gnss_pos": [(s, ["first", "last"]) for s in ("Latitude", "Longitude")],
    "CAN2_gnss_altitude": [("Altitude", ["min", "max", "delta_sum_pos"])],
}


def read_message(root, device, message, columns):
    """All files of one device and message, concatenated and sorted by t; t as int64 microseconds."""
    files = sorted(glob.glob(os.path.join(root, device, message, "*", "*", "*", "*.parquet")))
    if not files:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in ["t"] + columns})
    tables = [pq.read_table(f, columns=["t"] + columns, use_threads=False) for f in files]
    table = pa.concat_tables(tables)
    df = table.to_pandas(use_threads=False)
    df["t"] = table.column("t").cast(pa.int64()).to_numpy()  # UTC micros
    return df.sort_values("t", kind="stable", ignore_index=True)


def find_trips(t):
    """t: sorted int64 micros -> (starts, ends) of the kept trips."""
    if len(t) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    new_trip = np.empty(len(t), bool)
    new_trip[0] = True
    new_trip[1:] = np.diff(t) > GAP_US
    trip_no = np.cumsum(new_trip) - 1
    s = pd.Series(t)
    g = s.groupby(trip_no)
    starts, ends = g.min().to_numpy(), g.max().to_numpy()
    keep = (ends - starts) >= MIN_LEN_US
    return starts[keep], ends[keep]


def assign_trip(t, starts, ends):
    """Index of the kept trip each t lies in (tripstart <= t <= tripend), -1 for none."""
    idx = np.searchsorted(starts, t, side="right") - 1
    ok = idx >= 0
    ok[ok] = t[ok] <= ends[idx[ok]]
    return np.where(ok, idx, -1)


def aggregate_signal(values, trip, agg):
    """values: float Series (NaN = missing) restricted to rows in a trip; trip: their trip index."""
    mask = values.notna().to_numpy()
    v = values[mask]
    tr = trip[mask]
    g = v.groupby(tr, sort=True)
    if agg == "avg":
        return g.mean()
    if agg == "max":
        return g.max()
    if agg == "min":
        return g.min()
    if agg == "median":
        return g.median()
    if agg == "stddev":
        return g.std(ddof=1)
    if agg == "first":
        return g.first()
    if agg == "last":
        return g.last()
    if agg == "delta_sum":
        return g.last() - g.first()
    if agg == "delta_sum_pos":
        steps = v.groupby(tr, sort=False).diff()  # NaN at each trip's first value
        return steps.clip(lower=0).groupby(tr, sort=True).sum()  # NaN steps skipped -> 0 for one value
    raise ValueError(agg)


def device_rows(root, device):
    speed = read_message(root, device, IDENT, [s for s, _ in AGGS[IDENT]])
    starts, ends = find_trips(speed["t"].to_numpy())
    if len(starts) == 0:
        return [], 0
    out = []
    for message, signals in AGGS.items():
        cols = [s for s, _ in signals]
        df = speed if message == IDENT else read_message(root, device, message, cols)
        trip = assign_trip(df["t"].to_numpy(), starts, ends)
        inside = trip >= 0
        df = df[inside]
        trip = trip[inside]
        for signal, aggs in signals:
            counts = df[signal].notna().groupby(trip).sum().reindex(range(len(starts)), fill_value=0)
            for agg in aggs:
                res = aggregate_signal(df[signal], trip, agg).reindex(range(len(starts)))
                out.append(pd.DataFrame({
                    "deviceid": device,
                    "tripstart": starts,
                    "tripend": ends,
                    "message": message,
                    "signal": signal,
                    "aggregation": agg,
                    "signalvalue": res.to_numpy(dtype="float64"),
                    "signalcount": counts.to_numpy(dtype="int64"),
                }))
    return out, len(starts)


def main():
    root = sys.argv[1]
    out_path = sys.argv[2]
    devices = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    frames, trips = [], 0
    for device in devices:
        rows, n = device_rows(root, device)
        frames.extend(rows)
        trips += n
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(result):
        result["duration_s"] = (result["tripend"] - result["tripstart"]) / 1e6
        result["tripstart"] = pd.to_datetime(result["tripstart"], unit="us", utc=True)
        result["tripend"] = pd.to_datetime(result["tripend"], unit="us", utc=True)
        result = result.sort_values(["deviceid", "tripstart", "message", "signal", "aggregation"], ignore_index=True)
    result.to_parquet(out_path, index=False)
    print(f"pandas: {trips} trips, {len(result)} output rows ({len(devices)} devices) -> {out_path}")


if __name__ == "__main__":
    main()
