"""Celery tasks: coalesced, idempotent recomputes of an edition's scores, the rank uncertainty analysis of
a new score run, and a periodic reconcile."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from indicators.models import Edition
from indicators.services import SCORES_RECOMPUTE_TASK
from scoring.models import ScoreRun, UncertaintyAnalysis
from scoring.services import (
    UNCERTAINTY_ANALYSE_TASK,
    public_pages_reconcile,
    scores_recompute,
    uncertainty_analyse,
    uncertainty_analyse_enqueue,
)
from smartcity.task_queue import started

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


@shared_task(name=SCORES_RECOMPUTE_TASK, **DATABASE_TASK, soft_time_limit=900, time_limit=960)
def scores_recompute_task(self, edition_id: int) -> dict:
    """Recompute one edition. Safe to run twice: unchanged inputs are a no-op."""
    started(SCORES_RECOMPUTE_TASK, (edition_id,))
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        return {"edition": edition_id, "run": None, "created": False}
    run, created = scores_recompute(edition=edition)
    return {"edition": edition_id, "run": run.pk if run else None, "created": created}


@shared_task(name=UNCERTAINTY_ANALYSE_TASK, **DATABASE_TASK, soft_time_limit=600, time_limit=660)
def uncertainty_analyse_task(self, run_id: int) -> dict:
    """Analyse one score run's rank uncertainty. Safe to run twice: a run keeps its first analysis."""
    started(UNCERTAINTY_ANALYSE_TASK, (run_id,))
    run = ScoreRun.objects.select_related("edition").filter(pk=run_id).first()
    if run is None:
        return {"run": run_id, "analysis": None}
    analysis = uncertainty_analyse(run=run)
    return {"run": run_id, "analysis": analysis.pk if analysis else None}


@shared_task(name="scoring.tasks.scores_reconcile", acks_late=True, soft_time_limit=1800, time_limit=1900)
def scores_reconcile() -> list[int]:
    """Catch up with follow-ups lost with their process or the broker (periodic, via beat); returns the
    years recomputed.

    Recompute every edition in progress whose results may lag behind its approved data, and request the
    uncertainty analysis of its current run when that has none yet; request the analysis of every
    published run without one; clear the public page cache when it was cleared for other published data
    than today's (scoring.services.public_pages). Each step is idempotent.
    """
    recomputed = []
    for edition in Edition.objects.open_for_work():
        run, created = scores_recompute(edition=edition)
        if created:
            recomputed.append(edition.year)
        elif run is not None and not UncertaintyAnalysis.objects.filter(run=run).exists():
            uncertainty_analyse_enqueue(run.pk)  # a new run requests its own after its commit
    for run_id in ScoreRun.objects.filter(is_published=True, uncertainty__isnull=True).values_list("pk", flat=True):
        uncertainty_analyse_enqueue(run_id)  # its analysis clears the public pages again when it is stored
    public_pages_reconcile()
    return recomputed
