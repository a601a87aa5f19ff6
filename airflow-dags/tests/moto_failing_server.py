"""moto's server, except that every EMR Serverless job run ends in state FAILED.

moto 5.2.5 creates each EMR Serverless job run directly in state SUCCESS (``JOB_STATUS`` in
``moto/emrserverless/models.py``) and, unlike Glue or ECS, registers no state transition for it with
its state manager, so neither a setting nor ``/moto-api/state-manager`` can make a job run fail. The
failure-path test starts this script instead of ``moto_server``: same server, same arguments
(``-H 127.0.0.1 -p PORT``), failing job runs. If moto changes that constant, this script stops with a
message instead of silently serving successful job runs.
"""

import sys

import moto.emrserverless.models as emrserverless_models
from moto.server import main

if getattr(emrserverless_models, "JOB_STATUS", None) != "SUCCESS":
    sys.exit("moto_failing_server: moto.emrserverless.models.JOB_STATUS is gone; update this script")
emrserverless_models.JOB_STATUS = "FAILED"

if __name__ == "__main__":
    main(sys.argv[1:])
