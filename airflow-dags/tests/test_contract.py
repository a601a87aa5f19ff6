"""The DAGs take the job contract from ``dags/job-contract.json``, the file the Java jobs and Terraform read.

The values are read here straight from the file, not through ``trip_lake_common``: a DAG value that
differs from the file fails. The ``--as-of`` examples are the DAG half of the cross-language test;
the Java half, over the same examples, is trip-aggregator's ``TestAsOfContract``.
"""

from __future__ import annotations

import json

import pytest
from airflow.sdk.definitions.param import ParamValidationError

import trip_lake_common as common
from conftest import DAGS, validated

CONTRACT_FILE = DAGS / "job-contract.json"
CONTRACT = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))

AS_OF_DAGS = {
    # The params a run of each DAG needs besides as_of.
    "trip_lake_daily": {"reprocess_day": "2024-03-02"},
    "trip_lake_reprocess": {"start_day": "2024-03-01", "end_day": "2024-03-02"},
}


def test_the_contract_is_deployed_with_the_dags():
    # `aws s3 sync airflow-dags/dags/ s3://<mwaa bucket>/dags/` is the deployment (README): the contract
    # must be in that folder, and the DAGs must read it from there.
    assert common.CONTRACT_FILE.resolve() == CONTRACT_FILE.resolve()


def test_dag_processor_leaves_the_contract_alone(dagbag):
    assert str(CONTRACT_FILE) not in dagbag.import_errors
    assert {dag.fileloc for dag in dagbag.dags.values()} == {
        str(DAGS / "trip_lake_daily.py"),
        str(DAGS / "trip_lake_reprocess.py"),
    }


def test_spark_sizes_and_timeouts_are_the_contracts():
    jobs = CONTRACT["jobs"]
    assert list(common.SPARK_SIZES) == list(jobs) == ["register", "aggregate", "ingest", "maintain", "report"]
    for job, defaults in jobs.items():
        assert common.SPARK_SIZES[job] == common.SparkSize(
            driver_cores=defaults["driver_cores"],
            driver_memory=defaults["driver_memory"],
            executor_cores=defaults["executor_cores"],
            executor_memory=defaults["executor_memory"],
            max_executors=defaults["max_executors"],
        ), job
        assert common.JOB_TIMEOUT_MINUTES[job] == defaults["timeout_minutes"], job


def test_job_runs_get_the_contracts_sizes_and_timeout():
    for job, defaults in CONTRACT["jobs"].items():
        kwargs = common.job_kwargs(job, [job])
        assert kwargs["config"] == {"executionTimeoutMinutes": defaults["timeout_minutes"]}
        parameters = kwargs["job_driver"]["sparkSubmit"]["sparkSubmitParameters"]
        assert f"spark.driver.cores={{{{ params.driver_cores or {defaults['driver_cores']} }}}} " in parameters
        assert f"spark.driver.memory={{{{ params.driver_memory or '{defaults['driver_memory']}' }}}} " in parameters
        assert f"params.executor_cores or {defaults['executor_cores']} " in parameters
        assert f"params.executor_memory or '{defaults['executor_memory']}' " in parameters
        assert f"params.max_executors or {defaults['max_executors']} " in parameters


def test_artifact_keys_are_the_contracts():
    artifacts = CONTRACT["artifacts"]
    assert common.JAR == f"{common.ARTIFACTS}/{artifacts['job_jar']}"
    assert common.CATALOG_CONF == f"{common.ARTIFACTS}/{artifacts['catalog_conf']}"
    assert common.AGGREGATIONS_CONF == f"{common.ARTIFACTS}/{artifacts['aggregations_conf']}"


@pytest.mark.parametrize("dag_id", sorted(AS_OF_DAGS))
def test_the_as_of_param_checks_the_contracts_pattern(dagbag, dag_id):
    assert common.AS_OF_PATTERN == CONTRACT["as_of"]["pattern"]
    assert dagbag.dags[dag_id].params.get_param("as_of").schema["pattern"] == CONTRACT["as_of"]["pattern"]


@pytest.mark.parametrize("dag_id", sorted(AS_OF_DAGS))
@pytest.mark.parametrize("as_of", CONTRACT["as_of"]["accepted"])
def test_every_accepted_as_of_passes_the_dags_param(dagbag, dag_id, as_of):
    assert validated(dagbag.dags[dag_id], {**AS_OF_DAGS[dag_id], "as_of": as_of})["as_of"] == as_of


