"""The rank uncertainty of a run: requested after each run, computed by the pure uncertainty module
and stored beside the run."""

import logging
import time

from django.conf import settings
from django.db import transaction

from scoring import uncertainty
from scoring.inputs import load_inputs
from scoring.models import RankUncertainty, ScoreRun, UncertaintyAnalysis
from scoring.services.public_pages import public_pages_refresh
from smartcity import task_queue

logger = logging.getLogger(__name__)


UNCERTAINTY_ANALYSE_TASK = "scoring.tasks.uncertainty_analyse_task"


def uncertainty_analyse_enqueue(run_id: int) -> bool:
    """Request the rank uncertainty analysis of a score run unless one is already waiting; True if enqueued.

    Called after the run's commit (a new run, or a published run without an analysis). Never raises
    (smartcity.task_queue); `scores_reconcile` catches up with the current runs of editions in progress
    and with published runs.
    """
    return task_queue.request(
        UNCERTAINTY_ANALYSE_TASK,
        (run_id,),
        coalesce=True,
        description=f"the uncertainty analysis of score run {run_id}",
    )


def uncertainty_analyse(
    *,
    run: ScoreRun,
    draws: int | None = None,
    seed: int | None = None,
    weight_spread: float | None = None,
) -> UncertaintyAnalysis | None:
    """Compute and store the rank uncertainty of a score run (scoring/uncertainty.py); returns the analysis.

    Idempotent: a run that already has an analysis gets it back unchanged, whatever the arguments.
    draws and weight_spread default to settings.UNCERTAINTY_DRAWS and UNCERTAINTY_WEIGHT_SPREAD; the
    seed defaults to one derived from the run's input hash, so an analysis can be re-derived.

    Only a run whose inputs are still the edition's current ones (same input hash; a published run's
    are frozen) can be analysed, because the analysis recomputes its indicator scores from them.
    Otherwise, and for a run deleted meanwhile, nothing is stored and None is returned. The analysis
    and its row per city are written in one transaction, under a lock on the run's row, so two
    concurrent calls store one analysis.

    Long: load, compute in batches, store, in one transaction with its idempotency check.
    """
    existing = UncertaintyAnalysis.objects.filter(run=run).first()
    if existing is not None:
        return existing
    draws = settings.UNCERTAINTY_DRAWS if draws is None else draws
    weight_spread = settings.UNCERTAINTY_WEIGHT_SPREAD if weight_spread is None else weight_spread
    seed = int(run.input_hash[:8], 16) if seed is None else seed
    started = time.perf_counter()
    inputs = load_inputs(run.edition)
    if inputs.input_hash() != run.input_hash:
        logger.info("score run %s: the edition's inputs changed since; no uncertainty analysis", run.pk)
        return None
    result = uncertainty.analyse(
        inputs.structure,
        inputs.values,
        inputs.population,
        inputs.bonus,
        inputs.methodology,
        draws=draws,
        seed=seed,
        weight_spread=weight_spread,
    )
    neighbours = uncertainty.indistinguishable(
        result.rank_low, result.rank_high, result.official_rank, limit=settings.UNCERTAINTY_NEIGHBOURS_MAX
    )
    city_ids = inputs.city_ids.tolist()
    with transaction.atomic():
        if ScoreRun.objects.select_for_update().filter(pk=run.pk).first() is None:
            return None
        existing = UncertaintyAnalysis.objects.filter(run=run).first()
        if existing is not None:
            return existing
        analysis = UncertaintyAnalysis(
            run=run,
            draws=draws,
            seed=seed,
            weight_spread=weight_spread,
            alternatives={
                "normalisation": list(result.normalisations),
                "missing_policy": list(result.missing_policies),
            },
        )
        analysis.full_clean()
        analysis.save()
        RankUncertainty.objects.bulk_create(
            (
                RankUncertainty(
                    analysis=analysis,
                    city_id=city_id,
                    median_rank=float(result.median_rank[c]),
                    rank_low=int(result.rank_low[c]),
                    rank_high=int(result.rank_high[c]),
                    domain_ranks={
                        key: [
                            float(result.domain_median[c, d]),
                            int(result.domain_low[c, d]),
                            int(result.domain_high[c, d]),
                        ]
                        for d, key in enumerate(inputs.domain_keys)
                    },
                    indistinguishable=[city_ids[j] for j in neighbours[c]],
                )
                for c, city_id in enumerate(city_ids)
            ),
            batch_size=1000,
        )
        if run.is_published:
            transaction.on_commit(public_pages_refresh)  # the public pages show the intervals at once
    analysis.duration_ms = int((time.perf_counter() - started) * 1000)
    UncertaintyAnalysis.objects.filter(pk=analysis.pk).update(duration_ms=analysis.duration_ms)
    return analysis
