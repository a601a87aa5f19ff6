"""Whole DAG runs with ``dag.test()`` against moto's EMR Serverless, deferrable operators included.

Airflow 3's ``dag.test()`` runs each task in process through the task SDK and the execution API, and
runs a deferred task's trigger inline (``_run_inline_trigger``), then resumes the task: the job tasks
run with ``deferrable=True`` exactly as deployed. moto's job runs end in SUCCESS at once; the failure
tests use ``moto_failing_server.py`` (job runs end in FAILED) or a role moto refuses.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from conftest import ACCOUNT_ID, EXECUTION_ROLE_ARN, aws_connection, load_dag


@pytest.fixture
def failure_reports():
    """What report_failed_job_run logs, read from its own logger."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Collect(level=logging.ERROR)
    logger = logging.getLogger("trip_lake_common")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def _application(server, monkeypatch, *, role_arn=EXECUTION_ROLE_ARN):
    """A fresh EMR Serverless application in moto, the Variables pointing at it (in the metadata
    database, as on MWAA) and ``aws_default`` pointing at moto."""
    from airflow.models.variable import Variable

    emr = server.client("emr-serverless")
    # moto accepts only release labels of the form emr-X.Y.0
    app_id = emr.create_application(name="trip-lake", releaseLabel="emr-7.12.0", type="SPARK")[
        "applicationId"
    ]
    values = {
        "trip_lake_emr_application_id": app_id,
        "trip_lake_emr_execution_role_arn": role_arn,
        "trip_lake_artifacts_bucket": "trip-lake-artifacts",
        "trip_lake_raw_uri": "s3://trip-lake-raw/canedge/",
        "trip_lake_logs_uri": "s3://trip-lake-logs/emr-serverless/",
        "trip_lake_release_label": "emr-7.12.0",
    }
    for key, value in values.items():
        Variable.set(key, value)
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws_connection(server.endpoint))
    return emr, app_id


@pytest.fixture
def emr_app(moto_server, monkeypatch):
    return _application(moto_server, monkeypatch)


def job_runs(emr, app_id) -> list[dict]:
    """The application's job runs (moto gives them all the same creation time: no order)."""
    emr.get_application(applicationId=app_id)  # exists, so a ResourceNotFound below means no job run
    try:
        summaries = emr.list_job_runs(applicationId=app_id)["jobRuns"]
    except emr.exceptions.ResourceNotFoundException:  # moto's answer for an application without runs
        return []
    return [emr.get_job_run(applicationId=app_id, jobRunId=s["id"])["jobRun"] for s in summaries]


def by_command(runs) -> dict[str, dict]:
    commands = [arguments(run)[0] for run in runs]
    assert len(set(commands)) == len(commands), commands
    return {arguments(run)[0]: run for run in runs}


def arguments(job_run) -> list[str]:
    return job_run["jobDriver"]["sparkSubmit"]["entryPointArguments"]


