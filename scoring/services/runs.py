"""Score runs: load an edition's approved inputs, run the engine, store the results in one transaction."""

import time

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from indicators.models import Edition
from scoring import engine
from scoring.inputs import CODE_VERSION, EditionInputs, load_inputs
from scoring.models import CityScore, DomainScore, IndicatorScore, ScoreRun
from scoring.services.uncertainty import uncertainty_analyse_enqueue
from webhooks import events as webhook_events


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
