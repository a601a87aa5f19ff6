#!/usr/bin/env bash
# Creates <repo>/.cache/venv-moto for the AWS integration tests (moto's server, PyIceberg) and installs
# aws-it/requirements.txt into it when the file changed since the last install (a stamp file says).
# Run by .ci/test before Maven; run it by hand before `mvnw test -pl aws-it -am`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="$ROOT/.cache/venv-moto"
STAMP="$VENV/.requirements.sha256"
WANTED="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"

if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANTED" ]]; then
  echo "aws-it: installing $HERE/requirements.txt into $VENV"
  PIP_CACHE_DIR="$ROOT/.cache/pip" "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$WANTED" > "$STAMP"
fi
