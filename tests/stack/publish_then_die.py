"""Publish an edition and die right after the commit, before any of its after-commit work (the public page
cache clear, the analysis request) runs: as a process killed at the worst moment.

Started by tests/stack/test_publish_faults.py as `python -m tests.stack.publish_then_die <edition id>
<editor id>`; exits with DIED_AFTER_COMMIT from the first on-commit callback (os._exit: nothing else runs).
"""

import os
import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from indicators.models import Edition  # noqa: E402
from scoring.services import edition_publish  # noqa: E402

DIED_AFTER_COMMIT = 17


def main(edition_id: int, editor_id: int) -> int:
    editor = get_user_model().objects.get(pk=editor_id)
    edition = Edition.objects.get(pk=edition_id)
    with transaction.atomic():
        # Registered before the publish's own callbacks, so it runs first after the commit.
        transaction.on_commit(lambda: os._exit(DIED_AFTER_COMMIT))
        edition_publish(user=editor, edition=edition)
    return 1  # not reached: the callback above ends the process


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
