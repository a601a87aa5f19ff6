"""Where the Terraform code is, and how the tests read it."""

from __future__ import annotations

import pathlib

import hcl2

TERRAFORM_DIR = pathlib.Path(__file__).resolve().parents[1]
MODULE_DIR = TERRAFORM_DIR / "modules" / "trip-lake"
EXAMPLE_DIR = TERRAFORM_DIR / "examples" / "complete"
JOB_CONTRACT = TERRAFORM_DIR.parent / "airflow-dags" / "dags" / "job-contract.json"
"""The job contract the module reads (jsondecode(file())), shared with the Java jobs and the DAGs."""


def tf_files() -> list[pathlib.Path]:
    """Every .tf file under terraform/, outside .terraform working directories."""
    return sorted(path for path in TERRAFORM_DIR.rglob("*.tf") if ".terraform" not in path.parts)


def parse(path: pathlib.Path) -> dict:
    """The parsed content of one .tf file."""
    with open(path, encoding="utf-8") as handle:
        return hcl2.load(handle)
