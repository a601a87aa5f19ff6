"""Shared pieces of the trip-lake DAGs: the job contract with the Java CLI and the EMR Serverless task.

One self-contained jar runs every job as an EMR Serverless job run:

    spark-submit --class io.triplake.cli.TripLake s3://<artifacts>/jars/trip-lake.jar <command> <options>

Everything that depends on the environment comes from Airflow Variables (created from the Terraform
outputs) through Jinja templates rendered when a task runs. Nothing here reads a Variable or calls a
service at import time: MWAA imports every file under ``dags/`` many times a minute. The one file read
at import is ``job-contract.json`` beside this one (job sizes, timeouts, artifact keys, ``--as-of``
formats), shared with the Java jobs and Terraform and deployed with the DAGs.

This module holds no DAG: the DAG processor parses it, finds none, and moves on. (An ``.airflowignore``
entry would spare that, but with the pathspec version MWAA ships, Airflow 3.3.1 then warns about its
own ignore-file handling on every parse.)
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from airflow.providers.amazon.aws.hooks.emr import EmrServerlessHook
from airflow.providers.amazon.aws.links.emr import EmrServerlessS3LogsLink
from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowException

log = logging.getLogger(__name__)

# --- The job contract, shared with the Java jobs and Terraform ------------------------------------

CONTRACT_FILE = Path(__file__).with_name("job-contract.json")
"""The one home of the job contract. It sits among the DAGs because MWAA sees nothing else of the
repository; ``aws s3 sync airflow-dags/dags/`` ships it with them, and the DAG processor, which parses
``.py`` files only, leaves it alone. A local read of a few hundred bytes: no service is called."""

CONTRACT: dict[str, Any] = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))

# --- Where things are: Airflow Variables, rendered at run time ------------------------------------

VARIABLES = (
    "trip_lake_emr_application_id",
    "trip_lake_emr_execution_role_arn",
    "trip_lake_artifacts_bucket",
    "trip_lake_raw_uri",
    "trip_lake_logs_uri",
    "trip_lake_release_label",
)
"""The Variables Terraform provides. ``trip_lake_release_label`` is not read by the DAGs: a job run
inherits the release label of its application."""

APPLICATION_ID = "{{ var.value.trip_lake_emr_application_id }}"
EXECUTION_ROLE_ARN = "{{ var.value.trip_lake_emr_execution_role_arn }}"
ARTIFACTS = "s3://{{ var.value.trip_lake_artifacts_bucket }}"
RAW_URI = "{{ var.value.trip_lake_raw_uri }}"
LOGS_URI = "{{ var.value.trip_lake_logs_uri }}"

JAR = f"{ARTIFACTS}/{CONTRACT['artifacts']['job_jar']}"
CATALOG_CONF = f"{ARTIFACTS}/{CONTRACT['artifacts']['catalog_conf']}"
AGGREGATIONS_CONF = f"{ARTIFACTS}/{CONTRACT['artifacts']['aggregations_conf']}"
MAIN_CLASS = "io.triplake.cli.TripLake"
RUN_ID = "{{ run_id }}"

CLOUDWATCH_LOG_GROUP = "/aws/emr-serverless/trip-lake"
"""CloudWatch log group of the job runs (driver and executor stdout/stderr); Terraform creates it."""

CONFIGURATION_OVERRIDES: dict[str, Any] = {
    "monitoringConfiguration": {
        "s3MonitoringConfiguration": {"logUri": LOGS_URI},
        "cloudWatchLoggingConfiguration": {"enabled": True, "logGroupName": CLOUDWATCH_LOG_GROUP},
    }
}

# --- Scheduling and retries ------------------------------------------------------------------------

POOL = "trip_lake"
"""Every task that writes to the lake takes the one slot of this pool, in every trip-lake DAG, so two
job runs never write the same tables at once. The pool must count deferred tasks
(``include_deferred``): a job task waits for its job run deferred, and must keep its slot meanwhile."""

TAGS = ["trip-lake", "emr-serverless", "iceberg"]

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "trip-lake",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": 2.0,  # first retry after 10-20 min, the second after 20-40 min
    "max_retry_delay": timedelta(hours=1),
}
"""A retry starts a new job run: every job is idempotent in Iceberg (registration by path, the
aggregation checkpoint in the snapshot that writes the summaries), so a second run of the same job only
redoes what the first did not commit; a retried ``ingest`` skips the files it registered and resumes
the trip pass from its checkpoint. ``register`` and ``ingest`` fail on purpose when they rejected input
files (exit code 3) and fail again on each retry: that costs two more job runs and keeps the failure
visible (``ingest`` has summarised the trips of what it registered by then)."""

MAINTENANCE_WEEKDAY = 6  # Sunday (date.weekday())

# --- Spark sizes ------------------------------------------------------------------------------------


WORKER_MEMORY_GB: dict[int, tuple[int, int, int]] = {
    1: (2, 8, 1),
    2: (4, 16, 1),
    4: (8, 30, 1),
    8: (16, 60, 4),
    16: (32, 120, 8),
}
"""The workers EMR Serverless offers ("Supported worker configurations"): vCPU to the smallest and
largest memory in GB and the step between sizes."""

MEMORY_PATTERN = r"^[1-9][0-9]*g$"
"""A Spark heap in whole GB (``7g``): the syntax the job contract uses and the params accept."""


def worker(cores: int, memory: str, role: str) -> tuple[int, int]:
    """The worker EMR Serverless bills for a Spark driver or executor: ``(vCPU, GB)``.

    The worker holds the heap plus Spark's memory overhead, max(10 %, 384 MB), rounded up to a size
    offered for that many vCPU; a heap below the smallest is billed at the smallest. Raises
    ``ValueError`` naming ``role``'s setting when no worker fits. Java's ``JobContract.Worker.of``
    computes the same (both are tested against the job contract).
    """
    if cores not in WORKER_MEMORY_GB:
        raise ValueError(
            f"Cannot size job: {role}_cores must be 1, 2, 4, 8 or 16, the vCPU of an EMR Serverless "
            f"worker ({cores})"
        )
    if not isinstance(memory, str) or not re.match(MEMORY_PATTERN, memory):
        raise ValueError(f"Cannot size job: {role}_memory must be whole GB like 7g ({memory})")
    smallest, largest, step = WORKER_MEMORY_GB[cores]
    heap_mb = int(memory[:-1]) * 1024
    needed_gb = -(-(heap_mb + max(heap_mb // 10, 384)) // 1024)
    billed_gb = max(smallest, -(-needed_gb // step) * step)
    if billed_gb > largest:
        raise ValueError(
            f"Cannot size job: {role}_memory {memory} plus Spark's overhead needs {needed_gb} GB, more "
            f"than the largest worker of {cores} vCPU ({largest} GB)"
        )
    return cores, billed_gb


@dataclass(frozen=True)
class SparkSize:
    """Driver and executor sizing of one job; each must fit an EMR Serverless worker (:func:`worker`)."""

    driver_cores: int
    driver_memory: str
    executor_cores: int
    executor_memory: str
    max_executors: int

    def __post_init__(self) -> None:
        worker(self.driver_cores, self.driver_memory, "driver")
        worker(self.executor_cores, self.executor_memory, "executor")


SPARK_SIZES: dict[str, SparkSize] = {
    job: SparkSize(
        driver_cores=defaults["driver_cores"],
        driver_memory=defaults["driver_memory"],
        executor_cores=defaults["executor_cores"],
        executor_memory=defaults["executor_memory"],
        max_executors=defaults["max_executors"],
    )
    for job, defaults in CONTRACT["jobs"].items()
}
"""Default driver and executor sizes per job, from the job contract (its ``$comment`` says why each is
so, with the margin over the measured peak memory)."""

JOB_TIMEOUT_MINUTES: dict[str, int] = {
    job: defaults["timeout_minutes"] for job, defaults in CONTRACT["jobs"].items()
}
"""EMR Serverless stops a job run after this long (``executionTimeoutMinutes``, from the job contract).
The task waits a little longer than that, so that it is EMR that ends a runaway job: when the
provider's waiter gives up first, the job run is left running (apache/airflow#42401)."""

