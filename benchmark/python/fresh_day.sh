#!/usr/bin/env bash
# A day of N loggers as a user runs it: `./trip-lake aggregate` in a fresh process (a lake with the day
# registered, the first run: it creates the trip tables) against a single-threaded pandas script and a
# DuckDB SQL script of the same trips, interleaved run by run; prints each run, the medians and the
# ratios. The two scripts' outputs are compared with each other (trip-lake against DuckDB is what
# `./trip-lake bench trips` and the tests check).
#
#   benchmark/python/fresh_day.sh [--devices 10] [--runs 3] [--work-dir .cache/bench-fresh]
#
# Wall and CPU (user + sys) seconds per run; the load average beside each round, because on a shared
# machine it moves every figure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/benchmark/python"
DEVICES=10
RUNS=3
WORK="$ROOT/.cache/bench-fresh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --devices) DEVICES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --work-dir) WORK="$2"; shift 2 ;;
    *) echo "fresh_day.sh: unknown option $1 (--devices N, --runs N, --work-dir DIR)" >&2; exit 2 ;;
  esac
done

VENV="$ROOT/.cache/venv-bench"
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$HERE/requirements.txt" "$VENV/requirements.txt"; then
  echo "fresh_day.sh: installing the reference scripts' packages into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$VENV/requirements.txt"
fi
PY="$VENV/bin/python"

mkdir -p "$WORK"
RAW="$WORK/raw-$DEVICES"
CONFIG="$WORK/aggregations-$DEVICES.json"
if [[ ! -d "$RAW" || ! -f "$CONFIG" ]]; then
  rm -rf "$RAW"
  "$ROOT/trip-lake" generate --devices "$DEVICES" --days 1 --out "$RAW" --config-out "$CONFIG"
fi

TIMES="$WORK/times.txt"
: > "$TIMES"
timed() { # name command...: appends "name wall cpu" to $TIMES
  local name="$1"
  shift
  local start end cpu
  start=$(date +%s.%N)
  cpu=$( { TIMEFORMAT='%U %S'; time "$@" > "$WORK/$name.out" 2>&1; } 2>&1 )
  end=$(date +%s.%N)
  echo "$name $(awk "BEGIN { print $end - $start }") $(echo "$cpu" | awk '{ print $1 + $2 }')" >> "$TIMES"
}

# Untimed: the first run after a build records the launcher's class-data archive (once per build).
rm -rf "$WORK/lake"
"$ROOT/trip-lake" register --lake "$WORK/lake" --source "$RAW" > "$WORK/register.out" 2>&1
"$ROOT/trip-lake" aggregate --lake "$WORK/lake" --config "$CONFIG" > "$WORK/first.out" 2>&1

for ((r = 1; r <= RUNS; r++)); do
  rm -rf "$WORK/lake"
  "$ROOT/trip-lake" register --lake "$WORK/lake" --source "$RAW" > "$WORK/register.out" 2>&1
  timed trip-lake "$ROOT/trip-lake" aggregate --lake "$WORK/lake" --config "$CONFIG"
  timed pandas "$PY" "$HERE/pandas_trips.py" "$RAW" "$WORK/pandas.parquet"
  timed duckdb "$PY" "$HERE/duckdb_trips.py" "$RAW" "$WORK/duckdb.parquet"
  echo "round $r: $(tail -3 "$TIMES" | tr '\n' ' ') load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
done
"$PY" "$HERE/compare.py" "$WORK/pandas.parquet" "$WORK/duckdb.parquet" | tail -1

"$PY" - "$TIMES" "$DEVICES" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {}
for tool in ("trip-lake", "pandas", "duckdb"):
    walls = [float(r[1]) for r in rows if r[0] == tool]
    cpus = [float(r[2]) for r in rows if r[0] == tool]
    med[tool] = statistics.median(walls)
    print(f"{tool:9} wall {', '.join(f'{w:.2f}' for w in walls)} s (median {med[tool]:.2f} s); "
          f"CPU median {statistics.median(cpus):.2f} s")
print(f"A day of {sys.argv[2]} loggers, fresh processes: trip-lake aggregate / DuckDB = "
      f"{med['trip-lake'] / med['duckdb']:.2f}, / pandas = {med['trip-lake'] / med['pandas']:.2f}")
EOF
