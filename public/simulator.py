"""The what-if simulator: a city's hypothetical answers and other weights, scored against a published run.

The engine recomputes the whole field from the run's frozen inputs with only the scenario changed: the
other cities keep their published answers (their scores move only where the field-relative scaling
moves). Nothing is stored; a scenario is a set of query parameters, so it lives in the URL:
`p-<parameter key>` (a hypothetical answer), `wd-<domain key>` and `wi-<indicator key>` (weights).

Keys are meant to be unique within an edition (the catalogue file checks it); should two parameters or
indicators share a key, the first in catalogue order is meant, as elsewhere on the public site.

Size: validation, computation and outcome of a scenario share the Baseline's index maps and the engine's
result shapes; split at the section markers when one part grows.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.models import Answer, City, Domain, Edition, Indicator, Parameter, catalogue_order, plain_number
from indicators.values import assign_value, to_number
from scoring import engine
from scoring.inputs import CODE_VERSION, load_inputs
from scoring.models import ScoreRun
from smartcity.page_cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

PARAMETER_PREFIX = "p-"
DOMAIN_WEIGHT_PREFIX = "wd-"
INDICATOR_WEIGHT_PREFIX = "wi-"
# Weights are relative, so any finite value would do; a cap keeps products of weights and scores finite.
MAX_WEIGHT = 1000
GAINS_LIMIT = 10
# A published run's inputs never change, so the cache only needs to forget them eventually.
CACHE_SECONDS = 7 * 24 * 3600
CACHE_VERSION = 1  # part of every cache key: bump it when the cached shapes change
# The canonical hypothetical yes/no, as the page's fields send them (indicators.values also takes yes, true, 1, ...).
YES, NO = "ja", "nein"
NUMBER_STEP = Decimal("0.000001")  # Answer.value_number has six decimal places


class CityNotRanked(LookupError):
    """The city has no score in the run (it did not take part in the edition)."""


# --------------------------------------------------------------------------- the run's frozen inputs


@dataclass(frozen=True, eq=False)
class Baseline:
    """A published run's inputs as the engine takes them, its catalogue, and the engine's result on them
    (which is the published result: a published run is re-derived bit for bit from its inputs)."""

    run_id: int
    city_ids: np.ndarray  # (C,) in the engine's order (AGS)
    domains: tuple[Domain, ...]
    indicators: tuple[Indicator, ...]  # each with its domain loaded
    parameters: tuple[Parameter, ...]  # each with its indicator and domain loaded
    structure: engine.Structure
    methodology: engine.Methodology
    values: np.ndarray  # (C, P)
    population: np.ndarray  # (C, P), as scoring.inputs loads it
    bonus: np.ndarray  # (C, D)
    result: engine.Result

    def row_of(self, city: City) -> int:
        rows = np.flatnonzero(self.city_ids == city.pk)
        if not rows.size:
            raise CityNotRanked(city.slug)
        return int(rows[0])

    @property
    def city_count(self) -> int:
        return len(self.city_ids)


def _cache_key(*parts) -> str:
    return ":".join(map(str, ("simulator", CACHE_VERSION, CODE_VERSION, *parts)))


def _cache_get(key: str):
    try:
        return cache.get(key)
    except CACHE_ERRORS:
        logger.warning("simulator cache unavailable; computing without it", exc_info=True)
        return None


def _cache_set(key: str, value) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except CACHE_ERRORS:
        logger.warning("could not store simulator data in the cache", exc_info=True)


def run_baseline(edition: Edition, run: ScoreRun) -> Baseline:
    """The run's baseline from the cache (no query), else loaded (load_inputs and 3 queries) and cached.

    Keyed by run id, input hash and code version: a published run is frozen, and a new engine or loader
    gets fresh entries."""
    key = _cache_key("baseline", run.pk, run.input_hash)
    baseline = _cache_get(key)
    if baseline is None:
        baseline = _baseline_load(edition, run)
        _cache_set(key, baseline)
    return baseline


def _baseline_load(edition: Edition, run: ScoreRun) -> Baseline:
    inputs = load_inputs(edition)
    domains = tuple(Domain.objects.filter(edition=edition).order_by("position", "id"))
    indicators = tuple(Indicator.objects.filter(domain__edition=edition).order_by("domain__position", "position", "id"))
    parameters = tuple(Parameter.objects.filter(indicator__domain__edition=edition).order_by(*catalogue_order()))
    # One instance per domain and indicator, shared by their children: a smaller pickle, read on every request.
    domain_by_pk = {domain.pk: domain for domain in domains}
    for indicator in indicators:
        indicator.domain = domain_by_pk[indicator.domain_id]
    indicator_by_pk = {indicator.pk: indicator for indicator in indicators}
    for parameter in parameters:
        parameter.indicator = indicator_by_pk[parameter.indicator_id]
    same_order = (
        [d.pk for d in domains] == inputs.domain_ids.tolist()
        and [i.pk for i in indicators] == inputs.indicator_ids.tolist()
        and [p.pk for p in parameters] == inputs.parameter_ids.tolist()
    )
    if not same_order:  # the catalogue changed between the queries: a published edition's never does
        raise RuntimeError(f"the catalogue of edition {edition.year} changed while loading run {run.pk}")
    result = engine.compute(inputs.structure, inputs.values, inputs.population, inputs.bonus, inputs.methodology)
    return Baseline(
        run_id=run.pk,
        city_ids=inputs.city_ids,
        domains=domains,
        indicators=indicators,
        parameters=parameters,
        structure=inputs.structure,
        methodology=inputs.methodology,
        values=inputs.values,
        population=inputs.population,
        bonus=inputs.bonus,
        result=result,
    )


def _first_index(keys) -> dict[str, int]:
    """Key -> position of its first occurrence."""
    index: dict[str, int] = {}
    for position, key in enumerate(keys):
        index.setdefault(key, position)
    return index


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    """Hypothetical answers and weights as entered (text), by catalogue key: the simulator's state."""

    values: dict[str, str] = dataclasses.field(default_factory=dict)
    domain_weights: dict[str, str] = dataclasses.field(default_factory=dict)
    indicator_weights: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Scenario:
        """The scenario in query parameters (a QueryDict gives each name's last value). Empty values mean
        "as published"; names without one of the three prefixes are not the simulator's and are ignored."""
        found: dict[str, dict[str, str]] = {PARAMETER_PREFIX: {}, DOMAIN_WEIGHT_PREFIX: {}, INDICATOR_WEIGHT_PREFIX: {}}
        for name, value in query.items():
            text = str(value).strip()
            for prefix, target in found.items():
                if name.startswith(prefix) and text:
                    target[name[len(prefix) :]] = text
        return cls(found[PARAMETER_PREFIX], found[DOMAIN_WEIGHT_PREFIX], found[INDICATOR_WEIGHT_PREFIX])

    def as_query(self) -> dict[str, str]:
        return {
            **{PARAMETER_PREFIX + key: value for key, value in self.values.items()},
            **{DOMAIN_WEIGHT_PREFIX + key: value for key, value in self.domain_weights.items()},
            **{INDICATOR_WEIGHT_PREFIX + key: value for key, value in self.indicator_weights.items()},
        }