WAITER_DELAY_SECONDS = 60
WAITER_GRACE_MINUTES = 15


def spark_size_params() -> dict[str, Param]:
    """DAG params that override the driver and executor sizes of a run's job runs (new objects for
    each DAG: a Param takes the value of the run it is resolved for). A memory whose overhead does not
    fit a worker of its vCPU passes the params and fails the task before its job run starts
    (:meth:`TripLakeJobOperator.execute`)."""
    return {
        "driver_cores": Param(
            None,
            type=["null", "integer"],
            enum=[None, *WORKER_MEMORY_GB],
            description="vCPU of the Spark driver for the job runs of this run; empty: the job's default.",
        ),
        "driver_memory": Param(
            None,
            type=["null", "string"],
            pattern=MEMORY_PATTERN,
            description=(
                "Heap of the Spark driver, like 7g; with 10 % overhead (at least 384 MB) it must fit a worker "
                "of its vCPU (4 vCPU: 8-30 GB); empty: the job's default."
            ),
        ),
        "executor_cores": Param(
            None,
            type=["null", "integer"],
            enum=[None, *WORKER_MEMORY_GB],
            description="vCPU per Spark executor for the job runs of this run; empty: the job's default.",
        ),
        "executor_memory": Param(
            None,
            type=["null", "string"],
            pattern=MEMORY_PATTERN,
            description=(
                "Heap per Spark executor, like 7g; with 10 % overhead (at least 384 MB) it must fit a worker "
                "of its vCPU (4 vCPU: 8-30 GB); empty: the job's default."
            ),
        ),
        "max_executors": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            maximum=200,
            description="Upper bound of Spark dynamic allocation; empty: the job's default.",
        ),
    }


