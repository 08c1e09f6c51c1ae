"""A Celery worker whose first recompute stops half-way, so a test can kill it there.

After the city rows of a new score run are written (inside the run's transaction, not yet committed)
it leaves a marker file (SLOW_WORKER_MARKER) and sleeps. Started by tests/stack/test_faults.py as
`python -m tests.stack.slow_worker -A smartcity worker ...`; everything else is the real worker.
"""

import os
import sys
import time
from pathlib import Path

import django

django.setup()

from celery.__main__ import main  # noqa: E402

from scoring.services import runs  # noqa: E402

write_rows = runs._write_rows


def write_rows_then_stall(*args, **kwargs):
    write_rows(*args, **kwargs)
    marker = Path(os.environ["SLOW_WORKER_MARKER"])
    if not marker.exists():
        marker.write_text("the first rows of a new run are written, uncommitted")
        time.sleep(120)  # the test kills the worker here


runs._write_rows = write_rows_then_stall

if __name__ == "__main__":
    sys.exit(main())
