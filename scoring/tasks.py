"""Celery tasks: coalesced, idempotent recomputes of an edition's scores, and a periodic reconcile."""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

from indicators.models import Edition
from scoring.services import scores_recompute
from smartcity.task_queue import enqueue


def _pending_key(edition_id: int) -> str:
    return f"scores:recompute-pending:{edition_id}"


def request_recompute(edition_id: int) -> bool:
    """Enqueue a recompute of the edition unless one is already waiting; returns True if enqueued.

    A burst of approvals within SCORES_RECOMPUTE_DELAY_SECONDS becomes one task: the first sets a
    pending flag (atomic cache.add) and enqueues with a countdown; the task clears the flag when it
    starts, so changes made while it runs enqueue the next one. Never raises (smartcity.task_queue):
    the decision that triggered it is already committed, and `scores_reconcile` catches up.
    """
    delay = settings.SCORES_RECOMPUTE_DELAY_SECONDS
    return enqueue(
        scores_recompute_task,
        (edition_id,),
        countdown=delay,
        pending_key=_pending_key(edition_id),
        description=f"the recompute of edition {edition_id}",
    )


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
