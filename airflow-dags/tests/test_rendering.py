"""Templated job payloads, rendered as the task runner renders them, against the Java CLI's contract."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import trip_lake_common as common
from conftest import render_task

SATURDAY = datetime(2024, 3, 2, 3, tzinfo=UTC)  # data interval 2024-03-01 03:00 .. 2024-03-02 03:00
RUN_ID = f"manual__{SATURDAY.isoformat()}"
CONF = "s3://trip-lake-artifacts/conf/catalog.properties"


DAILY = "trip_lake_daily"


def arguments(task):
    return task.job_driver["sparkSubmit"]["entryPointArguments"]


def test_register_reads_the_last_days_up_to_the_end_of_the_data_interval(variables):
    task = render_task(DAILY, "register", logical_date=SATURDAY)
    assert arguments(task) == [
        "register",
        "--catalog-conf", CONF,
        "--source", "s3://trip-lake-raw/canedge/",
        "--last-days", "3",
        "--until", "2024-03-02",
        "--run-id", RUN_ID,
    ]  # fmt: skip


def test_register_reconciles_the_whole_source_when_asked(variables):
    task = render_task(DAILY, "register", logical_date=SATURDAY, conf={"reconcile": True, "last_days": 9})
    assert arguments(task) == [
        "register",
        "--catalog-conf", CONF,
        "--source", "s3://trip-lake-raw/canedge/",
        "--reconcile",
        "--run-id", RUN_ID,
    ]  # fmt: skip


def test_register_takes_last_days_from_the_params(variables):
    task = render_task(DAILY, "register", logical_date=SATURDAY, conf={"last_days": 7})
    assert arguments(task)[5:9] == ["--last-days", "7", "--until", "2024-03-02"]


def test_register_of_a_run_without_logical_date_stops_at_the_day_it_was_triggered(variables):
    run_after = datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    task = render_task(DAILY, "register", logical_date=None, run_after=run_after)
    assert arguments(task)[5:9] == ["--last-days", "3", "--until", "2024-03-05"]


def test_ingest_registers_the_last_days_and_aggregates_them_in_one_job(variables):
    task = render_task(DAILY, "ingest", logical_date=SATURDAY)
    assert arguments(task) == [
        "ingest",
        "--catalog-conf", CONF,
        "--source", "s3://trip-lake-raw/canedge/",
        "--last-days", "3",
        "--until", "2024-03-02",
        "--config", "s3://trip-lake-artifacts/conf/aggregations.json",
        "--batch-bytes", "8589934592",
        "--run-id", RUN_ID,
    ]  # fmt: skip
    assert task.name == f"trip-lake ingest | {RUN_ID} | try 1"
    assert task.config == {"executionTimeoutMinutes": 240}


def test_ingest_runs_its_trip_pass_on_a_16_vcpu_driver(variables):
    task = render_task(DAILY, "ingest", logical_date=SATURDAY)
    assert task.job_driver["sparkSubmit"]["sparkSubmitParameters"] == (
        "--class io.triplake.cli.TripLake"
        " --conf spark.driver.cores=16"
        " --conf spark.driver.memory=29g"
        " --conf spark.executor.cores=4"
        " --conf spark.executor.memory=7g"
        " --conf spark.dynamicAllocation.maxExecutors=1"
    )
    common.check_size(task.job_driver["sparkSubmit"]["sparkSubmitParameters"])


def test_ingest_takes_last_days_and_the_day_from_the_run_as_register_does(variables):
    task = render_task(DAILY, "ingest", logical_date=SATURDAY, conf={"last_days": 7})
    assert arguments(task)[5:9] == ["--last-days", "7", "--until", "2024-03-02"]
    run_after = datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    task = render_task(DAILY, "ingest", logical_date=None, run_after=run_after)
    assert arguments(task)[5:9] == ["--last-days", "3", "--until", "2024-03-05"]


def test_job_driver_and_monitoring(variables):
    task = render_task(DAILY, "register", logical_date=SATURDAY)
    assert task.application_id == "00fabcdefghij012"
    assert task.execution_role_arn == "arn:aws:iam::123456789012:role/trip-lake-emr-job"
    assert task.job_driver["sparkSubmit"]["entryPoint"] == "s3://trip-lake-artifacts/jars/trip-lake.jar"
    assert task.job_driver["sparkSubmit"]["sparkSubmitParameters"] == (
        "--class io.triplake.cli.TripLake"
        " --conf spark.driver.cores=4"
        " --conf spark.driver.memory=7g"
        " --conf spark.executor.cores=4"
        " --conf spark.executor.memory=7g"
        " --conf spark.dynamicAllocation.maxExecutors=1"
    )
    assert "spark.jars" not in task.job_driver["sparkSubmit"]["sparkSubmitParameters"]
    assert task.configuration_overrides == {
        "monitoringConfiguration": {
            "s3MonitoringConfiguration": {"logUri": "s3://trip-lake-logs/emr-serverless/"},
            "cloudWatchLoggingConfiguration": {
                "enabled": True,
                "logGroupName": "/aws/emr-serverless/trip-lake",
            },
        }
    }
    assert task.config == {"executionTimeoutMinutes": 120}
    assert task.name == f"trip-lake register | {RUN_ID} | try 1"


def test_spark_sizes_come_from_params_or_the_jobs_defaults(variables):
    conf = {"driver_cores": 1, "driver_memory": "2g", "executor_cores": 8, "executor_memory": "30g", "max_executors": 40}
    task = render_task(DAILY, "aggregate", logical_date=SATURDAY, conf=conf)
    assert task.job_driver["sparkSubmit"]["sparkSubmitParameters"] == (
        "--class io.triplake.cli.TripLake"
        " --conf spark.driver.cores=1"
        " --conf spark.driver.memory=2g"
        " --conf spark.executor.cores=8"
        " --conf spark.executor.memory=30g"
        " --conf spark.dynamicAllocation.maxExecutors=40"
    )
    default = render_task(DAILY, "aggregate", logical_date=SATURDAY)
    assert default.job_driver["sparkSubmit"]["sparkSubmitParameters"] == (
        "--class io.triplake.cli.TripLake"
        " --conf spark.driver.cores=2"
        " --conf spark.driver.memory=7g"
        " --conf spark.executor.cores=4"
        " --conf spark.executor.memory=7g"
        " --conf spark.dynamicAllocation.maxExecutors=20"
    )


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        (
            {"executor_memory": "30g"},  # 30 + 3 GB overhead: no 4 vCPU worker holds 33 GB
            "Cannot size job: executor_memory 30g plus Spark's overhead needs 33 GB, more than the largest "
            "worker of 4 vCPU (30 GB): change the DAG param or the job contract",
        ),
        (
            {"driver_cores": 1},  # the default 7g: 7.7 GB fits the largest 1 vCPU worker (8 GB)
            None,
        ),
        (
            {"driver_cores": 1, "driver_memory": "8g"},
            "Cannot size job: driver_memory 8g plus Spark's overhead needs 9 GB, more than the largest "
            "worker of 1 vCPU (8 GB): change the DAG param or the job contract",
        ),
    ],
)
def test_a_size_no_worker_has_fails_before_the_job_run_starts(variables, conf, message):
    # The params check each value's syntax; whether memory and vCPU make a worker is checked once
    # rendered, before StartJobRun.
    task = render_task(DAILY, "aggregate", logical_date=SATURDAY, conf=conf)
    parameters = task.job_driver["sparkSubmit"]["sparkSubmitParameters"]
    if message is None:
        common.check_size(parameters)
    else:
        with pytest.raises(ValueError) as refused:
            task.execute({})  # refused before the provider's execute calls EMR Serverless
        assert str(refused.value) == message


def test_aggregate_processes_what_is_new(variables):
    task = render_task(DAILY, "aggregate", logical_date=SATURDAY)
    assert arguments(task) == [
        "aggregate",
        "--catalog-conf", CONF,
        "--config", "s3://trip-lake-artifacts/conf/aggregations.json",
        "--run-id", RUN_ID,
    ]  # fmt: skip
    assert task.config == {"executionTimeoutMinutes": 240}


def test_aggregate_reprocesses_a_day_as_of_a_timestamp(variables):
    conf = {"reprocess_day": "2024-02-20", "as_of": "2024-02-21T06:00:00Z"}
    task = render_task(DAILY, "aggregate", logical_date=SATURDAY, conf=conf)
    assert arguments(task) == [
        "aggregate",
        "--catalog-conf", CONF,
        "--config", "s3://trip-lake-artifacts/conf/aggregations.json",
        "--run-id", RUN_ID,
        "--reprocess-day", "2024-02-20",
        "--as-of", "2024-02-21T06:00:00Z",
    ]  # fmt: skip
    assert task.name == f"trip-lake aggregate reprocess 2024-02-20 | {RUN_ID} | try 1"


def test_aggregate_publishes_an_as_of_day_only_when_asked(variables):
    conf = {"reprocess_day": "2024-02-20", "as_of": "2024-02-21T06:00:00Z", "publish": True}
    task = render_task(DAILY, "aggregate", logical_date=SATURDAY, conf=conf)
    assert arguments(task)[-5:] == ["--reprocess-day", "2024-02-20", "--as-of", "2024-02-21T06:00:00Z", "--publish"]
    # publish without as_of would mean nothing: the job refuses it, so the DAG never sends it.
    task = render_task(DAILY, "aggregate", logical_date=SATURDAY, conf={"reprocess_day": "2024-02-20", "publish": True})
    assert "--publish" not in arguments(task)


def test_aggregate_reprocesses_a_day_from_the_current_raw_tables(variables):
    task = render_task(DAILY, "aggregate", logical_date=SATURDAY, conf={"reprocess_day": "2024-02-20"})
    assert arguments(task)[-2:] == ["--reprocess-day", "2024-02-20"]
    assert "--as-of" not in arguments(task)


def test_as_of_alone_does_not_change_the_aggregate(variables):
    task = render_task(DAILY, "aggregate", logical_date=SATURDAY, conf={"as_of": "2024-02-21T00:00:00Z"})
    assert "--as-of" not in arguments(task)
    assert "--reprocess-day" not in arguments(task)


def test_register_still_runs_normally_in_a_reprocess_run(variables):
    task = render_task(DAILY, "register", logical_date=SATURDAY, conf={"reprocess_day": "2024-02-20"})
    assert "--last-days" in arguments(task)
    assert "--reprocess-day" not in arguments(task)


def test_maintain(variables):
    task = render_task(DAILY, "maintain", logical_date=SATURDAY)
    assert arguments(task) == ["maintain", "--catalog-conf", CONF, "--run-id", RUN_ID]
    assert task.config == {"executionTimeoutMinutes": 240}


def test_report_writes_the_first_day_of_the_data_interval_into_the_warehouse(variables):
    task = render_task(DAILY, "report", logical_date=SATURDAY, conf={"write_report": True})
    assert arguments(task) == [
        "report",
        "--catalog-conf", CONF,
        "--config", "s3://trip-lake-artifacts/conf/aggregations.json",
        "--from", "2024-03-01",
        "--to", "2024-03-01",
        "--out-in-warehouse", "reports/trip-report-2024-03-01.html",
        "--run-id", RUN_ID,
    ]  # fmt: skip
    assert task.config == {"executionTimeoutMinutes": 30}
    assert task.name == f"trip-lake report 2024-03-01 | {RUN_ID} | try 1"


def test_report_of_a_reprocess_run_is_the_reprocessed_days(variables):
    task = render_task(DAILY, "report", logical_date=SATURDAY, conf={"reprocess_day": "2024-02-20"})
    assert arguments(task)[5:11] == [
        "--from", "2024-02-20",
        "--to", "2024-02-20",
        "--out-in-warehouse", "reports/trip-report-2024-02-20.html",
    ]  # fmt: skip


def test_report_of_a_run_without_logical_date_is_the_day_it_was_triggered(variables):
    run_after = datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    task = render_task(DAILY, "report", logical_date=None, run_after=run_after)
    assert arguments(task)[5:9] == ["--from", "2024-03-05", "--to", "2024-03-05"]


def test_no_omitted_argument_is_left_in_any_rendering(variables):
    for conf in ({}, {"reconcile": True}, {"reprocess_day": "2024-02-20", "as_of": "1"}):
        for task_id in ("ingest", "register", "aggregate", "maintain", "report"):
            rendered = arguments(render_task(DAILY, task_id, logical_date=SATURDAY, conf=conf))
            common.check_arguments(rendered)  # raises on OMIT, "", or leftover Jinja


@pytest.mark.parametrize(
    ("arguments_", "message"),
    [
        (["register", "--source", "", "--run-id", "r"], "argument 2 (after --source)"),
        (["register", common.OMIT], "argument 1 (after register)"),
        (["register", "{{ var.value.x }}"], "argument 1 (after register)"),
        (["register", 3], "argument 1 (after register)"),
    ],
)
def test_a_job_never_starts_with_a_broken_argument(arguments_, message):
    with pytest.raises(ValueError, match=r"^Cannot start job run: ") as raised:
        common.check_arguments(arguments_)
    assert message in str(raised.value)


def test_an_empty_variable_stops_the_job_before_it_starts(variables, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_TRIP_LAKE_RAW_URI", "")
    task = render_task(DAILY, "register", logical_date=SATURDAY)
    with pytest.raises(ValueError, match=r"argument 4 \(after --source\)"):
        task.execute(context={})
