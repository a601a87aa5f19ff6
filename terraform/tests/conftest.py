"""Fixtures of the offline Terraform tests: every .tf file parsed once, one checkov run."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

# The helpers beside this file are importable whatever pytest's import mode.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from hcl_files import TERRAFORM_DIR, parse, tf_files  # noqa: E402


@pytest.fixture(scope="session")
def parsed_files() -> dict[pathlib.Path, dict]:
    return {path: parse(path) for path in tf_files()}


def checkov_command() -> list[str]:
    """checkov from the same venv as this interpreter, else the module entry point."""
    executable = shutil.which("checkov", path=os.path.dirname(sys.executable))
    return [executable] if executable else [sys.executable, "-m", "checkov.main"]


@pytest.fixture(scope="session")
def checkov_report() -> dict:
    """checkov's JSON report of terraform/ (terraform framework only, failed checks only)."""
    env = dict(os.environ)
    # Offline: do not try to download Prisma Cloud guideline mappings.
    env["BC_SKIP_MAPPING"] = "TRUE"
    completed = subprocess.run(
        [*checkov_command(), "-d", str(TERRAFORM_DIR), "--framework", "terraform",
         "--compact", "--quiet", "-o", "json"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    # Exit code 1 means "failed checks", which the test reports from the JSON; anything else broke.
    assert completed.returncode in (0, 1), f"checkov crashed ({completed.returncode}):\n{completed.stderr[-4000:]}"
    report = json.loads(completed.stdout)
    reports = report if isinstance(report, list) else [report]
    terraform = [item for item in reports if item.get("check_type") == "terraform"]
    assert len(terraform) == 1, f"expected one terraform report from checkov, got: {completed.stdout[:2000]}"
    return terraform[0]