def parse_value(edition: Edition, parameter: Parameter, raw: Any) -> tuple[float, Any]:
    """A hypothetical answer checked like a real one (kind, allowed range, option keys, digits): (the value
    as the engine takes it, the typed value: bool, option key or Decimal). Raises ValidationError with the
    messages; never writes anything. `parameter` needs its indicator and domain loaded (no query then)."""
    answer = Answer(edition_id=edition.pk, parameter=parameter)
    assign_value(answer, parameter, raw)
    if not answer.has_value:
        raise ValidationError(_("Bitte einen Wert angeben."))
    checked = {"value_choice", "value_number"}
    answer.clean_fields(exclude=[field.name for field in Answer._meta.fields if field.name not in checked])
    answer.clean()
    typed = answer.value
    option_points = parameter.option_points() if parameter.kind == Parameter.Kind.CHOICE else None
    return engine.value_points(parameter.kind, typed, option_points), typed


def parse_weight(raw: Any) -> float:
    """A weight: a finite number in 0..MAX_WEIGHT, read as an answer's number is. Raises ValidationError."""
    number = to_number(raw)
    if number < 0:
        raise ValidationError(_("Ein Gewicht darf nicht negativ sein."))
    if number > MAX_WEIGHT:
        raise ValidationError(_("Ein Gewicht darf höchstens %(max)s sein.") % {"max": MAX_WEIGHT})
    return float(number)