SIZE_CONF = {
    "spark.driver.cores": "driver_cores",
    "spark.driver.memory": "driver_memory",
    "spark.executor.cores": "executor_cores",
    "spark.executor.memory": "executor_memory",
    "spark.dynamicAllocation.maxExecutors": "max_executors",
}
"""The Spark properties of a job run's size, and the DAG param (and job contract key) of each."""


def spark_submit_parameters(size: SparkSize) -> str:
    """The ``sparkSubmitParameters`` of a job: the main class and the driver and executor sizes (DAG
    params override the job's defaults). The driver's are set too: left out, EMR Serverless gives
    every driver 4 vCPU / 14g, a 16 GB worker. The jar is self-contained: no ``spark.jars``."""
    parts = [f"--class {MAIN_CLASS}"]
    for conf, param in SIZE_CONF.items():
        default = getattr(size, param)
        default = repr(default) if isinstance(default, str) else default
        parts.append(f"--conf {conf}={{{{ params.{param} or {default} }}}}")
    return " ".join(parts)


def check_size(spark_submit_parameters: str) -> None:
    """Refuse a rendered size no EMR Serverless worker has, naming the param to change."""
    conf = dict(
        part.split("=", 1) for part in spark_submit_parameters.split(" --conf ")[1:] if "=" in part
    )
    try:
        for role in ("driver", "executor"):
            worker(int(conf[f"spark.{role}.cores"]), conf[f"spark.{role}.memory"], role)
    except ValueError as error:
        raise ValueError(f"{error}: change the DAG param or the job contract") from None


# --- Job arguments -----------------------------------------------------------------------------------

OMIT = "__trip_lake_omit__"
"""An argument that renders to this value is left out of the job's arguments."""


def only_if(condition: str, value: str) -> str:
    """One job argument, present only when the Jinja expression ``condition`` is true.

    ``value`` is a Jinja expression too (quote literals: ``"'--reconcile'"``). Jinja renders each list
    element to one string, so an option cannot vanish by itself: :class:`TripLakeJobOperator` drops
    the arguments that rendered to :data:`OMIT`.
    """
    return f"{{{{ ({value}) if ({condition}) else '{OMIT}' }}}}"


UNTIL_DAY = "(data_interval_end if data_interval_end is defined else dag_run.run_after) | ds"
"""Jinja expression of the last day ``register`` and ``ingest`` look at: the end of the run's data
interval. A run triggered without a logical date (possible in Airflow 3) has no data interval: then the
day it was triggered for."""

REGISTER_ARGUMENTS = [
    "register",
    "--catalog-conf",
    CATALOG_CONF,
    "--source",
    RAW_URI,
    only_if("params.reconcile", "'--reconcile'"),
    only_if("not params.reconcile", "'--last-days'"),
    only_if("not params.reconcile", "params.last_days | string"),
    only_if("not params.reconcile", "'--until'"),
    only_if("not params.reconcile", UNTIL_DAY),
    "--run-id",
    RUN_ID,
]

