#!/usr/bin/env python3
"""Compare two outputs of pandas_trips.py / duckdb_trips.py: same trips, same rows, values equal to 1e-9 relative.

Usage: python compare.py A.parquet B.parquet (exit code 0 when they agree)
"""
import sys

import numpy as np
import pandas as pd

a_path, b_path = sys.argv[1], sys.argv[2]
RTOL = 1e-9
KEY = ["deviceid", "tripstart", "message", "signal", "aggregation"]

a = pd.read_parquet(a_path)
b = pd.read_parquet(b_path)
for d in (a, b):
    d["tripstart"] = pd.to_datetime(d["tripstart"], utc=True).astype("datetime64[us, UTC]")
    d["tripend"] = pd.to_datetime(d["tripend"], utc=True).astype("datetime64[us, UTC]")

ta = a[["deviceid", "tripstart", "tripend"]].drop_duplicates()
tb = b[["deviceid", "tripstart", "tripend"]].drop_duplicates()
trips = ta.merge(tb, how="outer", indicator=True)
print(f"trips: pandas {len(ta)}, duckdb {len(tb)}, only pandas {(trips._merge == 'left_only').sum()}, "
      f"only duckdb {(trips._merge == 'right_only').sum()}")
print(f"rows: pandas {len(a)}, duckdb {len(b)}")

m = a.merge(b, on=KEY, how="outer", suffixes=("_pd", "_db"), indicator=True)
unmatched = m[m._merge != "both"]
m = m[m._merge == "both"]
x, y = m.signalvalue_pd.to_numpy(float), m.signalvalue_db.to_numpy(float)
both_nan = np.isnan(x) & np.isnan(y)
denom = np.maximum(np.abs(x), np.abs(y))
rel = np.where(both_nan, 0.0, np.abs(x - y) / np.where(denom == 0, 1.0, denom))
rel = np.where(np.isnan(rel), np.inf, rel)  # one side NaN/NULL, the other not
m = m.assign(rel=rel)
bad = m[(m.rel > RTOL) | (m.signalcount_pd != m.signalcount_db) | (m.tripend_pd != m.tripend_db)]
print(f"rows only on one side: {len(unmatched)}")
print(f"max relative difference: {rel.max():.3e}; exact equal: {(x == y).sum() + both_nan.sum()}/{len(m)}")
print("max relative difference per aggregation:")
print(m.groupby(["message", "signal", "aggregation"]).rel.max().to_string())
print(f"rows over {RTOL:g} relative or with another count/tripend: {len(bad)}")
if len(bad):
    pd.set_option("display.width", 250)
    print(bad[KEY + ["signalvalue_pd", "signalvalue_db", "rel", "signalcount_pd", "signalcount_db"]].to_string())
ok = len(unmatched) == 0 and len(bad) == 0 and (trips._merge == "both").all()
print("AGREE" if ok else "DIFFER")
sys.exit(0 if ok else 1)