@dataclass(frozen=True)
class _Changes:
    """A scenario validated against a baseline: what differs from the published inputs."""

    values: dict[int, float]  # parameter index -> the city's hypothetical engine value
    typed: dict[int, Any]  # parameter index -> the typed hypothetical value
    domain_weight: np.ndarray
    indicator_weight: np.ndarray
    changed_domains: tuple[int, ...]
    changed_indicators: tuple[int, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.values or self.changed_domains or self.changed_indicators)


def _validated(edition: Edition, baseline: Baseline, row: int, scenario: Scenario) -> _Changes:
    """The scenario's changes, or a ValidationError keyed by query parameter name listing every problem.

    Long: every kind of input checked in one pass, so one answer lists every problem of a scenario."""
    errors: dict[str, list[str]] = {}
    structure = baseline.structure

    parameter_index = _first_index(p.key for p in baseline.parameters)
    values, typed = {}, {}
    for key, raw in scenario.values.items():
        name = PARAMETER_PREFIX + key
        if key not in parameter_index:
            errors[name] = [
                _("Die Ausgabe %(year)s hat keinen Parameter „%(key)s“.") % {"year": edition.year, "key": key[:80]}
            ]
            continue
        p = parameter_index[key]
        try:
            value, typed_value = parse_value(edition, baseline.parameters[p], raw)
        except ValidationError as error:
            errors[name] = error.messages
            continue
        official = baseline.values[row, p]
        if value != official:  # NaN (no answer) differs from every value
            values[p], typed[p] = value, typed_value

    def weights(scenario_weights, keys, official, prefix, unknown: str):
        index = _first_index(keys)
        weight = official.copy()
        for key, raw in scenario_weights.items():
            name = prefix + key
            if key not in index:
                errors[name] = [unknown % {"year": edition.year, "key": key[:80]}]
                continue
            try:
                weight[index[key]] = parse_weight(raw)
            except ValidationError as error:
                errors[name] = error.messages
        return weight

    domain_weight = weights(
        scenario.domain_weights,
        [d.key for d in baseline.domains],
        structure.domain_weight,
        DOMAIN_WEIGHT_PREFIX,
        _("Die Ausgabe %(year)s hat keinen Themenbereich „%(key)s“."),
    )
    indicator_weight = weights(
        scenario.indicator_weights,
        [i.key for i in baseline.indicators],
        structure.indicator_weight,
        INDICATOR_WEIGHT_PREFIX,
        _("Die Ausgabe %(year)s hat keinen Indikator „%(key)s“."),
    )
    if scenario.domain_weights and not domain_weight.sum() > 0:
        for key in scenario.domain_weights:
            errors.setdefault(DOMAIN_WEIGHT_PREFIX + key, []).append(
                _("Mindestens ein Themenbereich braucht ein Gewicht über 0.")
            )
    indicator_index = _first_index(i.key for i in baseline.indicators)
    entered_by_domain: dict[int, list[str]] = {}
    for key in scenario.indicator_weights:
        if key in indicator_index:
            entered_by_domain.setdefault(int(structure.indicator_domain[indicator_index[key]]), []).append(key)
    for d, keys in entered_by_domain.items():
        if not indicator_weight[structure.indicator_domain == d].sum() > 0:
            message = _("Mindestens ein Indikator im Themenbereich „%(domain)s“ braucht ein Gewicht über 0.") % {
                "domain": baseline.domains[d].name
            }
            for key in keys:
                errors.setdefault(INDICATOR_WEIGHT_PREFIX + key, []).append(message)
    if errors:
        raise ValidationError(errors)
    return _Changes(
        values=values,
        typed=typed,
        domain_weight=domain_weight,
        indicator_weight=indicator_weight,
        changed_domains=tuple(np.flatnonzero(domain_weight != structure.domain_weight).tolist()),
        changed_indicators=tuple(np.flatnonzero(indicator_weight != structure.indicator_weight).tolist()),
    )