AGGREGATE_ARGUMENTS = [
    "aggregate",
    "--catalog-conf",
    CATALOG_CONF,
    "--config",
    AGGREGATIONS_CONF,
    "--run-id",
    RUN_ID,
]

DRIVER_DISK_GB = 20
"""The local disk EMR Serverless gives a driver unless ``spark.emr-serverless.driver.disk`` asks for
more; the DAGs leave it at that."""

INGEST_BATCH_BYTES = 8 << 30
"""``ingest --batch-bytes``: the listed bytes of whole devices per part, so the most of the fetched raw
files the driver keeps on its local disk for the trip pass at once. 8 GiB (8.6 GB), the job's own
default, passed explicitly so that the disk the DAG relies on does not change with the jar: it fits
the :data:`DRIVER_DISK_GB` beside Spark's and the JVM's own files (the job contract's ``ingest``
comment says the same). A device larger than that alone makes a larger part; a full disk costs GETs,
not the run."""

INGEST_ARGUMENTS = [
    "ingest",
    "--catalog-conf",
    CATALOG_CONF,
    "--source",
    RAW_URI,
    "--last-days",
    "{{ params.last_days }}",
    "--until",
    f"{{{{ {UNTIL_DAY} }}}}",
    "--config",
    AGGREGATIONS_CONF,
    "--batch-bytes",
    str(INGEST_BATCH_BYTES),
    "--run-id",
    RUN_ID,
]
"""``register`` then an incremental ``aggregate`` in one job run that reads each new raw file once:
the same days as ``register`` (``last_days`` up to the end of the data interval), the config
``aggregate`` reads. Incremental only: no ``--reconcile``, no ``--reprocess-day``
(:func:`daily_first_job`)."""

MAINTAIN_ARGUMENTS = ["maintain", "--catalog-conf", CATALOG_CONF, "--run-id", RUN_ID]

AS_OF_PATTERN: str = CONTRACT["as_of"]["pattern"]
"""``--as-of``: an Iceberg snapshot id, or an ISO-8601 timestamp with ``Z`` or an offset
(``2024-03-02T10:00:00Z``, ``2024-03-02T11:00:00.5+01:00``). A date alone or a timestamp without
offset is refused: which instant it means would depend on a time zone. The job contract's pattern,
which the job checks too: what the param lets through, the job reads."""


def as_of_params(condition: str) -> dict[str, Param]:
    """The time-travel knobs of a reprocess; ``condition`` says in words when they apply."""
    return {
        "as_of": Param(
            None,
            type=["null", "string"],
            pattern=AS_OF_PATTERN,
            description=(
                f"{condition}: read the raw tables as of this snapshot id or timestamp with offset "
                "(2024-03-02T10:00:00Z). The result goes to the tripsummary branch asof_<day>_<moment> "
                "(Athena: FOR VERSION AS OF <snapshot id> from the job's report); main is not changed "
                "unless `publish` is set. A moment before a raw table's history, or in the future, fails "
                "the job before anything is written."
            ),
        ),
        "publish": Param(
            False,
            type="boolean",
            description=(
                "With as_of: write the day's as-of rows into main and pin the day. Later runs leave a pinned "
                "day alone and list it in every report; reprocess the day without as_of to release it."
            ),
        ),
    }


def as_of_arguments(condition: str) -> list[str]:
    """``--as-of`` and ``--publish`` when the Jinja expression ``condition`` (a reprocess) holds."""
    with_as_of = f"({condition}) and params.as_of"
    return [
        only_if(with_as_of, "'--as-of'"),
        only_if(with_as_of, "params.as_of"),
        only_if(f"{with_as_of} and params.publish", "'--publish'"),
    ]


def job_driver(arguments: list[str], size: SparkSize) -> dict[str, Any]:
    """The ``jobDriver`` of a trip-lake job run."""
    return {
        "sparkSubmit": {
            "entryPoint": JAR,
            "entryPointArguments": arguments,
            "sparkSubmitParameters": spark_submit_parameters(size),
        }
    }


