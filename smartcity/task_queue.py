"""Follow-up tasks requested by their registered name after a committed decision: coalesced, and never
failing the decision.

Services never import tasks (a tasks module imports its services, so the reverse would be a circle):
they call `request("scoring.tasks.scores_recompute_task", (edition.pk,), coalesce=True)` after commit,
and the task calls `started(...)` with the same name and arguments when it begins. Every task carries
an explicit `name=` equal to its module path, the same names CELERY_BEAT_SCHEDULE uses.
"""

import logging

from celery import current_app
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Options of the tasks that send an outbox (notifications, webhook deliveries): acknowledged after they
# ran, transient database errors retried with backoff (at most 3 times), bounded in time. Their rows
# stay due until sent, so a failed run loses nothing; the beat job runs them again.
OUTBOX_TASK = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 3,
    "soft_time_limit": 240,
    "time_limit": 300,
}


def pending_key(task_name: str, args: tuple = ()) -> str:
    """The cache key that coalesces requests of one task with the same arguments."""
    return ":".join(["task-pending", task_name, *(str(arg) for arg in args)])


def registered_task(task_name: str):
    """The Celery task registered under `task_name` (KeyError if there is none).

    The web process has not necessarily imported every tasks module yet; the first lookup of a name it
    lacks runs the app's task autodiscovery (the tasks modules of INSTALLED_APPS).
    """
    if task_name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


def started(task_name: str, args: tuple = ()) -> None:
    """Called by a coalesced task when it begins: requests made from now on enqueue the next run."""
    cache.delete(pending_key(task_name, args))


def request(
    task_name: str,
    args: tuple = (),
    *,
    countdown: int | None = None,
    coalesce: bool = False,
    pending_timeout: int = 300,
    description: str = "",
) -> bool:
    """Send the task registered as `task_name` to the broker; returns True if it was enqueued.

    With `coalesce`, a burst of requests becomes one task: the first request sets a pending key
    (atomic cache.add) and enqueues; later ones return False while it is set. The task deletes the
    key when it starts (`started`), so changes made while it runs enqueue the next one; the timeout
    frees a key whose task was lost.

    Never raises. This runs after the decision that asked for it has committed, and a periodic
    beat job catches up with whatever was not enqueued: a broker or cache outage is logged as a
    warning; any other error (an eagerly run task failing, with CELERY_TASK_EAGER_PROPAGATES) is
    logged with its traceback.
    """
    what = description or task_name
    task = registered_task(task_name)  # an unknown name is a programming error (tests check every name)
    key = pending_key(task_name, args) if coalesce else None
    try:
        if key is not None and not cache.add(key, 1, timeout=(countdown or 0) + pending_timeout):
            return False
        if countdown is None:
            task.apply_async(args)
        else:
            task.apply_async(args, countdown=countdown)
        return True
    except (KombuOperationalError, RedisError, OSError):  # broker or cache unreachable: see docstring
        logger.warning("could not enqueue %s; the periodic job will catch up", what, exc_info=True)
    except Exception:  # the decision is committed; never let its follow-up fail the request
        logger.exception("enqueueing %s failed; the periodic job will catch up", what)
    if key is not None:
        try:
            cache.delete(key)
        except (RedisError, OSError):
            pass  # the key expires by itself
    return False
