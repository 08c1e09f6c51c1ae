"""Enqueueing follow-up tasks after a committed decision: coalesced, and never failing the decision."""

import logging

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


def enqueue(
    task,
    args: tuple = (),
    *,
    countdown: int | None = None,
    pending_key: str | None = None,
    pending_timeout: int = 300,
    description: str = "",
) -> bool:
    """Send `task` to the broker; returns True if it was enqueued.

    With a `pending_key`, a burst of requests becomes one task: the first request sets the key
    (atomic cache.add) and enqueues; later ones return False while it is set. The task deletes the
    key when it starts, so changes made while it runs enqueue the next one; the timeout frees a key
    whose task was lost.

    Never raises. This runs after the decision that asked for it has committed, and a periodic
    beat job catches up with whatever was not enqueued: a broker or cache outage is logged as a
    warning; any other error (an eagerly run task failing, with CELERY_TASK_EAGER_PROPAGATES) is
    logged with its traceback.
    """
    what = description or task.name
    try:
        if pending_key is not None and not cache.add(pending_key, 1, timeout=(countdown or 0) + pending_timeout):
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
    if pending_key is not None:
        try:
            cache.delete(pending_key)
        except (RedisError, OSError):
            pass  # the key expires by itself
    return False
