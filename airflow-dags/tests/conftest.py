"""Test session for the trip-lake DAGs: a throw-away AIRFLOW_HOME with a SQLite metadata database,
the real Airflow and Amazon provider that MWAA runs, and moto's server as the AWS endpoint.

Airflow reads its configuration when it is first imported, so the environment is set here, at import
of this conftest, before any test module imports Airflow.
"""

from __future__ import annotations

import copy
import importlib.util
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DAGS = ROOT / "dags"
TESTS = Path(__file__).resolve().parent

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="trip-lake-airflow-"))

os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(AIRFLOW_HOME / "logs"),
        # Never reach a real AWS account or the instance metadata service.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(AIRFLOW_HOME / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(AIRFLOW_HOME / "no-aws-credentials"),
    }
)
for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)
for name in [n for n in os.environ if n.startswith(("AIRFLOW_VAR_", "AIRFLOW_CONN_"))]:
    del os.environ[name]

sys.path.insert(0, str(DAGS))  # as Airflow does for the DAGs folder: trip_lake_common is importable

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/trip-lake-emr-job"


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def airflow_db():
    """The metadata database, created once, with the pool the DAGs use (as deployment creates it)."""
    from airflow.models.pool import Pool
    from airflow.utils import db

    from trip_lake_common import POOL

    db.initdb()
    Pool.create_or_update_pool(POOL, slots=1, description="trip-lake writers", include_deferred=True)
    yield


@pytest.fixture(scope="session")
def dagbag_and_warnings():
    """The DAGs folder parsed as the DAG processor does, with every warning raised meanwhile.

    Airflow 3's DagBag has no ``include_examples`` any more: examples are a DAG bundle of their own,
    off here (``load_examples`` False), and a DagBag reads only the folder it is given.
    """
    from airflow.dag_processing.dagbag import DagBag

    from trip_lake_common import POOL

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = DagBag(dag_folder=str(DAGS), safe_mode=False, known_pools={"default_pool", POOL})
    return bag, caught


@pytest.fixture(scope="session")
def dagbag(dagbag_and_warnings):
    return dagbag_and_warnings[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """moto's HTTP server in a subprocess on a free loopback port; its output goes to ``log_path``."""

    def __init__(self, command: list[str], log_path: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [*command, "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto server did not start: see {log_path}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=1).close()
            return True
        except OSError:
            return False

    def client(self, service: str):
        import boto3

        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _start(command: list[str], name: str):
    server = MotoServer(command, AIRFLOW_HOME / f"{name}.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_server():
    """The stock ``moto_server``: its EMR Serverless job runs end in SUCCESS at once."""
    yield from _start([str(Path(sys.executable).with_name("moto_server"))], "moto")


@pytest.fixture(scope="session")
def failing_moto_server():
    """moto's server patched so that every EMR Serverless job run ends in FAILED (see the script)."""
    yield from _start([sys.executable, str(TESTS / "moto_failing_server.py")], "moto-failing")


def aws_connection(endpoint: str) -> str:
    """``aws_default`` pointing at a local endpoint, as AIRFLOW_CONN_AWS_DEFAULT wants it."""
    return json.dumps(
        {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {"region_name": REGION, "endpoint_url": endpoint},
        }
    )


_fresh_modules = itertools.count()


def load_dag(dag_id: str):
    """A new DAG object from its file, as a worker parses it before it runs a task.

    Running or rendering a task resolves the run's params into the DAG's Param objects (harmless in a
    worker, which parses the file for every task), so each run or rendering here gets its own DAG
    rather than the session's DagBag.
    """
    name = f"trip_lake_test_dag_{next(_fresh_modules)}_{dag_id}"
    spec = importlib.util.spec_from_file_location(name, DAGS / f"{dag_id}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.dag.dag_id == dag_id
    return module.dag


def validated(dag, conf):
    """Params of a run of ``dag`` triggered with ``conf``, validated as Airflow validates them."""
    params = copy.deepcopy(dag.params)
    for key, value in conf.items():
        params[key] = value  # a Param validates its new value here
    return params.validate()


# --- Rendering a task as the task runner does ------------------------------------------------------

VARIABLES = {
    "trip_lake_emr_application_id": "00fabcdefghij012",
    "trip_lake_emr_execution_role_arn": EXECUTION_ROLE_ARN,
    "trip_lake_artifacts_bucket": "trip-lake-artifacts",
    "trip_lake_raw_uri": "s3://trip-lake-raw/canedge/",
    "trip_lake_logs_uri": "s3://trip-lake-logs/emr-serverless/",
    "trip_lake_release_label": "emr-7.12.0",
}


@pytest.fixture
def variables(monkeypatch):
    """The trip-lake Variables, as Airflow's environment-variable secrets backend serves them."""
    for key, value in VARIABLES.items():
        monkeypatch.setenv(f"AIRFLOW_VAR_{key.upper()}", value)
    return dict(VARIABLES)


def render_task(dag_id, task_id, *, logical_date=None, run_after=None, conf=None, map_index=-1):
    """The task of a freshly loaded DAG, its template fields rendered for a manual run.

    Builds the task runner's own RuntimeTaskInstance around a DagRun like the one the execution API
    hands to a worker, and renders through ``get_template_context`` + ``render_template_fields``, the
    calls the task runner makes before ``execute``.
    """
    import uuid

    from airflow.sdk.api.datamodels._generated import DagRun, TIRunContext
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
    from airflow.serialization.encoders import coerce_to_core_timetable

    dag = load_dag(dag_id)
    task = dag.get_task(task_id).prepare_for_execution()
    run_after = run_after or logical_date
    interval = (
        coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=logical_date)
        if logical_date
        else None
    )
    dag_run = DagRun(
        dag_id=dag.dag_id,
        run_id=f"manual__{run_after.isoformat()}",
        logical_date=logical_date,
        data_interval_start=interval.start if interval else None,
        data_interval_end=interval.end if interval else None,
        run_after=run_after,
        start_date=run_after,
        end_date=None,
        run_type="manual",
        state="running",
        conf=conf or {},
        consumed_asset_events=[],
        partition_key=None,
    )
    ti = RuntimeTaskInstance.model_construct(
        id=uuid.uuid4(),
        task_id=task_id,
        dag_id=dag.dag_id,
        run_id=dag_run.run_id,
        try_number=1,
        map_index=map_index,
        dag_version_id=uuid.uuid4(),
        task=task,
        max_tries=task.retries,
        _ti_context_from_server=TIRunContext(
            dag_run=dag_run, max_tries=task.retries, variables=[], connections=[], xcom_keys_to_clear=[]
        ),
    )
    task.render_template_fields(ti.get_template_context())
    return task
