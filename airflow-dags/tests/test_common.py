"""The small pure pieces of trip_lake_common."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

import trip_lake_common as common


@pytest.mark.parametrize(
    ("day", "forced", "due"),
    [
        (date(2024, 3, 3), False, True),  # Sunday
        (date(2024, 3, 2), False, False),  # Saturday
        (date(2024, 3, 4), False, False),  # Monday
        (date(2024, 3, 4), True, True),
    ],
)
def test_maintenance_is_due_on_sundays_or_when_forced(day, forced, due):
    assert common.is_maintenance_due(day, forced) is due


@pytest.mark.parametrize(
    ("reprocess_day", "reconcile", "first_job"),
    [
        (None, False, "ingest"),
        ("2024-02-20", False, "register"),
        (None, True, "register"),
        ("2024-02-20", True, "register"),
    ],
)
def test_a_daily_run_ingests_unless_it_reprocesses_or_reconciles(reprocess_day, reconcile, first_job):
    params = {"reprocess_day": reprocess_day, "reconcile": reconcile, "last_days": 3}
    assert common.daily_first_job(params) == first_job


def test_ingest_keeps_at_most_a_part_of_its_batch_bytes_on_the_default_driver_disk():
    # The kept files of one part are at most --batch-bytes; the rest of the disk is for Spark's and
    # the JVM's own files and a device larger than a part (the job contract's ingest comment).
    assert common.INGEST_BATCH_BYTES == 8 * 1024**3  # the job's own default (TripIngest)
    assert common.INGEST_BATCH_BYTES <= common.DRIVER_DISK_GB * 10**9 // 2
    position = common.INGEST_ARGUMENTS.index("--batch-bytes")
    assert common.INGEST_ARGUMENTS[position + 1] == str(common.INGEST_BATCH_BYTES)


def test_days_between_is_inclusive():
    assert common.days_between("2024-02-28", "2024-03-01") == ["2024-02-28", "2024-02-29", "2024-03-01"]
    assert common.days_between("2024-03-01", "2024-03-01") == ["2024-03-01"]


def test_days_between_refuses_a_reversed_range():
    with pytest.raises(ValueError) as raised:
        common.days_between("2024-03-05", "2024-03-01")
    assert str(raised.value) == "Cannot reprocess: end_day is before start_day (2024-03-01 < 2024-03-05)"


def test_days_between_refuses_a_range_too_long_for_one_run():
    assert len(common.days_between("2024-01-01", "2024-04-01")) == common.MAX_REPROCESS_DAYS
    with pytest.raises(ValueError) as raised:
        common.days_between("2024-01-01", "2024-04-02")
    assert str(raised.value) == (
        "Cannot reprocess: more than 92 days in one run, split the range (2024-01-01..2024-04-02: 93 days)"
    )


def test_job_run_logs_is_the_emr_serverless_log_prefix():
    assert (
        common.job_run_logs("s3://logs/emr/", "app1", "run1") == "s3://logs/emr/applications/app1/jobs/run1/"
    )
    assert (
        common.job_run_logs("s3://logs/emr", "app1", "run1") == "s3://logs/emr/applications/app1/jobs/run1/"
    )


def test_only_if_renders_to_the_value_or_the_omit_marker():
    import jinja2

    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        common.only_if("params.on", "'--flag'")
    )
    assert template.render(params={"on": True}) == "--flag"
    assert template.render(params={"on": False}) == common.OMIT


def test_job_kwargs_refuses_arguments_of_another_command():
    with pytest.raises(
        ValueError, match=r"^Cannot build job: arguments must start with the command \(maintain\)$"
    ):
        common.job_kwargs("register", common.MAINTAIN_ARGUMENTS)
    with pytest.raises(ValueError, match=r"^Cannot build job: unknown command \(compact\)$"):
        common.job_kwargs("compact", ["compact"])


@dataclass
class FakeTaskInstance:
    """Only what failed_job_run reads; XCom answers from a dict (the real path runs in test_dag_runs)."""

    xcoms: dict
    dag_id: str = "trip_lake_reprocess"
    task_id: str = "reprocess_day"
    run_id: str = "manual__2024-03-02T03:00:00+00:00"
    map_index: int = 2
    try_number: int = 1

    def xcom_pull(self, task_ids, key, map_indexes):
        assert (task_ids, map_indexes) == (self.task_id, self.map_index)
        return self.xcoms.get(key)


@dataclass
class FakeTask:
    application_id: str = "app-rendered"


def test_failure_report_of_a_mapped_task_names_the_job_run_and_its_logs():
    link = {"log_uri": "s3://logs/emr/", "application_id": "app1", "job_run_id": "run1", "region_name": "x"}
    ti = FakeTaskInstance(xcoms={"emr_serverless_s3_logs": link})
    failed = common.report_failed_job_run({"ti": ti, "task": FakeTask()})
    assert failed.job_run_id == "run1"
    assert failed.application_id == "app1"
    assert failed.logs == "s3://logs/emr/applications/app1/jobs/run1/"
    assert failed.describe() == (
        "trip-lake task trip_lake_reprocess.reprocess_day[2] run manual__2024-03-02T03:00:00+00:00 try 1 "
        "failed: EMR Serverless job run run1 of application app1; "
        "logs: s3://logs/emr/applications/app1/jobs/run1/ and CloudWatch /aws/emr-serverless/trip-lake"
    )


def test_failure_report_without_a_job_run():
    failed = common.failed_job_run({"ti": FakeTaskInstance(xcoms={}), "task": FakeTask()})
    assert (failed.job_run_id, failed.logs, failed.application_id) == (None, None, "app-rendered")
    assert (
        "failed before an EMR Serverless job run was started (application app-rendered)" in failed.describe()
    )