@pytest.mark.parametrize("dag_id", sorted(AS_OF_DAGS))
@pytest.mark.parametrize("as_of", CONTRACT["as_of"]["refused"])
def test_every_refused_as_of_fails_the_dags_param(dagbag, dag_id, as_of):
    with pytest.raises(ParamValidationError):
        validated(dagbag.dags[dag_id], {**AS_OF_DAGS[dag_id], "as_of": as_of})


def test_every_jobs_sizes_fit_the_workers_the_contract_says():
    # The contract's comments give each size's worker; Java's JobContract.Worker.of computes the same
    # (TestJobContract in lake-common).
    drivers = {"ingest": (16, 32)}  # the trip pass on the driver's threads; the others: 8 GB
    for job, defaults in CONTRACT["jobs"].items():
        assert common.worker(defaults["executor_cores"], defaults["executor_memory"], "executor") == (4, 8), job
        driver = common.worker(defaults["driver_cores"], defaults["driver_memory"], "driver")
        assert driver == drivers.get(job, (defaults["driver_cores"], 8)), job


def test_ingest_needs_no_executor_and_says_which_batch_bytes_its_driver_disk_holds():
    ingest = CONTRACT["jobs"]["ingest"]
    assert ingest["max_executors"] == 1
    assert ingest["timeout_minutes"] >= CONTRACT["jobs"]["aggregate"]["timeout_minutes"]
    # The DAG passes --batch-bytes explicitly; the contract's comment names the value it sized the
    # driver's disk for.
    assert f"--batch-bytes {common.INGEST_BATCH_BYTES}" in ingest["$comment"]
    assert f"{common.DRIVER_DISK_GB} GB driver disk" in ingest["$comment"]


@pytest.mark.parametrize(
    ("cores", "memory", "billed"),
    [
        (4, "7g", (4, 8)),  # 7 + 0.7 GB = 7.7: the 8 GB minimum of 4 vCPU
        (4, "8g", (4, 9)),  # 8.8 GB, rounded up
        (4, "16g", (4, 18)),  # the DAG's executor before the contract was right-sized
        (4, "14g", (4, 16)),  # EMR Serverless's default driver
        (2, "3g", (2, 4)),  # 3 GB + the 384 MB floor = 3.4 GB: 4 GB
        (4, "1g", (4, 8)),  # a heap below the minimum is billed at the minimum
        (8, "20g", (8, 24)),  # 22 GB in 4 GB steps
        (16, "40g", (16, 48)),  # 44 GB in 8 GB steps
        (4, "27g", (4, 30)),  # the largest heap a 4 vCPU worker holds
        (16, "29g", (16, 32)),  # ingest's driver: the largest heap of the smallest 16 vCPU worker
        (16, "30g", (16, 40)),  # 33 GB, rounded up to the next 8 GB step
        (16, "1g", (16, 32)),
        (16, "109g", (16, 120)),  # the largest heap of the largest worker
    ],
)
def test_worker_is_the_heap_plus_overhead_rounded_up_to_a_size_emr_offers(cores, memory, billed):
    assert common.worker(cores, memory, "executor") == billed


@pytest.mark.parametrize(
    ("cores", "memory", "message"),
    [
        (
            4,
            "28g",
            "Cannot size job: driver_memory 28g plus Spark's overhead needs 31 GB, more than the largest "
            "worker of 4 vCPU (30 GB)",
        ),
        (
            16,
            "110g",
            "Cannot size job: driver_memory 110g plus Spark's overhead needs 121 GB, more than the largest "
            "worker of 16 vCPU (120 GB)",
        ),
        (3, "7g", "Cannot size job: driver_cores must be 1, 2, 4, 8 or 16, the vCPU of an EMR Serverless worker (3)"),
        (4, "7GB", "Cannot size job: driver_memory must be whole GB like 7g (7GB)"),
    ],
)
def test_a_size_no_worker_has_is_refused_naming_the_setting(cores, memory, message):
    with pytest.raises(ValueError) as refused:
        common.worker(cores, memory, "driver")
    assert str(refused.value) == message
