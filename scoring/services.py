"""Score runs: load an edition's approved inputs, run the engine, store results; publish an edition;
analyse a run's rank uncertainty."""

import logging
import time

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import Answer, Edition
from scoring import engine, uncertainty
from scoring.inputs import CODE_VERSION, EditionInputs, load_inputs
from scoring.models import CityScore, DomainScore, IndicatorScore, RankUncertainty, ScoreRun, UncertaintyAnalysis
from smartcity import task_queue
from smartcity.page_cache import page_cache_clear
from webhooks import events as webhook_events

logger = logging.getLogger(__name__)


def _nullable(values: np.ndarray) -> list:
    """Row values of an array with NaN (or, for ranks, 0) as None (SQL NULL)."""
    flat = values.ravel()
    missing = np.isnan(flat) if flat.dtype.kind == "f" else flat <= 0
    return np.where(missing, None, flat).tolist() if missing.any() else flat.tolist()


def _write_rows(model, fields: tuple[str, ...], columns: tuple[list, ...]) -> None:
    """Insert rows given column-wise, straight to the driver: COPY on PostgreSQL, executemany elsewhere.

    A run writes C × (1 + D + I) rows (430,000 at 10,000 cities); building model instances for
    bulk_create cost five times the insert itself (bench/recompute.py). Column names come from
    the model's fields, so they cannot drift from the schema.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(field).column) for field in fields)
    rows = zip(*columns, strict=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))


def _store_results(run: ScoreRun, inputs: EditionInputs, result: engine.Result) -> None:
    """Write the run's city, domain and indicator rows (inside the caller's transaction)."""
    n_cities, n_domains, n_indicators = len(inputs.city_ids), len(inputs.domain_ids), len(inputs.indicator_ids)
    _write_rows(
        CityScore,
        ("run", "city", "total", "rank", "completeness", "previous_rank"),
        (
            [run.pk] * n_cities,
            inputs.city_ids.tolist(),
            result.total.tolist(),
            result.total_rank.tolist(),
            result.completeness.tolist(),
            _nullable(inputs.previous_total_rank),
        ),
    )
    bonus = np.clip(inputs.bonus, 0, inputs.methodology.bonus_cap)
    _write_rows(
        DomainScore,
        ("run", "city", "domain", "score", "rank", "bonus", "completeness", "previous_rank"),
        (
            [run.pk] * (n_cities * n_domains),
            np.repeat(inputs.city_ids, n_domains).tolist(),
            np.tile(inputs.domain_ids, n_cities).tolist(),
            result.domain_score.ravel().tolist(),
            result.domain_rank.ravel().tolist(),
            bonus.ravel().tolist(),
            result.domain_completeness.ravel().tolist(),
            _nullable(inputs.previous_domain_rank),
        ),
    )
    _write_rows(
        IndicatorScore,
        ("run", "city", "indicator", "raw", "score", "rank"),
        (
            [run.pk] * (n_cities * n_indicators),
            np.repeat(inputs.city_ids, n_indicators).tolist(),
            np.tile(inputs.indicator_ids, n_cities).tolist(),
            _nullable(result.indicator_raw),
            _nullable(result.indicator_score),
            result.indicator_rank.ravel().tolist(),
        ),
    )


def current_run(edition: Edition) -> ScoreRun | None:
    """The run whose results the edition shows: the published one once published, else the newest."""
    runs = ScoreRun.objects.filter(edition=edition)
    if edition.is_public:
        return runs.filter(is_published=True).first()
    return runs.order_by("-created_at", "-id").first()


def scores_recompute(*, edition: Edition) -> tuple[ScoreRun | None, bool]:
    """Compute and store a new score run of an edition; returns (run, created).

    A no-op (created False) when the inputs are unchanged or the edition is published (its run is
    frozen). The run and all its rows are written in one transaction, so a crash leaves the previous
    run whole. Concurrent calls for one edition are serialised by a lock on the edition row.
    """
    if edition.is_public:
        return current_run(edition), False
    started = time.perf_counter()
    inputs = load_inputs(edition)
    input_hash = inputs.input_hash()
    latest = current_run(edition)
    if latest is not None and latest.input_hash == input_hash:
        return latest, False
    if len(inputs.city_ids) == 0 or len(inputs.parameter_ids) == 0:
        return latest, False  # nothing to rank yet
    result = engine.compute(inputs.structure, inputs.values, inputs.population, inputs.bonus, inputs.methodology)
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        if locked.is_public:
            return current_run(locked), False
        existing = ScoreRun.objects.filter(edition=edition, input_hash=input_hash).first()
        if existing is not None:
            # Inputs went back to an earlier state (A -> B -> A): that run becomes the newest again.
            ScoreRun.objects.filter(pk=existing.pk).update(created_at=timezone.now())
            existing.refresh_from_db()
            return existing, False
        run = ScoreRun.objects.create(
            edition=edition,
            input_hash=input_hash,
            code_version=CODE_VERSION,
            methodology=inputs.methodology_as_data(),
            city_count=len(inputs.city_ids),
            approved_answer_count=inputs.approved_answer_count,
        )
        _store_results(run, inputs, result)
        webhook_events.scores_recomputed(run)
    # Measured after the commit, which on PostgreSQL checks the foreign keys of every result row.
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    ScoreRun.objects.filter(pk=run.pk).update(duration_ms=run.duration_ms)
    # Registered only now, so an eager task (dev, tests) does not count into the run's duration; inside a
    # caller's transaction (edition_publish) it still waits for that commit.
    transaction.on_commit(lambda: uncertainty_analyse_enqueue(run.pk))
    return run, True


UNCERTAINTY_ANALYSE_TASK = "scoring.tasks.uncertainty_analyse_task"


def uncertainty_analyse_enqueue(run_id: int) -> bool:
    """Request the rank uncertainty analysis of a score run unless one is already waiting; True if enqueued.

    Called after the run's commit (a new run, or a published run without an analysis). Never raises
    (smartcity.task_queue); `scores_reconcile` catches up with the current runs of editions in progress.
    """
    return task_queue.request(
        UNCERTAINTY_ANALYSE_TASK,
        (run_id,),
        coalesce=True,
        description=f"the uncertainty analysis of score run {run_id}",
    )


@transaction.atomic
def edition_publish(*, user, edition: Edition, reason: str = "") -> ScoreRun:
    """Freeze the edition's results: recompute from approved answers, mark the run published, publish.

    Refuses while answers are still submitted but unreviewed, unless the editor gives a reason. Holds
    the edition's row lock throughout, so no answer can be approved between the run and the freeze.
    """
    if not roles.is_editor(user):
        raise PermissionDenied(_("Nur die Redaktion kann eine Ausgabe veröffentlichen."))
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.phase != Edition.Phase.REVIEW:
        raise ValidationError(_("Nur eine Ausgabe in der Prüfung kann veröffentlicht werden."))
    pending = Answer.objects.filter(edition=edition, status=Answer.Status.SUBMITTED).count()
    if pending and not reason.strip():
        raise ValidationError(
            _(
                "%(count)d Antworten sind eingereicht, aber noch nicht geprüft. Bitte geben Sie einen Grund an, "
                "um trotzdem zu veröffentlichen."
            )
            % {"count": pending}
        )
    run, created = scores_recompute(edition=edition)
    if run is None:
        raise ValidationError(_("Für diese Ausgabe gibt es noch keine Ergebnisse."))
    edition.move_to(Edition.Phase.PUBLISHED, user=user, reason=reason)
    ScoreRun.objects.filter(pk=run.pk).update(is_published=True, published_at=timezone.now())
    run.refresh_from_db()
    transaction.on_commit(page_cache_clear)  # the public pages show the new results at once
    if not created and not UncertaintyAnalysis.objects.filter(run=run).exists():
        transaction.on_commit(lambda: uncertainty_analyse_enqueue(run.pk))  # a new run has requested its own
    webhook_events.edition_published(run)
    return run


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
            transaction.on_commit(page_cache_clear)  # the public pages show the intervals at once
    analysis.duration_ms = int((time.perf_counter() - started) * 1000)
    UncertaintyAnalysis.objects.filter(pk=analysis.pk).update(duration_ms=analysis.duration_ms)
    return analysis
