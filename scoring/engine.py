"""Smart City Index scoring engine: pure functions over numpy arrays (DESIGN.md §5), no Django.

Size: the whole scoring method in one pure module on purpose: its fingerprint (CODE_VERSION) and a review
cover exactly the computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

PARAMETER_KINDS = ("yes_no", "choice", "number", "percentage", "count")
FIELD_SCALED_KINDS = ("number", "percentage", "count")  # scaled relative to the field (or goalposts)
MISSING_POLICIES = ("worst", "exclude", "mean")
NORMALISATIONS = ("minmax", "zscore", "target")
AGGREGATIONS = ("arithmetic", "geometric")

# z-scores are clipped to ±Z_CLIP and mapped linearly onto 0..1, so the field mean gets 0.5.
Z_CLIP = 3.0
# Geometric aggregation averages log(score + GEOMETRIC_OFFSET): a domain at 0 must not zero the total.
GEOMETRIC_OFFSET = 1.0

_INDEX = np.intp


# --------------------------------------------------------------------------- validation helpers


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(allowed)}")


def _check_indices(name: str, index: np.ndarray, size: int) -> None:
    bad = np.flatnonzero((index < 0) | (index >= size))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}] is {index[bad[0]]}, outside 0..{size - 1}")


def _check_weights(name: str, weight: np.ndarray) -> None:
    bad = np.flatnonzero(~(np.isfinite(weight) & (weight >= 0)))
    if bad.size:
        raise ValueError(f"{name} must be finite and >= 0; {name}[{bad[0]}] is {weight[bad[0]]}")


def _check_goalposts(goal_worst: np.ndarray, goal_best: np.ndarray, higher: np.ndarray) -> None:
    """Goalposts come in pairs, are finite and distinct, and point the parameter's way."""
    has_worst, has_best = ~np.isnan(goal_worst), ~np.isnan(goal_best)
    checks = (
        (has_worst != has_best, "goal_worst and goal_best must be given together"),
        (np.isinf(goal_worst) | np.isinf(goal_best), "goalposts must be finite"),
        (has_best & (goal_best == goal_worst), "goal_best must differ from goal_worst"),
        (
            has_best & ((goal_best > goal_worst) != higher),
            "goal_best must lie above goal_worst when higher is better, below it otherwise",
        ),
    )
    for bad, message in checks:
        if bad.any():
            raise ValueError(f"{message} (parameter {np.flatnonzero(bad)[0]})")


# --------------------------------------------------------------------------- catalogue


def value_points(kind: str, value, option_points: dict | None = None) -> float | None:
    """The engine's number for one answer value: yes 1.0, no 0.0, a choice its option's points, any other
    kind the number itself; None when there is no value (None or an empty choice)."""
    if value is None or value == "":
        return None
    if kind == "yes_no":
        return 1.0 if value else 0.0
    if kind == "choice":
        return float(option_points[value])
    return float(value)