def job_kwargs(command: str, arguments: list[str]) -> dict[str, Any]:
    """Keyword arguments of :class:`TripLakeJobOperator` for one trip-lake command.

    Plain values only, so that they also work in ``.partial()`` of a mapped task.
    """
    if command not in SPARK_SIZES:
        raise ValueError(f"Cannot build job: unknown command ({command})")
    if arguments[0] != command:
        raise ValueError(f"Cannot build job: arguments must start with the command ({arguments[0]})")
    timeout = JOB_TIMEOUT_MINUTES[command]
    return {
        "application_id": APPLICATION_ID,
        "execution_role_arn": EXECUTION_ROLE_ARN,
        "job_driver": job_driver(arguments, SPARK_SIZES[command]),
        "configuration_overrides": CONFIGURATION_OVERRIDES,
        "config": {"executionTimeoutMinutes": timeout},
        "deferrable": True,
        "waiter_delay": WAITER_DELAY_SECONDS,
        "waiter_max_attempts": (timeout + WAITER_GRACE_MINUTES) * 60 // WAITER_DELAY_SECONDS,
        "pool": POOL,
        "on_failure_callback": report_failed_job_run,
    }


def job_run_name(command: str, extra: str = "") -> str:
    """Name of the job run in the EMR Serverless console: what ran, for which Airflow run and try."""
    return f"trip-lake {command}{extra} | {{{{ run_id }}}} | try {{{{ ti.try_number }}}}"


