"""
### trip-lake reprocess: recompute the trip summaries of a range of days

Manual only. Trigger it with `start_day` and `end_day` (inclusive, `YYYY-MM-DD`, at most 92 days)
and optionally `as_of` (an ISO timestamp or an Iceberg snapshot id of the raw tables).

Without `as_of`, each day is recomputed from today's raw files into the table (releasing it if it was
pinned). With `as_of`, each day's result goes to its own tripsummary branch `asof_<day>_<moment>` and
the table itself is left alone, unless `publish` is set: then the rows go into the table and the days
are pinned until they are reprocessed without `as_of`.

`plan_days` lists the days; `reprocess_day` is mapped over them: one EMR Serverless job run
`aggregate --reprocess-day <day>` per day. They run one at a time: every job task of the trip-lake
DAGs takes the one slot of the `trip_lake` pool, so a reprocess never writes while the daily DAG
does. A failed day fails only its own mapped task; clear it to run that day again.

This DAG registers no files. If late files are missing from the raw tables, first trigger
`trip_lake_daily` with `reconcile` set.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import DAG, Param, task

from trip_lake_common import (
    AGGREGATE_ARGUMENTS,
    DEFAULT_ARGS,
    MAX_REPROCESS_DAYS,
    TAGS,
    TripLakeJobOperator,
    as_of_arguments,
    as_of_params,
    days_between,
    job_kwargs,
    spark_size_params,
)

DAG_ID = "trip_lake_reprocess"

PARAMS = {
    "start_day": Param(
        type="string",
        format="date",
        description="First day to recompute (YYYY-MM-DD).",
    ),
    "end_day": Param(
        type="string",
        format="date",
        description=f"Last day to recompute (YYYY-MM-DD, inclusive; at most {MAX_REPROCESS_DAYS} days).",
    ),
    **as_of_params("Optional"),
    **spark_size_params(),
}

THE_DAY = "{{ ti.xcom_pull(task_ids='plan_days')[ti.map_index] }}"
"""The day of one mapped job task: its element of the list `plan_days` returned. (Values that a mapped
task takes from XCom are not rendered as templates, so the Variables-based arguments cannot come
from `plan_days`; the task is mapped over the job run names and picks its day by map index.)"""


def reprocess_job_name(day: str) -> str:
    """Name of the job run of one day in the EMR Serverless console (plain text: not rendered)."""
    return f"trip-lake aggregate reprocess {day}"


REPROCESS_ARGUMENTS = [
    *AGGREGATE_ARGUMENTS,
    "--reprocess-day",
    THE_DAY,
    *as_of_arguments("True"),
]

with DAG(
    dag_id=DAG_ID,
    description="Recompute the trip summaries of a range of days (EMR Serverless)",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=[*TAGS, "reprocess"],
) as dag:

    @task(retries=0)
    def plan_days(**context) -> list[str]:
        """The days to recompute, from the params; refuses an empty or too long range."""
        params = context["params"]
        return days_between(params["start_day"], params["end_day"])

    TripLakeJobOperator.partial(
        task_id="reprocess_day",
        **job_kwargs("aggregate", REPROCESS_ARGUMENTS),
    ).expand(
        name=plan_days().map(reprocess_job_name),
    )
