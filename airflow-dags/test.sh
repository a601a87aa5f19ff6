#!/usr/bin/env bash
# Tests of the Airflow DAGs with the Airflow and Amazon provider MWAA runs (see README.md).
# Creates the venv <repo>/.cache/venv-airflow if needed, installs the pinned requirements when they
# changed since the last install, then runs pytest. Usage: airflow-dags/test.sh [pytest arguments]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="$ROOT/.cache/venv-airflow"
STAMP="$VENV/.requirements.sha256"
WANTED="$(cat "$HERE/requirements-test.txt" "$HERE/constraints-test.txt" | sha256sum | cut -d' ' -f1)"

if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANTED" ]]; then
  echo "airflow-dags: installing the test requirements into $VENV"
  PIP_CACHE_DIR="$ROOT/.cache/pip" "$VENV/bin/pip" install -q --disable-pip-version-check \
    -r "$HERE/requirements-test.txt"
  echo "$WANTED" > "$STAMP"
fi

exec "$VENV/bin/python" -m pytest -q "$HERE/tests" "$@"
