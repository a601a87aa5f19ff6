"""
### trip-lake daily: ingest (or register and aggregate), maintain, report

Runs the trip-lake jobs as EMR Serverless job runs, once a day at 03:00 UTC. `ingest_or_register`
chooses the path:

1. **ingest** (the default) — one job run that registers the raw logger files of the last `last_days`
   days (up to the end of the run's data interval) into the raw Iceberg tables, in place, and turns
   what is new into trip summaries, reading each new file once (one S3 GET per file and one job run a
   day fewer than register + aggregate). The trip pass runs on the driver's threads: a 16 vCPU driver,
   no executors. Exit code 3 (some files were rejected) fails the task on purpose, after the trips of
   what was registered are summarised: look at the JSON report the job wrote. A retry is cheap where the
   first try got far: it skips the files it registered and resumes the trip pass from its checkpoint.
2. **register**, then **aggregate** — only when `reprocess_day` or `reconcile` is set (`ingest` is
   incremental only and lists the last days). `register` registers the last `last_days` days, or with
   `reconcile` walks the whole raw source; exit code 3 fails it as above, and `aggregate` does not run.
   `aggregate` turns what was registered since its checkpoint into trip summaries, or with
   `reprocess_day` recomputes the summaries of that day from today's raw files into the table instead
   (and releases the day if it was pinned). With `as_of` too, it computes the day from the raw tables
   as of that timestamp or snapshot id into the tripsummary branch `asof_<day>_<moment>`, leaving the
   table itself alone; `publish` writes that result into the table and pins the day (incremental runs
   leave it alone and list it in every report until it is reprocessed without `as_of`). `register`
   runs first so that late files of recent days are in before the day is recomputed (for files older
   than `last_days`, also set `reconcile`).
3. **maintain** — compaction and snapshot expiry, on Sundays (of the logical date) or when
   `run_maintenance` is set; on other days `maintenance_due` skips it.
4. **report** — only when `write_report` is set (off by default; `report_due` skips it otherwise):
   writes the trip report of the day (the data interval's first day, or `reprocess_day`), one
   self-contained HTML file, to `<warehouse>/reports/trip-report-<day>.html` in the warehouse bucket
   (next to the tables' folders, never inside one). It only reads the tables.

`maintenance_due` and `report_due` follow whichever path ran (trigger rule
`none_failed_min_one_success`: the path not taken is skipped, a failed one stops them).

The job tasks share the `trip_lake` pool (1 slot, counting deferred tasks) with the reprocess DAG, so
two job runs never write the lake at once. A failed job task logs the job run id and its S3 log
prefix (`<logs uri>/applications/<application>/jobs/<job run>/`).

Airflow Variables used (from Terraform): `trip_lake_emr_application_id`,
`trip_lake_emr_execution_role_arn`, `trip_lake_artifacts_bucket`, `trip_lake_raw_uri`,
`trip_lake_logs_uri`. For a range of days, use the `trip_lake_reprocess` DAG.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, CronTriggerTimetable, Param, TriggerRule, chain, task

from trip_lake_common import (
    AGGREGATE_ARGUMENTS,
    AGGREGATIONS_CONF,
    CATALOG_CONF,
    DEFAULT_ARGS,
    INGEST_ARGUMENTS,
    MAINTAIN_ARGUMENTS,
    REGISTER_ARGUMENTS,
    RUN_ID,
    TAGS,
    TripLakeJobOperator,
    as_of_arguments,
    as_of_params,
    daily_first_job,
    is_maintenance_due,
    job_kwargs,
    job_run_name,
    only_if,
    spark_size_params,
)

DAG_ID = "trip_lake_daily"

SCHEDULE = CronTriggerTimetable("0 3 * * *", timezone="UTC", interval=timedelta(days=1))
"""Daily at 03:00 UTC; the data interval is the day before the run (its end is the run time)."""

PARAMS = {
    "last_days": Param(
        3,
        type="integer",
        minimum=1,
        maximum=30,
        description=(
            "ingest or register: how many days back (ending at the data interval's end) to look for files."
        ),
    ),
    "reconcile": Param(
        False,
        type="boolean",
        description="Run register (walking the whole raw source instead of the last days), then aggregate.",
    ),
    "reprocess_day": Param(
        None,
        type=["null", "string"],
        format="date",
        description=(
            "Run register, then aggregate recomputing the summaries of this day (YYYY-MM-DD) instead of "
            "the new data."
        ),
    ),
    **as_of_params("With reprocess_day"),
    "run_maintenance": Param(
        False,
        type="boolean",
        description="maintain: run maintenance in this run even if it is not a Sunday.",
    ),
    "write_report": Param(
        False,
        type="boolean",
        description=(
            "report: after ingest or aggregate, write the trip report of the day (reprocess_day, or the "
            "data interval's first day) to <warehouse>/reports/trip-report-<day>.html."
        ),
    ),
    **spark_size_params(),
}

AGGREGATE_OR_REPROCESS_ARGUMENTS = [
    *AGGREGATE_ARGUMENTS,
    only_if("params.reprocess_day", "'--reprocess-day'"),
    only_if("params.reprocess_day", "params.reprocess_day"),
    *as_of_arguments("params.reprocess_day"),
]

REPORT_DAY = (
    "params.reprocess_day or "
    "((data_interval_start if data_interval_start is defined else dag_run.run_after) | ds)"
)
"""Jinja expression of the day the report shows: the day being reprocessed, else the first day of the
run's data interval (the run of 2024-03-02 03:00 UTC reports 2024-03-01). A run triggered without a
logical date has no data interval: then the day it was triggered for."""

REPORTS_PREFIX = "reports/"
"""Where reports go under the catalog's warehouse location (the job resolves it from the catalog
properties): beside the namespaces' folders, so no table's orphan cleanup ever sees them."""

REPORT_ARGUMENTS = [
    "report",
    "--catalog-conf",
    CATALOG_CONF,
    "--config",
    AGGREGATIONS_CONF,
    "--from",
    f"{{{{ {REPORT_DAY} }}}}",
    "--to",
    f"{{{{ {REPORT_DAY} }}}}",
    "--out-in-warehouse",
    f"{REPORTS_PREFIX}trip-report-{{{{ {REPORT_DAY} }}}}.html",
    "--run-id",
    RUN_ID,
]

with DAG(
    dag_id=DAG_ID,
    description="Ingest new raw files and their trips, maintain tables, write the report (EMR Serverless)",
    doc_md=__doc__,
    schedule=SCHEDULE,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=TAGS,
) as dag:

    @task.branch(retries=0)
    def ingest_or_register(**context) -> str:
        """`ingest` by default; `register` then `aggregate` with `reprocess_day` or `reconcile`."""
        return daily_first_job(context["params"])

    ingest = TripLakeJobOperator(
        task_id="ingest",
        name=job_run_name("ingest"),
        **job_kwargs("ingest", INGEST_ARGUMENTS),
    )

    register = TripLakeJobOperator(
        task_id="register",
        name=job_run_name("register"),
        **job_kwargs("register", REGISTER_ARGUMENTS),
    )

    aggregate = TripLakeJobOperator(
        task_id="aggregate",
        name=job_run_name(
            "aggregate", "{{ ' reprocess ' ~ params.reprocess_day if params.reprocess_day else '' }}"
        ),
        **job_kwargs("aggregate", AGGREGATE_OR_REPROCESS_ARGUMENTS),
    )

    # After whichever path ran: the path not taken is skipped, a failed one stops the gates.
    @task.short_circuit(retries=0, trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    def maintenance_due(**context) -> bool:
        """Lets `maintain` run on Sundays (logical date) or when `run_maintenance` is set."""
        logical_date = context.get("logical_date") or context["dag_run"].run_after
        return is_maintenance_due(logical_date.date(), bool(context["params"]["run_maintenance"]))

    maintain = TripLakeJobOperator(
        task_id="maintain",
        name=job_run_name("maintain"),
        **job_kwargs("maintain", MAINTAIN_ARGUMENTS),
    )

    @task.short_circuit(retries=0, trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    def report_due(**context) -> bool:
        """Lets `report` run only when `write_report` is set."""
        return bool(context["params"]["write_report"])

    report = TripLakeJobOperator(
        task_id="report",
        name=job_run_name("report", "{{ ' ' ~ (" + REPORT_DAY + ") }}"),
        **job_kwargs("report", REPORT_ARGUMENTS),
    )

    # ingest, or register then aggregate; maintain and report after whichever ran.
    chain(ingest_or_register(), [ingest, register])
    chain(register, aggregate)
    chain([ingest, aggregate], maintenance_due(), maintain)
    chain([ingest, aggregate], report_due(), report)
