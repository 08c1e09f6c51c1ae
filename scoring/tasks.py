"""Celery tasks: coalesced, idempotent recomputes of an edition's scores, and a periodic reconcile."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from indicators.models import Edition
from scoring.services import scores_recompute

logger = logging.getLogger(__name__)


def _pending_key(edition_id: int) -> str:
    return f"scores:recompute-pending:{edition_id}"


def request_recompute(edition_id: int) -> bool:
    """Enqueue a recompute of the edition unless one is already waiting; returns True if enqueued.

    A burst of approvals within SCORES_RECOMPUTE_DELAY_SECONDS becomes one task: the first sets a
    pending flag (atomic cache.add) and enqueues with a countdown; the task clears the flag when it
    starts, so changes made while it runs enqueue the next one. A broker or cache outage is logged,
    never raised: the decision that triggered it is already committed, and `scores_reconcile`
    catches up once the outage is over.
    """
    delay = settings.SCORES_RECOMPUTE_DELAY_SECONDS
    try:
        if not cache.add(_pending_key(edition_id), 1, timeout=delay + 300):
            return False
        scores_recompute_task.apply_async((edition_id,), countdown=delay)
        return True
    except (KombuOperationalError, RedisError, OSError):  # broker or cache unreachable: see docstring
        logger.warning(
            "could not enqueue the recompute of edition %s; reconcile will catch up", edition_id, exc_info=True
        )
        try:
            cache.delete(_pending_key(edition_id))
        except (RedisError, OSError):
            pass  # the flag expires by itself
        return False


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
    soft_time_limit=900,
    time_limit=960,
)
def scores_recompute_task(self, edition_id: int) -> dict:
    """Recompute one edition. Safe to run twice: unchanged inputs are a no-op."""
    cache.delete(_pending_key(edition_id))
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        return {"edition": edition_id, "run": None, "created": False}
    run, created = scores_recompute(edition=edition)
    return {"edition": edition_id, "run": run.pk if run else None, "created": created}


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def scores_reconcile() -> list[int]:
    """Recompute every edition whose results may lag behind its approved data (periodic, via beat)."""
    recomputed = []
    for edition in Edition.objects.filter(phase__in=[Edition.Phase.COLLECTION, Edition.Phase.REVIEW]):
        _run, created = scores_recompute(edition=edition)
        if created:
            recomputed.append(edition.year)
    return recomputed