@dataclass(frozen=True, eq=False)
class Structure:
    """The catalogue of one edition as arrays. P parameters, I indicators, D domains.

    Arrays are copied and made read-only on construction, which also validates them, so a
    Structure is always consistent (an empty catalogue is valid; compute() needs domain weights
    with a positive sum). Goalposts are in the parameter's scored unit (per 1,000
    inhabitants for per-capita parameters) and come in pairs.
    """

    param_indicator: np.ndarray  # (P,) int, index into indicators
    param_weight: np.ndarray  # (P,) float >= 0, weight inside its indicator
    param_kind: tuple[str, ...]  # (P,) one of PARAMETER_KINDS
    param_higher_is_better: np.ndarray  # (P,) bool
    param_per_capita: np.ndarray  # (P,) bool: value / (population / 1000) before scaling
    param_goal_worst: np.ndarray  # (P,) float, NaN where no goalpost
    param_goal_best: np.ndarray  # (P,) float, NaN where no goalpost
    indicator_domain: np.ndarray  # (I,) int, index into domains
    indicator_weight: np.ndarray  # (I,) float >= 0, weight inside its domain
    domain_weight: np.ndarray  # (D,) float >= 0

    def __post_init__(self) -> None:
        coerce = {
            "param_indicator": _as_index_array,
            "param_weight": _as_float_array,
            "param_higher_is_better": _as_bool_array,
            "param_per_capita": _as_bool_array,
            "param_goal_worst": _as_float_array,
            "param_goal_best": _as_float_array,
            "indicator_domain": _as_index_array,
            "indicator_weight": _as_float_array,
            "domain_weight": _as_float_array,
        }
        for name, as_array in coerce.items():
            array = as_array(name, getattr(self, name))
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        kinds = (self.param_kind,) if isinstance(self.param_kind, str) else self.param_kind
        object.__setattr__(self, "param_kind", tuple(kinds))
        self.validate()

    @classmethod
    def build(
        cls,
        *,
        param_indicator,
        param_kind,
        indicator_domain,
        param_weight=1.0,
        param_higher_is_better=True,
        param_per_capita=False,
        param_goal_worst=np.nan,
        param_goal_best=np.nan,
        indicator_weight=1.0,
        domain_weight=1.0,
        n_domains: int | None = None,
    ) -> Structure:
        """A Structure from lists, with scalars broadcast: by default weights 1, higher is better,
        not per capita, no goalposts. `param_kind` may be one kind for all parameters. The number
        of domains is `n_domains`, else one more than the largest index in `indicator_domain`."""
        n_params = len(param_indicator)
        n_indicators = len(indicator_domain)
        if n_domains is None:
            n_domains = int(np.max(indicator_domain)) + 1 if n_indicators else 1
        if isinstance(param_kind, str):
            param_kind = (param_kind,) * n_params

        def per(n, value, dtype):
            try:
                return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()
            except ValueError as error:
                raise ValueError(f"cannot broadcast {value!r} to length {n}: {error}") from None

        return cls(
            param_indicator=param_indicator,
            param_weight=per(n_params, param_weight, float),
            param_kind=tuple(param_kind),
            param_higher_is_better=per(n_params, param_higher_is_better, bool),
            param_per_capita=per(n_params, param_per_capita, bool),
            param_goal_worst=per(n_params, param_goal_worst, float),
            param_goal_best=per(n_params, param_goal_best, float),
            indicator_domain=indicator_domain,
            indicator_weight=per(n_indicators, indicator_weight, float),
            domain_weight=per(n_domains, domain_weight, float),
        )

    @property
    def n_parameters(self) -> int:
        return len(self.param_kind)

    @property
    def n_indicators(self) -> int:
        return self.indicator_domain.shape[0]

    @property
    def n_domains(self) -> int:
        return self.domain_weight.shape[0]

    @property
    def param_domain(self) -> np.ndarray:
        """(P,) index of each parameter's domain."""
        return self.indicator_domain[self.param_indicator]

    @property
    def param_field_scaled(self) -> np.ndarray:
        """(P,) bool: the parameter's kind is scaled relative to the field."""
        return np.isin(np.asarray(self.param_kind, dtype=object), FIELD_SCALED_KINDS)

    def validate(self) -> None:
        """Raise ValueError on inconsistent shapes, indices, weights, kinds or goalposts."""
        n_params = len(self.param_kind)
        for name in (
            "param_indicator",
            "param_weight",
            "param_higher_is_better",
            "param_per_capita",
            "param_goal_worst",
            "param_goal_best",
        ):
            shape = getattr(self, name).shape
            if shape != (n_params,):
                raise ValueError(f"{name} must have shape ({n_params},) like param_kind, got {shape}")
        if self.indicator_domain.ndim != 1:
            raise ValueError(f"indicator_domain must be 1-D, got shape {self.indicator_domain.shape}")
        if self.indicator_weight.shape != self.indicator_domain.shape:
            raise ValueError(
                f"indicator_weight must have shape {self.indicator_domain.shape} like indicator_domain, "
                f"got {self.indicator_weight.shape}"
            )
        if self.domain_weight.ndim != 1:
            raise ValueError(f"domain_weight must be 1-D, got shape {self.domain_weight.shape}")

        for p, kind in enumerate(self.param_kind):
            if kind not in PARAMETER_KINDS:
                raise ValueError(f"param_kind[{p}] is {kind!r}; expected one of {', '.join(PARAMETER_KINDS)}")
        _check_indices("param_indicator", self.param_indicator, self.n_indicators)
        _check_indices("indicator_domain", self.indicator_domain, self.n_domains)
        for name in ("param_weight", "indicator_weight", "domain_weight"):
            _check_weights(name, getattr(self, name))

        field_scaled = self.param_field_scaled
        misplaced = np.flatnonzero(self.param_per_capita & ~field_scaled)
        if misplaced.size:
            p = misplaced[0]
            raise ValueError(
                f"parameter {p} is {self.param_kind[p]!r}; only number, percentage and count "
                "parameters can be per capita"
            )
        has_goal = ~np.isnan(self.param_goal_worst) | ~np.isnan(self.param_goal_best)
        misplaced = np.flatnonzero(has_goal & ~field_scaled)
        if misplaced.size:
            p = misplaced[0]
            raise ValueError(
                f"parameter {p} is {self.param_kind[p]!r}; only number, percentage and count "
                "parameters can have goalposts"
            )
        _check_goalposts(self.param_goal_worst, self.param_goal_best, self.param_higher_is_better)