class TripLakeJobOperator(EmrServerlessStartJobOperator):
    """Starts one trip-lake job run on EMR Serverless and waits for it (deferred).

    Adds to the provider's operator: arguments rendered to :data:`OMIT` are dropped, and the job does
    not start with an empty argument (an empty Variable), which would shift the CLI's options.

    ``client_request_token`` (not a template field) stays the provider's default, a new uuid each time
    the operator is built, so for each try: a retry after a failed job run must start a new job run,
    and a token reused across tries asks EMR Serverless to treat the retry as the request it already
    served. The price: a worker lost between StartJobRun and the deferral makes the retry start a
    second job run next to the first; the jobs are idempotent in Iceberg, and the pool keeps other
    writers out meanwhile.
    """

    def render_template(
        self,
        content: Any,
        context: Any,
        jinja_env: Any = None,
        seen_oids: set[int] | None = None,
    ) -> Any:
        rendered = super().render_template(content, context, jinja_env, seen_oids)
        if isinstance(rendered, list):
            return [item for item in rendered if item != OMIT]
        return rendered

    def execute(self, context: Any, event: dict[str, Any] | None = None) -> str | None:
        check_arguments(self.job_driver["sparkSubmit"]["entryPointArguments"])
        check_size(self.job_driver["sparkSubmit"]["sparkSubmitParameters"])
        return super().execute(context, event)

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Resumes after the trigger; on failure, says which job run failed and stops it if needed.

        With provider 9.34.0 the trigger's failure event carries no ``job_details`` and the provider's
        ``execute_complete`` then fails with ``KeyError: 'job_details'``, hiding the job run's error
        and skipping the cancel of a job run the trigger stopped waiting for.
        """
        if isinstance(event, dict) and event.get("status") != "success":
            failed = failed_job_run(context)
            self._cancel_if_running(failed)
            raise AirflowException(f"{failed.describe()}: {event.get('message', event)}")
        return super().execute_complete(context, event)

    def _cancel_if_running(self, failed: FailedJobRun) -> None:
        if failed.job_run_id is None or failed.application_id is None:
            return
        try:
            job_run = self.hook.conn.get_job_run(
                applicationId=failed.application_id, jobRunId=failed.job_run_id
            )
            state = job_run["jobRun"]["state"]
            if state in EmrServerlessHook.JOB_TERMINAL_STATES:
                return
            self.log.info("Cancelling EMR Serverless job run %s (state %s)", failed.job_run_id, state)
            self.hook.conn.cancel_job_run(applicationId=failed.application_id, jobRunId=failed.job_run_id)
        except Exception:  # the task fails anyway; do not hide why
            self.log.exception("Could not check or cancel EMR Serverless job run %s", failed.job_run_id)


def check_arguments(arguments: list[Any]) -> None:
    """Refuse a job whose arguments are not all non-empty, fully rendered strings."""
    for position, argument in enumerate(arguments):
        if not isinstance(argument, str) or not argument or argument == OMIT or "{{" in argument:
            after = arguments[position - 1] if position else "<start>"
            raise ValueError(
                f"Cannot start job run: argument {position} (after {after}) is not a non-empty "
                f"rendered string; check the trip_lake_* Airflow Variables ({argument!r})"
            )


# --- Failure report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedJobRun:
    """Which job run a failed task started, and where its logs are."""

    dag_id: str
    task_id: str
    map_index: int
    run_id: str
    try_number: int
    application_id: str | None
    job_run_id: str | None
    logs: str | None

    def describe(self) -> str:
        task = self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"
        where = f"{self.dag_id}.{task} run {self.run_id} try {self.try_number}"
        if self.job_run_id is None:
            return (
                f"trip-lake task {where} failed before an EMR Serverless job run was started "
                f"(application {self.application_id}); see the task log"
            )
        return (
            f"trip-lake task {where} failed: EMR Serverless job run {self.job_run_id} of application "
            f"{self.application_id}; logs: {self.logs} and CloudWatch {CLOUDWATCH_LOG_GROUP}"
        )


def job_run_logs(log_uri: str, application_id: str, job_run_id: str) -> str:
    """The S3 prefix where EMR Serverless writes the logs of a job run."""
    return f"{log_uri.rstrip('/')}/applications/{application_id}/jobs/{job_run_id}/"


def failed_job_run(context: Any) -> FailedJobRun:
    """The job run of the failed task in ``context``, from the link the operator stored in XCom
    when it started the job run (EMR Serverless S3 logs link: log URI, application, job run)."""
    ti = context["ti"]
    link = ti.xcom_pull(task_ids=ti.task_id, key=EmrServerlessS3LogsLink.key, map_indexes=ti.map_index)
    task = context.get("task")
    application_id = getattr(task, "application_id", None)
    job_run_id = logs = None
    if isinstance(link, dict) and link.get("job_run_id"):
        application_id = link.get("application_id") or application_id
        job_run_id = link["job_run_id"]
        logs = job_run_logs(link["log_uri"], application_id, job_run_id)
    return FailedJobRun(
        dag_id=ti.dag_id,
        task_id=ti.task_id,
        map_index=ti.map_index,
        run_id=ti.run_id,
        try_number=ti.try_number,
        application_id=application_id,
        job_run_id=job_run_id,
        logs=logs,
    )


def report_failed_job_run(context: Any) -> FailedJobRun:
    """``on_failure_callback`` of the job tasks: logs which job run failed and where its logs are."""
    failed = failed_job_run(context)
    log.error("%s", failed.describe())
    return failed


# --- Small pure helpers (tested directly) -------------------------------------------------------


def is_maintenance_due(day: date, forced: bool) -> bool:
    """Maintenance runs on Sundays (of the run's logical date), or when a run asks for it."""
    return forced or day.weekday() == MAINTENANCE_WEEKDAY


def daily_first_job(params: Any) -> str:
    """The job task a daily run starts with: ``ingest`` (register and an incremental aggregate in one
    job run), or ``register`` (then ``aggregate``, two job runs) when the run reprocesses a day or
    reconciles the whole raw source. ``ingest`` cannot do either: it is incremental only, and it lists
    the last days, a listing the registrar refuses with ``--reconcile``."""
    return "register" if params["reprocess_day"] or params["reconcile"] else "ingest"


MAX_REPROCESS_DAYS = 92


def days_between(start_day: str, end_day: str) -> list[str]:
    """Every day from ``start_day`` to ``end_day`` inclusive, as ``YYYY-MM-DD``."""
    start, end = date.fromisoformat(start_day), date.fromisoformat(end_day)
    if end < start:
        raise ValueError(f"Cannot reprocess: end_day is before start_day ({end_day} < {start_day})")
    count = (end - start).days + 1
    if count > MAX_REPROCESS_DAYS:
        raise ValueError(
            f"Cannot reprocess: more than {MAX_REPROCESS_DAYS} days in one run, split the range "
            f"({start_day}..{end_day}: {count} days)"
        )
    return [(start + timedelta(days=offset)).isoformat() for offset in range(count)]
