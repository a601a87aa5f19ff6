#!/usr/bin/env bash
# Offline tests of the Terraform module (HCL parse, variable/output contracts, checkov, no IAM wildcards),
# in the venv <repo>/.cache/venv-terraform. Usage: terraform/test.sh [pytest arguments]
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/../.ci/pytest-in-venv" "$HERE" venv-terraform "$@"