@dataclass(frozen=True)
class Methodology:
    """How one score run turns answers into scores; stored with the run (dataclasses.asdict)."""

    missing_policy: str = "worst"
    normalisation: str = "minmax"  # how field-scaled parameters AND indicator scores are normalised
    aggregation: str = "arithmetic"  # how domain scores combine into the total
    bonus_cap: float = 5.0  # max innovation bonus points per domain

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError for an unknown policy, normalisation or aggregation, or a bonus cap
        outside 0..100."""
        _check_choice("missing_policy", self.missing_policy, MISSING_POLICIES)
        _check_choice("normalisation", self.normalisation, NORMALISATIONS)
        _check_choice("aggregation", self.aggregation, AGGREGATIONS)
        if not (isinstance(self.bonus_cap, (int, float)) and 0 <= self.bonus_cap <= 100):
            raise ValueError(f"bonus_cap must be a number in 0..100, got {self.bonus_cap!r}")


@dataclass(frozen=True, eq=False)
class Result:
    """Scores of C cities. Ranks are competition ranks by unrounded value (1 = best)."""

    parameter_points: np.ndarray  # (C,P) 0..1 after missing policy (NaN where excluded under 'exclude')
    indicator_raw: np.ndarray  # (C,I) weighted mean of parameter points, 0..1 (NaN: no weighted data)
    indicator_score: np.ndarray  # (C,I) 0..100 (NaN where indicator_raw is NaN)
    domain_score: np.ndarray  # (C,D) 0..100 including capped bonus
    total: np.ndarray  # (C,) 0..100
    total_rank: np.ndarray  # (C,) int, 1 = best
    domain_rank: np.ndarray  # (C,D) int
    indicator_rank: np.ndarray  # (C,I) int, NaN scores rank last
    completeness: np.ndarray  # (C,) 0..1 share of parameters with a value
    domain_completeness: np.ndarray  # (C,D) 0..1


# --------------------------------------------------------------------------- scoring


def compute(
    structure: Structure,
    values: np.ndarray,
    population: np.ndarray,
    bonus: np.ndarray | None = None,
    methodology: Methodology = Methodology(),
) -> Result:
    """Score C cities on one edition's catalogue (DESIGN.md §5).

    values: (C,P) float, NaN = no approved answer. For yes_no the value is 1.0/0.0; for choice it
    is already the option's points in 0..1; for number/percentage/count the raw number.
    population: inhabitants, > 0: (C,) one figure per city, or (C,P) the figure each value is divided by
    (a per-capita value is divided by the population as of its Stand). bonus: (C,D) innovation bonus
    points, NaN = none, clipped to 0..bonus_cap.

    Edge cases: an indicator where a city has no weighted data (under 'exclude': no answered
    parameter with positive weight; under any policy: no parameter with positive weight at all)
    gets NaN and drops out of the domain mean, which re-weights over the rest. A domain with no
    scored indicator for a city scores 0 before its bonus. Completeness counts answers, unweighted;
    a domain without parameters has completeness 0.
    """
    values, population, bonus = _checked_inputs(structure, values, population, bonus, methodology)
    present = ~np.isnan(values)

    points = _parameter_points(structure, values, population, methodology.normalisation)
    points = _apply_missing_policy(points, methodology.missing_policy)
    raw = _weighted_group_mean(points, structure.param_weight, structure.param_indicator, structure.n_indicators)
    score = indicator_scores(raw, methodology.normalisation)
    domain_mean = _weighted_group_mean(
        score, structure.indicator_weight, structure.indicator_domain, structure.n_domains
    )
    domain_score = np.minimum(np.nan_to_num(domain_mean, nan=0.0) + bonus, 100.0)
    total = aggregate_total(domain_score, structure.domain_weight, methodology.aggregation)

    param_domain = structure.param_domain
    answered = _group_sum(present.astype(float), param_domain, structure.n_domains)
    asked = np.bincount(param_domain, minlength=structure.n_domains).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        domain_completeness = np.where(asked > 0, answered / asked, 0.0)
    n_params = structure.n_parameters
    completeness = present.sum(axis=1) / n_params if n_params else np.zeros(len(values))

    return Result(
        parameter_points=points,
        indicator_raw=raw,
        indicator_score=score,
        domain_score=domain_score,
        total=total,
        total_rank=rank_descending(total),
        domain_rank=rank_descending(domain_score),
        indicator_rank=rank_descending(score),
        completeness=completeness,
        domain_completeness=domain_completeness,
    )


def aggregate_total(domain_score: np.ndarray, domain_weight: np.ndarray, method: str = "arithmetic") -> np.ndarray:
    """Weighted mean of domain scores per city: (C,D) -> (C,), or (D,) -> scalar array.

    arithmetic: sum(w * s) / sum(w). geometric: exp(weighted mean of log(s + 1)) - 1, so a
    domain at 0 lowers the total instead of zeroing it; the result is clipped to the city's
    lowest and highest domain score (with positive weight) to remove rounding noise. Weights
    need a positive sum; scores must not be NaN (and must be >= 0 for geometric).
    """
    _check_choice("aggregation", method, AGGREGATIONS)
    scores = np.asarray(domain_score, dtype=float)
    weight = _as_float_array("domain_weight", domain_weight)
    if scores.ndim not in (1, 2) or weight.ndim != 1 or scores.shape[-1] != weight.shape[0]:
        raise ValueError(
            f"domain_score must have shape (cities, {weight.shape[0]}) matching domain_weight, got {scores.shape}"
        )
    _check_weights("domain_weight", weight)
    if not weight.sum() > 0:
        raise ValueError("domain_weight must have a positive sum")
    if np.isnan(scores).any():
        raise ValueError("domain_score must not contain NaN")
    matrix = scores.reshape(-1, weight.shape[0])
    group = np.zeros(weight.shape[0], dtype=_INDEX)
    if method == "arithmetic":
        total = _weighted_group_mean(matrix, weight, group, 1)[:, 0]
    else:
        if (matrix < 0).any():
            raise ValueError("geometric aggregation needs domain scores >= 0")
        log_mean = _weighted_group_mean(np.log(matrix + GEOMETRIC_OFFSET), weight, group, 1)[:, 0]
        counted = matrix[:, weight > 0]
        total = np.clip(np.exp(log_mean) - GEOMETRIC_OFFSET, counted.min(axis=1), counted.max(axis=1))
    return total.reshape(scores.shape[:-1])


def scale_field(
    x: np.ndarray,
    higher_is_better,
    goal_worst=None,
    goal_best=None,
    method: str = "minmax",
) -> np.ndarray:
    """Column-wise scaling of raw numbers to points 0..1 relative to the field; NaN stays NaN.

    x is (C,) or (C,N); higher_is_better, goal_worst and goal_best are scalars or (N,), with NaN
    (or None) where a column has no goalposts.

    minmax: the best city gets 1, the worst 0, linear between. When all cities with a value have
    the same number (or only one city has a value) everyone gets 1: nobody lags behind the field,
    so nobody loses points (the field has no worst city to anchor 0). An absolute level, e.g.
    everyone at zero, is scored with goalposts instead.
    zscore: z = (x - field mean) / field standard deviation (population, ddof=0), negated for
    lower-is-better, mapped by clip((z + 3) / 6, 0, 1): the field mean gets 0.5, three standard
    deviations either side saturate. All equal: 1, as for minmax.
    target: distance to target. The target is goal_best, else the field's best value.
    Higher-is-better: clip(x / target, 0, 1). Lower-is-better: 1 at or below the target, else
    target / x. A target <= 0 makes the ratio meaningless, so the points are a step: 1 at or
    beyond the target, 0 otherwise.

    Goalposts (both or neither per column; best above worst iff higher is better) replace the
    field's worst and best for minmax and zscore, clipped to 0..1: a fixed scale is an
    editorial decision the normalisation method does not override.
    """
    _check_choice("normalisation", method, NORMALISATIONS)
    x = np.asarray(x, dtype=float)
    if x.ndim not in (1, 2):
        raise ValueError(f"x must be 1-D or 2-D, got shape {x.shape}")
    columns = _as_columns(x)
    n = columns.shape[1]
    higher = _per_column("higher_is_better", higher_is_better, n, bool)
    worst = _per_column("goal_worst", np.nan if goal_worst is None else goal_worst, n, float)
    best = _per_column("goal_best", np.nan if goal_best is None else goal_best, n, float)
    _check_goalposts(worst, best, higher)
    points, _ = _scale_columns(columns, higher, worst, best, method)
    return points.reshape(x.shape)


def indicator_scores(raw: np.ndarray, method: str = "minmax") -> np.ndarray:
    """(C,I) raw 0..1 -> scores 0..100 relative to the field, column by column; NaN stays NaN.

    minmax: best city 100, worst 0, linear. zscore: 100 × clip((z + 3) / 6, 0, 1). For both,
    when every city with a value has the same raw value the score is 100 × raw (all-yes 100,
    all-no 0). target: 100 × raw, the distance to full marks.
    """
    _check_choice("normalisation", method, NORMALISATIONS)
    raw = np.asarray(raw, dtype=float)
    if method == "target":
        return 100.0 * raw
    if raw.ndim not in (1, 2):
        raise ValueError(f"raw must be 1-D or 2-D, got shape {raw.shape}")
    columns = _as_columns(raw)
    n = columns.shape[1]
    no_goal = np.full(n, np.nan)
    points, all_equal = _scale_columns(columns, np.ones(n, dtype=bool), no_goal, no_goal, method)
    points = np.where(all_equal, columns, points)
    return (100.0 * points).reshape(raw.shape)


# --------------------------------------------------------------------------- ranks and trend


def rank_descending(values: np.ndarray) -> np.ndarray:
    """Competition ranks ("1, 2, 2, 4") by unrounded value, highest first; exact ties share a rank.

    Works on 1-D, and on 2-D column-wise (axis=0). NaN ranks last; NaNs tie with each other.
    Returns int64 of the same shape.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim not in (1, 2):
        raise ValueError(f"values must be 1-D or 2-D, got shape {values.shape}")
    # One row per ranked column: sorting along the contiguous axis is several times faster.
    rows = np.ascontiguousarray(-_as_columns(values).T)  # -x ascending = x descending
    n = rows.shape[1]
    order = np.argsort(rows, axis=1, kind="stable")  # NaN sorts last
    ordered = np.take_along_axis(rows, order, axis=1)
    missing = np.isnan(ordered)
    same_as_previous = (ordered[:, 1:] == ordered[:, :-1]) | (missing[:, 1:] & missing[:, :-1])
    starts_group = np.concatenate([np.ones((rows.shape[0], min(n, 1)), dtype=bool), ~same_as_previous], axis=1)
    position = np.arange(1, n + 1, dtype=np.int64)
    ordered_rank = np.maximum.accumulate(np.where(starts_group, position, 0), axis=1)
    ranks = np.empty_like(ordered_rank)
    np.put_along_axis(ranks, order, ordered_rank, axis=1)
    return ranks.T.reshape(values.shape)