def _compute(baseline: Baseline, row: int, changes: _Changes) -> engine.Result:
    if changes.is_empty:
        return baseline.result
    values = baseline.values.copy()
    for p, value in changes.values.items():
        values[row, p] = value
    structure = baseline.structure
    if changes.changed_domains or changes.changed_indicators:
        structure = dataclasses.replace(
            structure, domain_weight=changes.domain_weight, indicator_weight=changes.indicator_weight
        )
    return engine.compute(structure, values, baseline.population, baseline.bonus, baseline.methodology)


# --------------------------------------------------------------------------- the simulation


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


@dataclass(frozen=True)
class Change:
    """A number as published and as simulated (None: no value, e.g. an indicator excluded for lack of data)."""

    official: float | None
    simulated: float | None

    @classmethod
    def of(cls, official, simulated) -> Change:
        return cls(_number(official), _number(simulated))

    @property
    def delta(self) -> float | None:
        if self.official is None or self.simulated is None:
            return None
        return self.simulated - self.official

    @property
    def changed(self) -> bool:
        return self.official != self.simulated


@dataclass(frozen=True)
class RankChange:
    official: int
    simulated: int

    @property
    def places(self) -> int:
        """Places gained (official − simulated rank): +5 climbed five places, −2 fell two."""
        return self.official - self.simulated

    @property
    def changed(self) -> bool:
        return self.official != self.simulated


@dataclass(frozen=True)
class DomainOutcome:
    domain: Domain
    weight: Change
    score: Change
    rank: RankChange

    @property
    def changed(self) -> bool:
        return self.weight.changed or self.score.changed or self.rank.changed


@dataclass(frozen=True)
class IndicatorOutcome:
    indicator: Indicator
    weight: Change
    raw: Change
    score: Change
    rank: RankChange

    @property
    def changed(self) -> bool:
        return self.weight.changed or self.raw.changed or self.score.changed or self.rank.changed


@dataclass(frozen=True)
class ParameterOutcome:
    parameter: Parameter
    hypothetical: Any  # the typed hypothetical value (bool, option key, Decimal); None: as published
    points: Change  # the city's points 0..1 after the missing-data policy

    @property
    def changed(self) -> bool:
        return self.hypothetical is not None or self.points.changed


@dataclass(frozen=True)
class Simulation:
    """One city's published and simulated result. `other_cities_changed` counts the cities whose total
    moved too (the field-relative scaling moves when a value becomes the field's best or worst)."""

    city: City
    city_count: int
    total: Change
    rank: RankChange
    domains: tuple[DomainOutcome, ...]
    indicators: tuple[IndicatorOutcome, ...]
    parameters: tuple[ParameterOutcome, ...]
    other_cities_changed: int

    @property
    def is_official(self) -> bool:
        """Nothing differs from the published inputs."""
        return not (
            any(p.hypothetical is not None for p in self.parameters)
            or any(d.weight.changed for d in self.domains)
            or any(i.weight.changed for i in self.indicators)
        )

    @property
    def changed_parameters(self) -> tuple[ParameterOutcome, ...]:
        return tuple(p for p in self.parameters if p.hypothetical is not None)


