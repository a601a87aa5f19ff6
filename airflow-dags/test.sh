#!/usr/bin/env bash
# Tests of the Airflow DAGs with the Airflow and Amazon provider MWAA runs (see README.md), in the venv
# <repo>/.cache/venv-airflow. Usage: airflow-dags/test.sh [pytest arguments]
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/../.ci/pytest-in-venv" "$HERE" venv-airflow "$@"