# --------------------------------------------------------------------------- internals


def _checked_inputs(structure, values, population, bonus, methodology):
    """Validated float copies of the inputs; bonus filled (NaN -> 0) and clipped to 0..bonus_cap."""
    if not isinstance(methodology, Methodology):
        raise ValueError(f"methodology must be a Methodology, got {type(methodology).__name__}")
    methodology.validate()
    n_params, n_domains = structure.n_parameters, structure.n_domains
    if not structure.domain_weight.sum() > 0:
        raise ValueError("domain_weight must have a positive sum to combine domains into a total")
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != n_params:
        raise ValueError(f"values must have shape (cities, {n_params}), got {values.shape}")
    n_cities = values.shape[0]
    if n_cities == 0:
        raise ValueError("values must hold at least one city")
    if np.isinf(values).any():
        raise ValueError("values must be finite numbers or NaN (no answer)")

    population = np.asarray(population, dtype=float)
    if population.shape not in ((n_cities,), (n_cities, n_params)):
        raise ValueError(
            f"population must have shape ({n_cities},) or ({n_cities}, {n_params}) like values, got {population.shape}"
        )
    bad = np.argwhere(~(np.isfinite(population) & (population > 0)))
    if bad.size:
        raise ValueError(f"population must be positive; city {bad[0][0]} has {population[tuple(bad[0])]}")

    kinds = np.asarray(structure.param_kind, dtype=object)
    present = ~np.isnan(values)
    not_binary = present & (kinds == "yes_no") & (values != 0) & (values != 1)
    if not_binary.any():
        city, p = np.argwhere(not_binary)[0]
        raise ValueError(f"yes_no values must be 0 or 1; parameter {p} has {values[city, p]} (city {city})")
    outside = present & (kinds == "choice") & ((values < 0) | (values > 1))
    if outside.any():
        city, p = np.argwhere(outside)[0]
        raise ValueError(
            f"choice values must be the option's points in 0..1; parameter {p} has {values[city, p]} (city {city})"
        )

    if bonus is None:
        bonus = np.zeros((n_cities, n_domains))
    else:
        bonus = np.asarray(bonus, dtype=float)
        if bonus.shape != (n_cities, n_domains):
            raise ValueError(f"bonus must have shape ({n_cities}, {n_domains}), got {bonus.shape}")
        bonus = np.clip(np.nan_to_num(bonus, nan=0.0), 0.0, methodology.bonus_cap)
    return values, population, bonus