def simulate(
    edition: Edition,
    run: ScoreRun,
    city: City,
    *,
    values: Mapping[str, Any] | None = None,
    domain_weights: Mapping[str, Any] | None = None,
    indicator_weights: Mapping[str, Any] | None = None,
) -> Simulation:
    """The city's result in the published run with hypothetical answers (`values`: parameter key -> raw
    value as a form or URL gives it: "ja"/"nein", an option key, "40" or "40,5") and other domain and
    indicator weights (key -> number >= 0). Empty values mean "as published".

    Raises ValidationError keyed by query parameter name (`p-<key>`, `wd-<key>`, `wi-<key>`) for unknown
    keys, values the parameter does not allow, negative weights or a domain (or the whole index) whose
    weights are all zero; CityNotRanked when the city has no score in the run. No query when the run's
    baseline is cached. Nothing is written.
    """
    baseline = run_baseline(edition, run)
    row = baseline.row_of(city)
    scenario = Scenario(
        values={key: str(value) for key, value in (values or {}).items() if str(value).strip()},
        domain_weights={key: str(value) for key, value in (domain_weights or {}).items() if str(value).strip()},
        indicator_weights={key: str(value) for key, value in (indicator_weights or {}).items() if str(value).strip()},
    )
    changes = _validated(edition, baseline, row, scenario)
    result = _compute(baseline, row, changes)
    return _simulation(baseline, row, city, result, changes)


def _simulation(baseline: Baseline, row: int, city: City, result: engine.Result, changes: _Changes) -> Simulation:
    official, structure = baseline.result, baseline.structure
    domains = tuple(
        DomainOutcome(
            domain=domain,
            weight=Change.of(structure.domain_weight[d], changes.domain_weight[d]),
            score=Change.of(official.domain_score[row, d], result.domain_score[row, d]),
            rank=RankChange(int(official.domain_rank[row, d]), int(result.domain_rank[row, d])),
        )
        for d, domain in enumerate(baseline.domains)
    )
    indicators = tuple(
        IndicatorOutcome(
            indicator=indicator,
            weight=Change.of(structure.indicator_weight[i], changes.indicator_weight[i]),
            raw=Change.of(official.indicator_raw[row, i], result.indicator_raw[row, i]),
            score=Change.of(official.indicator_score[row, i], result.indicator_score[row, i]),
            rank=RankChange(int(official.indicator_rank[row, i]), int(result.indicator_rank[row, i])),
        )
        for i, indicator in enumerate(baseline.indicators)
    )
    parameters = tuple(
        ParameterOutcome(
            parameter=parameter,
            hypothetical=changes.typed.get(p),
            points=Change.of(official.parameter_points[row, p], result.parameter_points[row, p]),
        )
        for p, parameter in enumerate(baseline.parameters)
    )
    moved = result.total != official.total
    moved[row] = False
    return Simulation(
        city=city,
        city_count=baseline.city_count,
        total=Change.of(official.total[row], result.total[row]),
        rank=RankChange(int(official.total_rank[row]), int(result.total_rank[row])),
        domains=domains,
        indicators=indicators,
        parameters=parameters,
        other_cities_changed=int(moved.sum()),
    )


def official_answers(run: ScoreRun, city: City) -> dict[int, Answer]:
    """The city's approved answers in the run's edition by parameter id, to show the published values
    (1 query; attach the parameter before formatting a value)."""
    answers = Answer.objects.filter(edition_id=run.edition_id, city=city, status=Answer.Status.APPROVED).only(
        "parameter_id", "value_bool", "value_choice", "value_number", "as_of"
    )
    return {answer.parameter_id: answer for answer in answers}


# --------------------------------------------------------------------------- where the city gains the most


@dataclass(frozen=True)
class Gain:
    """One parameter improved to the field's best value, everything else as published."""

    parameter: Parameter
    value: str  # the improved value as the simulator takes it (the value of `p-<key>`)
    gain: float  # points the city's total rises by
    total: float  # the city's total then
    rank: int  # the city's rank then

    @property
    def typed_value(self) -> Any:
        if self.parameter.kind == Parameter.Kind.YES_NO:
            return True
        if self.parameter.kind == Parameter.Kind.CHOICE:
            return self.value
        return Decimal(self.value)

    @property
    def query(self) -> dict[str, str]:
        return {PARAMETER_PREFIX + self.parameter.key: self.value}


