"""Rank uncertainty: a seeded Monte Carlo analysis of how ranks move under declared alternatives (no Django).

Every draw picks one alternative methodology (a scaling method × a missing-data policy) uniformly and
multiplies every domain weight and every indicator weight by its own factor drawn uniformly from
[1 − spread, 1 + spread] (a uniform factor, not a log-normal one: it is symmetric around the official
weight, bounded, and easy to state on the methodology page; spread < 1 keeps every positive weight
positive, so no domain or indicator silently drops out). Parameter weights are not perturbed, so the
indicator scores of each alternative are computed once, by the engine itself (``engine.compute``);
a draw only re-aggregates them into domain scores and the total with its weights, then ranks.

Exactness: the aggregation adds each city's terms one indicator (one domain) at a time, in catalogue
order, exactly as the engine's ``_weighted_group_mean`` does (bincount adds in input order). A draw
with the official alternative and all factors 1 therefore gives the official scores bit for bit, and
cities with identical answers tie in every draw. A matrix product (einsum, BLAS) would reorder the
sums: exact ties would break by rounding noise and widen intervals that should have width zero.
Vectorisation runs over batches of draws instead: each step is one operation on a (draws × cities)
block, so the Python overhead is (indicators + domains) steps per batch.

Percentiles are order statistics of the drawn ranks, so the interval ends are ranks that occurred:
the 5th percentile is the ⌈0.05·n⌉-th smallest of n draws, the 95th the ⌈0.95·n⌉-th (NumPy's
``method="inverted_cdf"``). The median is the usual one: the middle draw, or the mean of the two
middle draws for an even n (so it can be x.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scoring import engine

DEFAULT_DRAWS = 1000
DEFAULT_WEIGHT_SPREAD = 0.25
LOW_PERCENT, HIGH_PERCENT = 5, 95
# Cities × draws per working array of a batch (8 MB of float64); bounds memory at any field size.
BATCH_ELEMENTS = 1 << 20


@dataclass(frozen=True, eq=False)
class Uncertainty:
    """Plausible ranks of C cities over D domains under the analysis' alternatives (1 = best)."""

    median_rank: np.ndarray  # (C,) float, median of the drawn total ranks
    rank_low: np.ndarray  # (C,) int, 5th percentile: the best plausible rank
    rank_high: np.ndarray  # (C,) int, 95th percentile: the worst plausible rank
    domain_median: np.ndarray  # (C,D) float
    domain_low: np.ndarray  # (C,D) int
    domain_high: np.ndarray  # (C,D) int
    official_rank: np.ndarray  # (C,) int, the engine's ranks under the official methodology
    official_domain_rank: np.ndarray  # (C,D) int
    normalisations: tuple[str, ...]  # the scaling methods drawn from
    missing_policies: tuple[str, ...]  # the missing-data policies drawn from
    draws: int
    seed: int
    weight_spread: float


@dataclass(frozen=True, eq=False)
class _Alternative:
    """One alternative's indicator scores, laid out for the aggregation: one contiguous row per indicator."""

    score_rows: np.ndarray  # (I,C) indicator score, 0 where NaN (no weighted data)
    present_rows: np.ndarray  # (I,C) 1.0 where the score is not NaN, else 0.0
    complete: np.ndarray  # (I,) bool: every city has a score (the weight sum is then the same for all)


def default_normalisations(structure: engine.Structure, methodology: engine.Methodology) -> tuple[str, ...]:
    """The scaling methods an analysis draws from by default: min-max and z-score relative to the field,
    and distance to target only when some parameter has goalposts (without any, "target" would measure
    the distance to the field's best city, an alternative nobody declared). The official method is
    always included."""
    has_goalposts = bool((~np.isnan(structure.param_goal_best)).any())
    return tuple(
        method
        for method in engine.NORMALISATIONS
        if method != "target" or has_goalposts or methodology.normalisation == "target"
    )