def _parameter_points(structure: Structure, values, population, method) -> np.ndarray:
    """(C,P) points 0..1, NaN where there is no answer. yes_no and choice values are points already."""
    points = values.copy()
    scaled = structure.param_field_scaled
    if scaled.any():
        x = values[:, scaled]
        per_capita = structure.param_per_capita[scaled]
        per_value = population[:, scaled] if population.ndim == 2 else population[:, None]
        x = np.where(per_capita, x / (per_value / 1000.0), x)
        points[:, scaled] = scale_field(
            x,
            structure.param_higher_is_better[scaled],
            structure.param_goal_worst[scaled],
            structure.param_goal_best[scaled],
            method,
        )
    return points


def _apply_missing_policy(points: np.ndarray, policy: str) -> np.ndarray:
    """worst: missing -> 0. mean: missing -> the parameter's field mean (0 when nobody answered).
    exclude: missing stays NaN and the weighted means re-weight over the answered parameters."""
    missing = np.isnan(points)
    if policy == "exclude" or not missing.any():
        return points
    if policy == "worst":
        fill = 0.0
    else:
        mean, _ = _field_mean(points)
        fill = np.nan_to_num(mean, nan=0.0)
    return np.where(missing, fill, points)


def _scale_columns(x, higher, goal_worst, goal_best, method):
    """Points 0..1 per column of x (C,N), and a (N,) mask of columns where every value is equal
    (only those without goalposts). NaN in, NaN out."""
    present = ~np.isnan(x)
    low = np.min(np.where(present, x, np.inf), axis=0, initial=np.inf)
    high = np.max(np.where(present, x, -np.inf), axis=0, initial=-np.inf)
    field_best = np.where(higher, high, low)
    field_worst = np.where(higher, low, high)
    has_goal = ~np.isnan(goal_best)
    all_equal = ~has_goal & (low == high)
    # Empty or all-equal columns and tiny targets give inf/NaN intermediates; all are replaced below.
    with np.errstate(all="ignore"):
        if method == "target":
            target = np.where(has_goal, goal_best, field_best)
            above = np.where(target > 0, x / target, (x >= target).astype(float))
            below = np.where(x <= target, 1.0, np.where(target > 0, target / x, 0.0))
            points = np.clip(np.where(higher, above, below), 0.0, 1.0)
            return np.where(present, points, np.nan), np.zeros_like(all_equal)
        worst = np.where(has_goal, goal_worst, field_worst)
        best = np.where(has_goal, goal_best, field_best)
        points = (x - worst) / (best - worst)
        if method == "zscore":
            mean, std = _field_mean(x, with_std=True)
            # std is 0 only for an all-equal column (handled below) or values so close their
            # squared deviations underflow; z = 0 then puts everyone at the field mean.
            z = np.where(std > 0, (x - mean) / std, 0.0)
            points = np.where(has_goal, points, (np.where(higher, z, -z) + Z_CLIP) / (2 * Z_CLIP))
    points = np.where(all_equal, 1.0, np.clip(points, 0.0, 1.0))
    return np.where(present, points, np.nan), all_equal


