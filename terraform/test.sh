#!/usr/bin/env bash
# Offline tests of the Terraform module (HCL parse, variable/output contracts, checkov, no IAM wildcards).
# Creates the venv <repo>/.cache/venv-terraform when needed. Usage: terraform/test.sh [pytest arguments]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="$ROOT/.cache/venv-terraform"
STAMP="$VENV/.requirements.sha256"
WANTED="$(cat "$HERE/requirements-test.txt" "$HERE/constraints-test.txt" | sha256sum | cut -d' ' -f1)"

if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANTED" ]]; then
  echo "terraform: installing the test requirements into $VENV"
  PIP_CACHE_DIR="$ROOT/.cache/pip" "$VENV/bin/pip" install -q --disable-pip-version-check \
    -r "$HERE/requirements-test.txt" -c "$HERE/constraints-test.txt"
  echo "$WANTED" > "$STAMP"
fi

exec "$VENV/bin/python" -m pytest -q "$HERE/tests" "$@"