def analyse(
    structure: engine.Structure,
    values: np.ndarray,
    population: np.ndarray,
    bonus: np.ndarray | None,
    methodology: engine.Methodology,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    weight_spread: float = DEFAULT_WEIGHT_SPREAD,
    normalisations: tuple[str, ...] | list[str] | None = None,
    missing_policies: tuple[str, ...] | list[str] | None = None,
) -> Uncertainty:
    """Monte Carlo ranks of the cities: median and 5–95 % interval, overall and per domain.

    Inputs as for ``engine.compute``. normalisations defaults to ``default_normalisations``,
    missing_policies to all of ``engine.MISSING_POLICIES``; the aggregation and the bonus cap are the
    edition's. Alternatives are the product normalisation × missing policy, in the given order.

    Reproducible: the same inputs, seed and options give identical arrays, whatever the batch size.
    The generator (``np.random.default_rng(seed)``) draws, in this order, the alternative of every draw,
    then the (draws × I) indicator factors, then the (draws × D) domain factors. With spread 0 and the
    official methodology as the only alternative, every draw is the official result: zero-width intervals.

    Memory: the drawn ranks are kept as (1 + D) arrays of cities × draws small integers (120 MB at
    10,000 cities and 1,000 draws); working arrays are bounded by BATCH_ELEMENTS per array (about
    310 MB at the peak in all there, bench/uncertainty.py).

    Long: the Monte Carlo loop draws, aggregates and ranks in batches over shared arrays (the memory bound).
    """
    draws, seed, weight_spread = _checked_options(draws, seed, weight_spread)
    normalisations = _checked_choices(
        "normalisation",
        default_normalisations(structure, methodology) if normalisations is None else normalisations,
        engine.NORMALISATIONS,
    )
    missing_policies = _checked_choices(
        "missing_policy",
        engine.MISSING_POLICIES if missing_policies is None else missing_policies,
        engine.MISSING_POLICIES,
    )
    official = engine.compute(structure, values, population, bonus, methodology)  # also validates the inputs
    # The same filled and clipped bonus the engine adds to each domain.
    _values, _population, bonus = engine._checked_inputs(structure, values, population, bonus, methodology)
    n_cities, n_domains = official.domain_score.shape

    combinations = [(n, p) for n in normalisations for p in missing_policies]
    alternatives = [
        _prepare(
            official
            if (n, p) == (methodology.normalisation, methodology.missing_policy)
            else engine.compute(
                structure,
                values,
                population,
                None,  # the bonus only enters the aggregation below
                engine.Methodology(
                    missing_policy=p,
                    normalisation=n,
                    aggregation=methodology.aggregation,
                    bonus_cap=methodology.bonus_cap,
                ),
            )
        )
        for n, p in combinations
    ]

    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, len(alternatives), size=draws)
    indicator_factor = _factors(rng, weight_spread, (draws, structure.n_indicators))
    domain_factor = _factors(rng, weight_spread, (draws, n_domains))

    rank_dtype = np.uint16 if n_cities < np.iinfo(np.uint16).max else np.uint32
    total_ranks = np.empty((n_cities, draws), dtype=rank_dtype)
    domain_ranks = np.empty((n_domains, n_cities, draws), dtype=rank_dtype)
    batch = max(1, min(draws, BATCH_ELEMENTS // n_cities))
    for a, alternative in enumerate(alternatives):
        drawn = np.flatnonzero(chosen == a)
        for start in range(0, len(drawn), batch):
            rows = drawn[start : start + batch]
            domain_scores, total = _aggregate(
                alternative, structure, bonus, methodology.aggregation, indicator_factor[rows], domain_factor[rows]
            )
            for d in range(n_domains):
                domain_ranks[d][:, rows] = _competition_ranks(domain_scores[d]).T
            total_ranks[:, rows] = _competition_ranks(total).T

    median, low, high = _rank_quantiles(total_ranks)
    domain_median = np.empty((n_cities, n_domains))
    domain_low = np.empty((n_cities, n_domains), dtype=np.int64)
    domain_high = np.empty((n_cities, n_domains), dtype=np.int64)
    for d in range(n_domains):
        domain_median[:, d], domain_low[:, d], domain_high[:, d] = _rank_quantiles(domain_ranks[d])
    return Uncertainty(
        median_rank=median,
        rank_low=low,
        rank_high=high,
        domain_median=domain_median,
        domain_low=domain_low,
        domain_high=domain_high,
        official_rank=official.total_rank,
        official_domain_rank=official.domain_rank,
        normalisations=normalisations,
        missing_policies=missing_policies,
        draws=draws,
        seed=seed,
        weight_spread=weight_spread,
    )


def perturbed_scores(
    indicator_score: np.ndarray,
    structure: engine.Structure,
    bonus: np.ndarray,
    methodology: engine.Methodology,
    indicator_factor: np.ndarray,
    domain_factor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Domain scores (B,C,D) and totals (B,C) of B draws from one alternative's indicator scores (C,I),
    with indicator weights × indicator_factor (B,I) and domain weights × domain_factor (B,D).

    The aggregation every draw of ``analyse`` runs; equal, bit for bit, to ``engine.compute`` on a
    Structure with the perturbed weights. bonus (C,D) must already be filled and clipped to the cap.
    """
    alternative = _prepare_scores(np.asarray(indicator_score, dtype=float))
    domain_scores, total = _aggregate(
        alternative,
        structure,
        np.asarray(bonus, dtype=float),
        methodology.aggregation,
        np.atleast_2d(np.asarray(indicator_factor, dtype=float)),
        np.atleast_2d(np.asarray(domain_factor, dtype=float)),
    )
    return np.moveaxis(domain_scores, 0, -1), total


def indistinguishable(rank_low, rank_high, official_rank, *, limit: int | None = None) -> list[list[int]]:
    """Per city, the indices of the other cities whose [rank_low, rank_high] interval overlaps its own.

    The relation is symmetric (j is in i's list iff i is in j's). Each list is ordered by distance in
    official rank (nearest first), then by official rank (the better first), then by index. With
    `limit`, each list keeps only its nearest `limit` cities (in a field of thousands the full lists
    would hold thousands of ids per city; the symmetry then holds only among the kept ones).
    """
    low = np.asarray(rank_low, dtype=np.int64)
    high = np.asarray(rank_high, dtype=np.int64)
    official = np.asarray(official_rank, dtype=np.int64)
    if not (low.ndim == 1 and low.shape == high.shape == official.shape):
        raise ValueError("rank_low, rank_high and official_rank must be 1-D arrays of the same length")
    n = len(low)
    # Ties in distance are broken by official rank, then index: one position per city in that order,
    # so a single integer key (distance × n + position) sorts each list.
    by_official = np.lexsort((np.arange(n), official))
    position = np.empty(n, dtype=np.int64)
    position[by_official] = np.arange(n)
    chunk = max(1, BATCH_ELEMENTS // max(n, 1))
    others: list[list[int]] = []
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        overlap = (low[None, :] <= high[rows, None]) & (low[rows, None] <= high[None, :])
        overlap[np.arange(len(rows)), rows] = False
        row, col = np.nonzero(overlap)
        distance = np.abs(official[col] - official[rows[row]])
        span = int(np.max(distance, initial=0)) + 1
        key = np.sort((row * span + distance) * n + position[col])  # row first: lists stay apart
        flat = by_official[key % n].tolist()
        bounds = np.searchsorted(key // (span * n), np.arange(len(rows) + 1)).tolist()
        others.extend(
            flat[bounds[k] : bounds[k + 1] if limit is None else min(bounds[k + 1], bounds[k] + limit)]
            for k in range(len(rows))
        )
    return others


# --------------------------------------------------------------------------- internals


def _checked_options(draws, seed, weight_spread) -> tuple[int, int, float]:
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not (isinstance(weight_spread, (int, float)) and math.isfinite(weight_spread) and 0 <= weight_spread < 1):
        raise ValueError(f"weight_spread must be a number in [0, 1), got {weight_spread!r}")
    return int(draws), int(seed), float(weight_spread)


def _checked_choices(name: str, chosen, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """The choices without duplicates, in the given order; at least one, each known."""
    if isinstance(chosen, str):
        chosen = (chosen,)
    unique = tuple(dict.fromkeys(chosen))
    if not unique:
        raise ValueError(f"at least one {name} is needed")
    for value in unique:
        engine._check_choice(name, value, allowed)
    return unique


def _factors(rng: np.random.Generator, spread: float, shape: tuple[int, int]) -> np.ndarray:
    """Weight factors uniform in [1 − spread, 1 + spread]; exactly 1 for spread 0 (no draw consumed)."""
    if spread == 0:
        return np.ones(shape)
    return rng.uniform(1.0 - spread, 1.0 + spread, size=shape)


def _prepare(result: engine.Result) -> _Alternative:
    return _prepare_scores(result.indicator_score)


def _prepare_scores(indicator_score: np.ndarray) -> _Alternative:
    present = ~np.isnan(indicator_score)
    return _Alternative(
        score_rows=np.ascontiguousarray(np.where(present, indicator_score, 0.0).T),
        present_rows=np.ascontiguousarray(present.T, dtype=float),
        complete=present.all(axis=0),
    )


def _aggregate(
    alternative: _Alternative,
    structure: engine.Structure,
    bonus: np.ndarray,
    aggregation: str,
    indicator_factor: np.ndarray,
    domain_factor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Domain scores (D,B,C) and totals (B,C) for B draws, computed as the engine computes them.

    Per domain: the weighted mean of the city's scored indicators (sum of score × weight over the
    sum of the weights of the scored ones, added in catalogue order), 0 where none is scored, plus
    the bonus, capped at 100. Total: the arithmetic or geometric weighted mean of the domain scores
    (engine.aggregate_total), again summed in domain order.

    Long: the engine's aggregation, vectorised over draws, kept step for step beside engine.compute's.
    """
    n_draws, n_cities = indicator_factor.shape[0], alternative.score_rows.shape[1]
    n_domains = structure.n_domains
    indicator_weight = structure.indicator_weight[None, :] * indicator_factor  # (B,I)
    domain_weight = structure.domain_weight[None, :] * domain_factor  # (B,D)
    geometric = aggregation == "geometric"
    counted = structure.domain_weight > 0  # a factor > 0 keeps the same domains counted

    domain_scores = np.empty((n_domains, n_draws, n_cities))
    numerator, term = np.empty((n_draws, n_cities)), np.empty((n_draws, n_cities))
    total_numerator = np.zeros((n_draws, n_cities))
    total_denominator = np.zeros((n_draws, 1))
    low = np.full((n_draws, n_cities), np.inf) if geometric else None
    high = np.full((n_draws, n_cities), -np.inf) if geometric else None
    for d in range(n_domains):
        members = np.flatnonzero(structure.indicator_domain == d)
        numerator.fill(0.0)
        # The weight sum is per city only where some city lacks a score in this domain.
        if alternative.complete[members].all():
            denominator = np.zeros((n_draws, 1))
        else:
            denominator = np.zeros((n_draws, n_cities))
        for i in members:
            weight = indicator_weight[:, i : i + 1]
            np.multiply(weight, alternative.score_rows[i], out=term)
            numerator += term
            if alternative.complete[i]:
                denominator += weight
            else:
                np.multiply(weight, alternative.present_rows[i], out=term)
                denominator += term
        score = domain_scores[d]
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(numerator, denominator, out=score)
        score[np.broadcast_to(denominator <= 0, score.shape)] = 0.0  # no scored indicator: 0 before the bonus
        score += bonus[:, d]
        np.minimum(score, 100.0, out=score)

        weight = domain_weight[:, d : d + 1]
        if geometric:
            np.multiply(np.log(score + engine.GEOMETRIC_OFFSET), weight, out=term)
            if counted[d]:
                np.minimum(low, score, out=low)
                np.maximum(high, score, out=high)
        else:
            np.multiply(score, weight, out=term)
        total_numerator += term
        total_denominator += weight

    total = total_numerator / total_denominator  # the domain weights have a positive sum (engine check)
    if geometric:
        total = np.clip(np.exp(total) - engine.GEOMETRIC_OFFSET, low, high)
    return domain_scores, total


def _competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Row-wise competition ranks of (B,C) scores without NaN, as engine.rank_descending gives them.

    The engine sorts stably to list tied cities in a fixed order; ranks do not need that (tied
    values are adjacent in any sort and share the rank of their group's first position), and
    NumPy's default argsort is several times faster on this hot path.
    """
    negated = -scores  # ascending -x = descending x
    order = np.argsort(negated, axis=1)
    ordered = np.take_along_axis(negated, order, axis=1)
    starts_group = np.empty(ordered.shape, dtype=bool)
    starts_group[:, :1] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=starts_group[:, 1:])
    position = np.arange(1, ordered.shape[1] + 1, dtype=np.int64)
    ordered_rank = np.maximum.accumulate(np.where(starts_group, position, 0), axis=1)
    ranks = np.empty_like(ordered_rank)
    np.put_along_axis(ranks, order, ordered_rank, axis=1)
    return ranks


def _rank_quantiles(ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, 5th and 95th percentile of each row of drawn ranks (cities × draws); see the module doc."""
    n = ranks.shape[1]
    low_k = (LOW_PERCENT * n + 99) // 100 - 1  # the ⌈0.05·n⌉-th smallest, 0-based
    high_k = (HIGH_PERCENT * n + 99) // 100 - 1
    middle = ((n - 1) // 2, n // 2)
    part = np.sort(ranks, axis=1)  # on small integers faster than np.partition (SIMD sorts)
    median = (part[:, middle[0]].astype(float) + part[:, middle[1]]) / 2.0
    return median, part[:, low_k].astype(np.int64), part[:, high_k].astype(np.int64)