def _field_mean(x: np.ndarray, with_std: bool = False):
    """Column mean (and population standard deviation) over non-NaN values; NaN for an empty
    column. Values are summed in sorted order so the result does not depend on the order of
    cities: a run re-derives bit for bit however the cities were loaded."""

    def ordered_sum(a):
        return np.nansum(np.sort(a, axis=0), axis=0)  # np.sort puts NaN last

    count = (~np.isnan(x)).sum(axis=0)
    with np.errstate(all="ignore"):
        mean = ordered_sum(x) / count
        std = np.sqrt(ordered_sum((x - mean) ** 2) / count) if with_std else None
    mean = np.where(count > 0, mean, np.nan)
    return mean, std


def _group_sum(x: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """(C,N) -> (C,G): per city, the sum of the columns in each group.

    bincount adds in input order, so each city's sum is computed the same way wherever the
    city sits in the array (unlike BLAS matrix products): identical inputs give identical scores
    and exact ties stay ties.
    """
    n_cities = x.shape[0]
    bins = (np.arange(n_cities, dtype=_INDEX)[:, None] * n_groups + group[None, :]).ravel()
    sums = np.bincount(bins, weights=x.ravel(), minlength=n_cities * n_groups)
    return sums.reshape(n_cities, n_groups)


def _weighted_group_mean(x: np.ndarray, weight: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """(C,N) -> (C,G) weighted mean per group over each city's non-NaN entries (re-weighted).
    NaN where a city has no entry with positive weight in the group; never divides by zero."""
    present = ~np.isnan(x)
    counted_weight = np.where(present, weight, 0.0)
    numerator = _group_sum(np.where(present, x * weight, 0.0), group, n_groups)
    denominator = _group_sum(counted_weight, group, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _as_columns(x: np.ndarray) -> np.ndarray:
    """A 1-D array as a single column; a 2-D array unchanged."""
    return x[:, None] if x.ndim == 1 else x


def _per_column(name: str, value: Any, n: int, dtype) -> np.ndarray:
    try:
        return np.broadcast_to(np.asarray(value, dtype=dtype), (n,))
    except ValueError:
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got {np.shape(value)}") from None


def _as_index_array(name: str, value: Any) -> np.ndarray:
    array = np.array(value)
    if array.size == 0:
        array = array.astype(_INDEX)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer indices, got dtype {array.dtype}")
    return array.astype(_INDEX)


def _as_float_array(name: str, value: Any) -> np.ndarray:
    try:
        return np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers") from None


def _as_bool_array(name: str, value: Any) -> np.ndarray:
    array = np.array(value)
    if array.dtype != bool and not (array.size == 0 or np.isin(array, (0, 1)).all()):
        raise ValueError(f"{name} must hold booleans")
    return array.astype(bool)
