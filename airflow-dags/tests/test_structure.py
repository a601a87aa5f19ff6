"""Shape of the DAGs: tasks and order, schedule, retries, pool, params and their schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from airflow.sdk.definitions.param import ParamValidationError
from airflow.serialization.encoders import coerce_to_core_timetable

import trip_lake_common as common
import trip_lake_daily
import trip_lake_reprocess
from conftest import validated

JOB_TASKS = ("ingest", "register", "aggregate", "maintain", "report")
GATES = ("ingest_or_register", "maintenance_due", "report_due")


@pytest.fixture(scope="module")
def daily(dagbag):
    return dagbag.dags["trip_lake_daily"]


@pytest.fixture(scope="module")
def reprocess(dagbag):
    return dagbag.dags["trip_lake_reprocess"]


# --- trip_lake_daily ----------------------------------------------------------------------------


def test_daily_runs_ingest_or_register_then_aggregate_then_maintain_and_report(daily):
    assert set(daily.task_ids) == {
        "ingest_or_register",
        "ingest",
        "register",
        "aggregate",
        "maintenance_due",
        "maintain",
        "report_due",
        "report",
    }
    assert daily.get_task("ingest_or_register").upstream_task_ids == set()
    assert daily.get_task("ingest_or_register").downstream_task_ids == {"ingest", "register"}
    assert daily.get_task("ingest").downstream_task_ids == {"maintenance_due", "report_due"}
    assert daily.get_task("register").downstream_task_ids == {"aggregate"}
    assert daily.get_task("aggregate").downstream_task_ids == {"maintenance_due", "report_due"}
    assert daily.get_task("maintenance_due").upstream_task_ids == {"ingest", "aggregate"}
    assert daily.get_task("maintenance_due").downstream_task_ids == {"maintain"}
    assert daily.get_task("maintain").downstream_task_ids == set()
    assert daily.get_task("report_due").upstream_task_ids == {"ingest", "aggregate"}
    assert daily.get_task("report_due").downstream_task_ids == {"report"}
    assert daily.get_task("report").downstream_task_ids == set()


def test_the_first_task_is_a_branch(daily):
    assert daily.get_task("ingest_or_register").inherits_from_skipmixin
    assert type(daily.get_task("ingest_or_register")).__name__ == "_BranchPythonDecoratedOperator"


@pytest.mark.parametrize(
    ("conf", "first_job"),
    [
        ({}, "ingest"),
        ({"last_days": 7, "run_maintenance": True, "write_report": True}, "ingest"),
        ({"as_of": "2024-02-21T06:00:00Z"}, "ingest"),  # as_of without reprocess_day is ignored
        ({"reprocess_day": "2024-02-20"}, "register"),
        ({"reprocess_day": "2024-02-20", "as_of": "2024-02-21T06:00:00Z", "publish": True}, "register"),
        ({"reconcile": True}, "register"),
        ({"reconcile": True, "reprocess_day": "2024-02-20"}, "register"),
    ],
)
def test_the_branch_takes_ingest_unless_a_run_reprocesses_or_reconciles(daily, conf, first_job):
    branch = daily.get_task("ingest_or_register")
    assert branch.python_callable(params=validated(daily, conf)) == first_job


@pytest.mark.parametrize("gate_id", ["maintenance_due", "report_due"])
def test_the_gates_follow_whichever_path_ran(daily, gate_id):
    # all_success would skip them whenever the path not taken is skipped; none_failed_min_one_success
    # runs them after the path that ran and stops them when it failed.
    assert daily.get_task(gate_id).trigger_rule == "none_failed_min_one_success"
    for task_id in ("ingest", "register", "aggregate", "maintain", "report"):
        assert daily.get_task(task_id).trigger_rule == "all_success", task_id


def test_daily_schedule_is_daily_without_catchup(daily):
    assert daily.timetable.expression == "0 3 * * *"
    assert daily.timetable.interval == timedelta(days=1)
    assert daily.catchup is False
    assert daily.max_active_runs == 1
    interval = coerce_to_core_timetable(daily.timetable).infer_manual_data_interval(
        run_after=datetime(2024, 3, 2, 3, tzinfo=UTC)
    )
    assert (interval.start, interval.end) == (
        datetime(2024, 3, 1, 3, tzinfo=UTC),
        datetime(2024, 3, 2, 3, tzinfo=UTC),
    )


def test_daily_documents_itself(daily):
    assert daily.doc_md == trip_lake_daily.__doc__
    assert "### trip-lake daily" in daily.doc_md
    assert set(daily.tags) == {"trip-lake", "emr-serverless", "iceberg"}


@pytest.mark.parametrize("task_id", JOB_TASKS)
def test_daily_job_tasks_retry_with_backoff_in_the_pool(daily, task_id):
    task = daily.get_task(task_id)
    assert type(task).__name__ == "TripLakeJobOperator"
    assert task.retries == 2
    assert task.retry_delay == timedelta(minutes=10)
    assert task.retry_exponential_backoff == 2.0
    assert task.max_retry_delay == timedelta(hours=1)
    assert task.pool == "trip_lake"
    assert task.deferrable is True
    assert task.wait_for_completion is True
    assert task.cancel_on_kill is True
    assert common.report_failed_job_run in task.on_failure_callback


@pytest.mark.parametrize("task_id", JOB_TASKS)
def test_daily_job_tasks_wait_longer_than_the_job_may_run(daily, task_id):
    task = daily.get_task(task_id)
    timeout_minutes = task.config["executionTimeoutMinutes"]
    assert timeout_minutes == common.JOB_TIMEOUT_MINUTES[task_id]
    assert task.waiter_delay == 60
    assert task.waiter_delay * task.waiter_max_attempts == (timeout_minutes + 15) * 60


@pytest.mark.parametrize("gate_id", GATES)
def test_gates_write_nothing_and_do_not_retry(daily, gate_id):
    gate = daily.get_task(gate_id)
    assert gate.pool == "default_pool"
    assert gate.retries == 0


def test_daily_params_defaults(daily):
    assert daily.params.dump() == {
        "last_days": 3,
        "reconcile": False,
        "reprocess_day": None,
        "as_of": None,
        "publish": False,
        "run_maintenance": False,
        "write_report": False,
        "driver_cores": None,
        "driver_memory": None,
        "executor_cores": None,
        "executor_memory": None,
        "max_executors": None,
    }


def test_daily_params_schema(daily):
    assert daily.params.get_param("last_days").schema == {"type": "integer", "minimum": 1, "maximum": 30}
    assert daily.params.get_param("reconcile").schema == {"type": "boolean"}
    assert daily.params.get_param("run_maintenance").schema == {"type": "boolean"}
    assert daily.params.get_param("write_report").schema == {"type": "boolean"}
    assert daily.params.get_param("reprocess_day").schema == {"type": ["null", "string"], "format": "date"}
    assert daily.params.get_param("as_of").schema["type"] == ["null", "string"]
    assert daily.params.get_param("publish").schema == {"type": "boolean"}
    names = ("last_days", "reconcile", "reprocess_day", "as_of", "publish", "run_maintenance", "write_report")
    for name in names:
        assert daily.params.get_param(name).description


@pytest.mark.parametrize(
    "conf",
    [
        {"last_days": 1, "reconcile": True, "run_maintenance": True},
        {"write_report": True},
        {"last_days": 30},
        {"reprocess_day": "2024-03-02"},
        # The as_of formats: the job contract's examples, in test_contract.py.
        {"reprocess_day": "2024-03-02", "as_of": "2024-03-02T10:00:00Z", "publish": True},
        {"executor_cores": 8, "executor_memory": "30g", "max_executors": 50},
        {"driver_cores": 2, "driver_memory": "3g"},
    ],
)
def test_daily_accepts_good_params(daily, conf):
    assert validated(daily, conf).items() >= conf.items()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("last_days", 0),
        ("last_days", 31),
        ("last_days", "3"),
        ("last_days", 2.5),
        ("reconcile", "yes"),
        ("run_maintenance", None),
        ("write_report", "yes"),
        ("reprocess_day", "2024-02-30"),
        ("reprocess_day", "02/03/2024"),
        ("reprocess_day", "20240302"),
        ("reprocess_day", ""),
        ("publish", "yes"),
        ("executor_cores", 3),
        ("executor_memory", "16GB"),
        ("driver_cores", 3),
        ("driver_memory", "7"),
        ("driver_memory", "512m"),
        ("max_executors", 0),
    ],
)
def test_daily_rejects_bad_params(daily, name, value):
    with pytest.raises(ParamValidationError):
        validated(daily, {name: value})


# --- trip_lake_reprocess ------------------------------------------------------------------------


def test_reprocess_is_manual_and_maps_one_job_per_day(reprocess):
    assert reprocess.timetable.__class__.__name__ == "NullTimetable"
    assert reprocess.catchup is False
    assert reprocess.max_active_runs == 1
    assert set(reprocess.task_ids) == {"plan_days", "reprocess_day"}
    assert reprocess.get_task("plan_days").downstream_task_ids == {"reprocess_day"}
    job = reprocess.get_task("reprocess_day")
    assert job.is_mapped
    assert job.operator_class.__name__ == "TripLakeJobOperator"
    assert set(job.expand_input.value) == {"name"}
    assert job.partial_kwargs["pool"] == "trip_lake"
    assert job.partial_kwargs["retries"] == 2
    assert job.partial_kwargs["deferrable"] is True
    assert reprocess.doc_md == trip_lake_reprocess.__doc__
    assert "reprocess" in reprocess.tags


def test_reprocess_needs_a_range(reprocess):
    with pytest.raises(ParamValidationError):
        validated(reprocess, {})
    with pytest.raises(ParamValidationError):
        validated(reprocess, {"start_day": "2024-03-01"})
    with pytest.raises(ParamValidationError):
        validated(reprocess, {"start_day": "2024-03-01", "end_day": "March 3rd"})
    assert validated(reprocess, {"start_day": "2024-03-01", "end_day": "2024-03-03"}) == {
        "start_day": "2024-03-01",
        "end_day": "2024-03-03",
        "as_of": None,
        "publish": False,
        "driver_cores": None,
        "driver_memory": None,
        "executor_cores": None,
        "executor_memory": None,
        "max_executors": None,
    }


def test_both_dags_write_through_the_same_one_slot_pool(daily, reprocess):
    pools = {daily.get_task(t).pool for t in JOB_TASKS} | {
        reprocess.get_task("reprocess_day").partial_kwargs["pool"]
    }
    assert pools == {common.POOL}
