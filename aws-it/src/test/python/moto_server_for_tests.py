"""moto's server for the trip-lake AWS integration tests, with a switch for EMR Serverless job run states.

moto 5.2.5 creates every EMR Serverless job run directly in state SUCCESS (``JOB_STATUS`` in
``moto/emrserverless/models.py``) and has no state transition for it. The Java tests need failed and
never-ending job runs too: when the environment names a file in ``TRIP_LAKE_MOTO_JOB_STATE_FILE``, a job
run created while that file exists starts in the state the file holds (``FAILED``, ``RUNNING``, ...),
with the file's second line, if any, as its state details. Otherwise this is ``moto_server`` itself:
same arguments (``-H 127.0.0.1 -p PORT``). If moto renames what this relies on, the script stops with a
message instead of silently serving successful job runs.
"""

import os
import sys

import moto.emrserverless.models as emrserverless_models
from moto.server import main

if getattr(emrserverless_models, "JOB_STATUS", None) != "SUCCESS" or not hasattr(emrserverless_models, "JobRun"):
    sys.exit("moto_server_for_tests: moto.emrserverless.models.JOB_STATUS/JobRun changed; update this script")

_STATE_FILE = os.environ.get("TRIP_LAKE_MOTO_JOB_STATE_FILE")
_original_init = emrserverless_models.JobRun.__init__


def _init_with_state(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    if _STATE_FILE and os.path.exists(_STATE_FILE):
        with open(_STATE_FILE, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if lines and lines[0].strip():
            self.state = lines[0].strip()
            self.state_details = lines[1] if len(lines) > 1 else None


emrserverless_models.JobRun.__init__ = _init_with_state

if __name__ == "__main__":
    main(sys.argv[1:])