def states(dag_run) -> dict[str, str]:
    return {
        (ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"): ti.state
        for ti in dag_run.get_task_instances()
    }


CATALOG_CONF = "s3://trip-lake-artifacts/conf/catalog.properties"
AGGREGATIONS_CONF = "s3://trip-lake-artifacts/conf/aggregations.json"


def test_sunday_run_ingests_in_one_job_run_and_maintains(emr_app):
    emr, app_id = emr_app
    dag_run = load_dag("trip_lake_daily").test(logical_date=datetime(2024, 3, 3, 3, tzinfo=UTC))

    assert dag_run.state == "success"
    assert states(dag_run) == {
        "ingest_or_register": "success",
        "ingest": "success",
        "register": "skipped",
        "aggregate": "skipped",
        "maintenance_due": "success",
        "maintain": "success",
        "report_due": "success",
        "report": "skipped",
    }
    runs = by_command(job_runs(emr, app_id))
    assert set(runs) == {"ingest", "maintain"}
    assert arguments(runs["ingest"]) == [
        "ingest", "--catalog-conf", CATALOG_CONF, "--source", "s3://trip-lake-raw/canedge/",
        "--last-days", "3", "--until", "2024-03-03", "--config", AGGREGATIONS_CONF,
        "--batch-bytes", "8589934592", "--run-id", dag_run.run_id,
    ]  # fmt: skip
    assert arguments(runs["maintain"]) == [
        "maintain", "--catalog-conf", CATALOG_CONF, "--run-id", dag_run.run_id,
    ]  # fmt: skip
    for run in runs.values():
        assert run["state"] == "SUCCESS"
        assert run["executionRole"] == EXECUTION_ROLE_ARN
        assert run["jobDriver"]["sparkSubmit"]["entryPoint"] == "s3://trip-lake-artifacts/jars/trip-lake.jar"
        assert run["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"].startswith(
            "--class io.triplake.cli.TripLake "
        )
        assert run["configurationOverrides"]["monitoringConfiguration"] == {
            "s3MonitoringConfiguration": {"logUri": "s3://trip-lake-logs/emr-serverless/"},
            "cloudWatchLoggingConfiguration": {
                "enabled": True,
                "logGroupName": "/aws/emr-serverless/trip-lake",
            },
        }
        assert run["name"].endswith(f"| {dag_run.run_id} | try 1")
    ingest_size = runs["ingest"]["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"]
    assert "--conf spark.driver.cores=16 --conf spark.driver.memory=29g " in ingest_size
    assert {command: run["executionTimeoutMinutes"] for command, run in runs.items()} == {
        "ingest": 240,
        "maintain": 240,
    }


def test_saturday_reprocess_run_registers_then_aggregates_and_skips_maintenance(emr_app):
    emr, app_id = emr_app
    conf = {"reprocess_day": "2024-02-20", "as_of": "2024-02-21T06:00:00Z", "last_days": 5}
    dag_run = load_dag("trip_lake_daily").test(
        logical_date=datetime(2024, 3, 9, 3, tzinfo=UTC), run_conf=conf
    )

    assert dag_run.state == "success"
    assert states(dag_run) == {
        "ingest_or_register": "success",
        "ingest": "skipped",
        "register": "success",
        "aggregate": "success",
        "maintenance_due": "success",
        "maintain": "skipped",
        "report_due": "success",
        "report": "skipped",
    }
    runs = by_command(job_runs(emr, app_id))
    assert set(runs) == {"register", "aggregate"}
    assert arguments(runs["register"]) == [
        "register", "--catalog-conf", CATALOG_CONF, "--source", "s3://trip-lake-raw/canedge/",
        "--last-days", "5", "--until", "2024-03-09", "--run-id", dag_run.run_id,
    ]  # fmt: skip
    assert arguments(runs["aggregate"]) == [
        "aggregate", "--catalog-conf", CATALOG_CONF, "--config", AGGREGATIONS_CONF,
        "--run-id", dag_run.run_id,
        "--reprocess-day", "2024-02-20", "--as-of", "2024-02-21T06:00:00Z",
    ]  # fmt: skip
    assert {command: run["executionTimeoutMinutes"] for command, run in runs.items()} == {
        "register": 120,
        "aggregate": 240,
    }


def test_sunday_reconcile_run_registers_the_whole_source_then_aggregates_and_maintains(emr_app):
    emr, app_id = emr_app
    dag_run = load_dag("trip_lake_daily").test(
        logical_date=datetime(2024, 3, 10, 3, tzinfo=UTC), run_conf={"reconcile": True, "write_report": True}
    )

    assert dag_run.state == "success"
    assert states(dag_run) == {
        "ingest_or_register": "success",
        "ingest": "skipped",
        "register": "success",
        "aggregate": "success",
        "maintenance_due": "success",
        "maintain": "success",
        "report_due": "success",
        "report": "success",
    }
    runs = by_command(job_runs(emr, app_id))
    assert set(runs) == {"register", "aggregate", "maintain", "report"}
    assert arguments(runs["register"]) == [
        "register", "--catalog-conf", CATALOG_CONF, "--source", "s3://trip-lake-raw/canedge/",
        "--reconcile", "--run-id", dag_run.run_id,
    ]  # fmt: skip
    assert arguments(runs["aggregate"]) == [
        "aggregate", "--catalog-conf", CATALOG_CONF, "--config", AGGREGATIONS_CONF,
        "--run-id", dag_run.run_id,
    ]  # fmt: skip


def test_a_run_with_write_report_writes_the_days_report_after_ingest(emr_app):
    emr, app_id = emr_app
    dag_run = load_dag("trip_lake_daily").test(
        logical_date=datetime(2024, 3, 9, 3, tzinfo=UTC), run_conf={"write_report": True}
    )

    assert dag_run.state == "success"
    assert states(dag_run) == {
        "ingest_or_register": "success",
        "ingest": "success",
        "register": "skipped",
        "aggregate": "skipped",
        "maintenance_due": "success",
        "maintain": "skipped",
        "report_due": "success",
        "report": "success",
    }
    runs = by_command(job_runs(emr, app_id))
    assert set(runs) == {"ingest", "report"}
    assert arguments(runs["report"]) == [
        "report", "--catalog-conf", CATALOG_CONF, "--config", AGGREGATIONS_CONF,
        "--from", "2024-03-08", "--to", "2024-03-08",
        "--out-in-warehouse", "reports/trip-report-2024-03-08.html",
        "--run-id", dag_run.run_id,
    ]  # fmt: skip
    assert runs["report"]["executionTimeoutMinutes"] == 30
    assert runs["report"]["state"] == "SUCCESS"


def test_reprocess_dag_runs_one_job_per_day(emr_app):
    emr, app_id = emr_app
    conf = {"start_day": "2024-02-27", "end_day": "2024-03-01", "as_of": "5781947118336215154"}
    dag_run = load_dag("trip_lake_reprocess").test(
        logical_date=datetime(2024, 3, 10, 12, tzinfo=UTC), run_conf=conf
    )

    assert dag_run.state == "success"
    assert states(dag_run) == {
        "plan_days": "success",
        "reprocess_day[0]": "success",
        "reprocess_day[1]": "success",
        "reprocess_day[2]": "success",
        "reprocess_day[3]": "success",
    }
    runs = job_runs(emr, app_id)
    days = ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"]
    assert sorted(run["name"] for run in runs) == [f"trip-lake aggregate reprocess {day}" for day in days]
    for run in runs:
        day = run["name"].rsplit(" ", 1)[1]
        assert arguments(run) == [
            "aggregate", "--catalog-conf", "s3://trip-lake-artifacts/conf/catalog.properties",
            "--config", "s3://trip-lake-artifacts/conf/aggregations.json", "--run-id", dag_run.run_id,
            "--reprocess-day", day, "--as-of", "5781947118336215154",
        ]  # fmt: skip


def test_reprocess_dag_refuses_a_reversed_range(emr_app):
    emr, app_id = emr_app
    conf = {"start_day": "2024-03-05", "end_day": "2024-03-01"}
    dag_run = load_dag("trip_lake_reprocess").test(
        logical_date=datetime(2024, 3, 10, 13, tzinfo=UTC), run_conf=conf
    )

    assert dag_run.state == "failed"
    assert states(dag_run)["plan_days"] == "failed"
    assert job_runs(emr, app_id) == []


def _without_retries(dag):
    """The DAG with retries off: dag.test() would otherwise wait out the retry delay."""
    for task in dag.tasks:
        task.retries = 0
    return dag


@pytest.mark.parametrize(
    ("conf", "failed", "expected"),
    [
        (
            {},
            "ingest",
            {"ingest": "failed", "register": "skipped", "aggregate": "skipped"},
        ),
        (
            {"reconcile": True},
            "register",
            {"ingest": "skipped", "register": "failed", "aggregate": "upstream_failed"},
        ),
    ],
)
def test_failed_job_run_fails_the_task_and_reports_it(
    failing_moto_server, monkeypatch, failure_reports, conf, failed, expected
):
    emr, app_id = _application(failing_moto_server, monkeypatch)
    dag = _without_retries(load_dag("trip_lake_daily"))
    dag_run = dag.test(logical_date=datetime(2024, 3, 16, 3, tzinfo=UTC), run_conf=conf)

    assert dag_run.state == "failed"
    # The path that failed stops maintenance and the report, whichever it was.
    assert states(dag_run) == {
        "ingest_or_register": "success",
        **expected,
        "maintenance_due": "upstream_failed",
        "maintain": "upstream_failed",
        "report_due": "upstream_failed",
        "report": "upstream_failed",
    }
    (run,) = job_runs(emr, app_id)
    assert arguments(run)[0] == failed
    assert run["state"] == "FAILED"  # already over: not cancelled
    logs = f"s3://trip-lake-logs/emr-serverless/applications/{app_id}/jobs/{run['jobRunId']}/"
    assert failure_reports == [
        f"trip-lake task trip_lake_daily.{failed} run {dag_run.run_id} try 1 failed: "
        f"EMR Serverless job run {run['jobRunId']} of application {app_id}; "
        f"logs: {logs} and CloudWatch /aws/emr-serverless/trip-lake"
    ]


def test_refused_job_start_fails_the_task_and_says_no_job_run_started(
    moto_server, monkeypatch, failure_reports
):
    other_account_role = "arn:aws:iam::999999999999:role/not-ours"
    assert not other_account_role.startswith(f"arn:aws:iam::{ACCOUNT_ID}:")
    emr, app_id = _application(moto_server, monkeypatch, role_arn=other_account_role)
    dag = _without_retries(load_dag("trip_lake_daily"))
    dag_run = dag.test(logical_date=datetime(2024, 3, 23, 3, tzinfo=UTC))

    assert dag_run.state == "failed"
    assert states(dag_run)["ingest"] == "failed"
    assert job_runs(emr, app_id) == []
    assert failure_reports == [
        f"trip-lake task trip_lake_daily.ingest run {dag_run.run_id} try 1 failed before an EMR "
        f"Serverless job run was started (application {app_id}); see the task log"
    ]