def gains(edition: Edition, run: ScoreRun, city: City, limit: int = GAINS_LIMIT) -> list[Gain]:
    """The parameters whose improvement to the field's best value would raise the city's total the most,
    biggest gain first (ties in catalogue order), at most `limit`.

    The best value is the one that earns full points: yes for yes/no, the option with the most points for
    a choice, for numbers the goalpost `best` if the parameter has goalposts, else the field's best value
    (highest or lowest by direction; per capita: the best value per 1,000 inhabitants, scaled to this
    city's population), rounded towards better to what an answer can hold (whole numbers for counts, six
    decimals otherwise) and kept in the parameter's allowed range. Under z-score scaling the field's best
    value earns less than full points; it is still the best anyone reached. Parameters where the city is
    already at the best value, and those whose improvement would not raise its total (weight 0), are left
    out. Computed once per run and city (one engine run per parameter) and cached.
    """
    baseline = run_baseline(edition, run)
    row = baseline.row_of(city)
    key = _cache_key("gains", run.pk, run.input_hash, city.pk)
    found = _cache_get(key)
    if found is None:
        found = _gains_compute(edition, baseline, row)
        _cache_set(key, found)
    return [
        Gain(baseline.parameters[p], value, gain, total, rank) for p, value, gain, total, rank in found[: max(limit, 0)]
    ]


def _gains_compute(edition: Edition, baseline: Baseline, row: int) -> list[tuple[int, str, float, float, int]]:
    official_total = baseline.result.total[row]
    values = baseline.values.copy()
    found = []
    for p, parameter in enumerate(baseline.parameters):
        text = best_value(baseline, row, p)
        if text is None:
            continue
        try:
            value, _typed = parse_value(edition, parameter, text)  # exactly what simulate() would use
        except ValidationError:
            logger.warning("best value %r of parameter %s is not a valid answer", text, parameter.key)
            continue
        values[row, p] = value
        result = engine.compute(baseline.structure, values, baseline.population, baseline.bonus, baseline.methodology)
        values[row, p] = baseline.values[row, p]
        gain = float(result.total[row] - official_total)
        if gain > 0:
            found.append((p, text, gain, float(result.total[row]), int(result.total_rank[row])))
    found.sort(key=lambda item: (-item[2], item[0]))
    return found


def best_value(baseline: Baseline, row: int, p: int) -> str | None:
    """The value of parameter `p` that earns the city full points, as the simulator takes it (see gains());
    None when the city already has it or nobody in the field has a value to aim at."""
    parameter = baseline.parameters[p]
    current = float(baseline.values[row, p])
    if parameter.kind == Parameter.Kind.YES_NO:
        return None if current == 1.0 else YES
    if parameter.kind == Parameter.Kind.CHOICE:
        best = max(parameter.options, key=lambda option: float(option["points"]))  # the first of equals
        return None if current >= float(best["points"]) else best["key"]

    structure = baseline.structure
    per_capita = bool(structure.param_per_capita[p])
    population = baseline.population[:, p]  # what the engine divides this parameter's values by
    scale = population / 1000.0 if per_capita else np.ones_like(population)
    scored = baseline.values[:, p] / scale  # what the engine scales: per 1,000 inhabitants if per capita
    higher = bool(structure.param_higher_is_better[p])
    if not np.isnan(structure.param_goal_best[p]):
        target = float(structure.param_goal_best[p])
    else:
        present = scored[~np.isnan(scored)]
        if not present.size:
            return None
        target = float(present.max() if higher else present.min())
    here = float(scored[row])
    if not np.isnan(here) and (here >= target if higher else here <= target):
        return None
    step = Decimal(1) if parameter.kind == Parameter.Kind.COUNT else NUMBER_STEP
    try:
        # repr() is the shortest text that reads back as the same float: 40.5 stays 40.5, not 40.50000001.
        number = Decimal(repr(target * float(scale[row]))).quantize(
            step, rounding=ROUND_CEILING if higher else ROUND_FLOOR
        )
    except InvalidOperation:  # too many digits for any answer
        return None
    if parameter.max_value is not None:
        number = min(number, parameter.max_value)
    if parameter.min_value is not None:
        number = max(number, parameter.min_value)
    if float(number) == current:
        return None
    return plain_number(number)
