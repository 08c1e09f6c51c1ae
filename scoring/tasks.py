"""Celery tasks: coalesced, idempotent recomputes of an edition's scores, the rank uncertainty analysis of
a new score run, and a periodic reconcile."""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

from indicators.models import Edition
from scoring.models import ScoreRun, UncertaintyAnalysis
from scoring.services import scores_recompute, uncertainty_analyse
from smartcity.task_queue import enqueue

# Tasks that write score runs: acknowledged after they ran (a killed worker's task is redelivered),
# transient database errors retried with backoff, at most five times.
DATABASE_TASK = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 5,
}


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


@shared_task(**DATABASE_TASK, soft_time_limit=900, time_limit=960)
def scores_recompute_task(self, edition_id: int) -> dict:
    """Recompute one edition. Safe to run twice: unchanged inputs are a no-op."""
    cache.delete(_pending_key(edition_id))
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        return {"edition": edition_id, "run": None, "created": False}
    run, created = scores_recompute(edition=edition)
    return {"edition": edition_id, "run": run.pk if run else None, "created": created}


def _uncertainty_pending_key(run_id: int) -> str:
    return f"scores:uncertainty-pending:{run_id}"


def request_uncertainty(run_id: int) -> bool:
    """Enqueue the rank uncertainty analysis of a score run unless one is already waiting; True if enqueued.

    Called after the run's commit (a new run, or a published run without an analysis). Never raises
    (smartcity.task_queue); `scores_reconcile` catches up with the current runs of editions in progress.
    """
    return enqueue(
        uncertainty_analyse_task,
        (run_id,),
        pending_key=_uncertainty_pending_key(run_id),
        description=f"the uncertainty analysis of score run {run_id}",
    )


@shared_task(**DATABASE_TASK, soft_time_limit=600, time_limit=660)
def uncertainty_analyse_task(self, run_id: int) -> dict:
    """Analyse one score run's rank uncertainty. Safe to run twice: a run keeps its first analysis."""
    cache.delete(_uncertainty_pending_key(run_id))
    run = ScoreRun.objects.select_related("edition").filter(pk=run_id).first()
    if run is None:
        return {"run": run_id, "analysis": None}
    analysis = uncertainty_analyse(run=run)
    return {"run": run_id, "analysis": analysis.pk if analysis else None}


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def scores_reconcile() -> list[int]:
    """Recompute every edition whose results may lag behind its approved data (periodic, via beat), and
    request the uncertainty analysis of its current run when that has none yet."""
    recomputed = []
    for edition in Edition.objects.filter(phase__in=[Edition.Phase.COLLECTION, Edition.Phase.REVIEW]):
        run, created = scores_recompute(edition=edition)
        if created:
            recomputed.append(edition.year)
        elif run is not None and not UncertaintyAnalysis.objects.filter(run=run).exists():
            request_uncertainty(run.pk)  # a new run requests its own after its commit
    return recomputed
