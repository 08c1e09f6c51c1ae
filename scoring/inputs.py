"""What a score run reads: an edition's catalogue, cities and approved answers as engine inputs
(load_inputs), their hash, and CODE_VERSION, the fingerprint of the code that computes scores."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db.models import FloatField
from django.db.models.functions import Cast, Coalesce

from indicators import population as population_rule
from indicators.models import Answer, City, Domain, Edition, Indicator, InnovationProject, Parameter, catalogue_order
from scoring import engine
from scoring.models import CityScore, DomainScore, ScoreRun


def code_fingerprint(paths) -> str:
    """SHA-256 (first 12 hex digits) over the given source files, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


# The code that turns inputs into scores: the engine (with value_points), this loader and the population
# rule it applies. Nothing else: editing a service, a page or a docstring elsewhere must not make later runs
# "new code", nor make exported editions unverifiable on import.
SCORING_CODE = (engine.__file__, __file__, population_rule.__file__)
CODE_VERSION = code_fingerprint(SCORING_CODE)


@dataclass(frozen=True)
class EngineInputs:
    """The engine's inputs with the keys that name their rows and columns (cities by AGS, catalogue in order)."""

    city_keys: tuple[str, ...]  # AGS, stable across databases
    domain_keys: tuple[str, ...]
    indicator_keys: tuple[str, ...]
    parameter_keys: tuple[str, ...]
    structure: engine.Structure
    methodology: engine.Methodology
    values: np.ndarray  # (C, P), NaN where no approved answer
    population: np.ndarray  # (C, P): what each value is divided by if per capita (indicators.population)
    bonus: np.ndarray  # (C, D)


@dataclass(frozen=True)
class EditionInputs(EngineInputs):
    """Everything a score run depends on, as arrays in a fixed order (cities by AGS, catalogue by position)."""

    edition: Edition
    city_ids: np.ndarray  # (C,)
    domain_ids: np.ndarray  # (D,)
    indicator_ids: np.ndarray  # (I,)
    parameter_ids: np.ndarray  # (P,)
    previous_total_rank: np.ndarray  # (C,), 0 where the city was not ranked before
    previous_domain_rank: np.ndarray  # (C, D), 0 where unknown
    approved_answer_count: int

    def methodology_as_data(self) -> dict:
        """The methodology of the run as plain data: settings, weights and scaling, keyed by catalogue keys."""
        s, m = self.structure, self.methodology
        return {
            "missing_policy": m.missing_policy,
            "normalisation": m.normalisation,
            "aggregation": m.aggregation,
            "bonus_cap": float(m.bonus_cap),
            "domain_weights": dict(zip(self.domain_keys, s.domain_weight.tolist(), strict=True)),
            "indicator_weights": dict(zip(self.indicator_keys, s.indicator_weight.tolist(), strict=True)),
            "parameters": {
                key: {
                    "kind": s.param_kind[p],
                    "weight": float(s.param_weight[p]),
                    "higher_is_better": bool(s.param_higher_is_better[p]),
                    "per_capita": bool(s.param_per_capita[p]),
                    "goalposts": None
                    if np.isnan(s.param_goal_best[p])
                    else [float(s.param_goal_worst[p]), float(s.param_goal_best[p])],
                }
                for p, key in enumerate(self.parameter_keys)
            },
        }

    def input_hash(self) -> str:
        """SHA-256 over the code version, methodology, catalogue, cities, approved values and previous ranks.

        Built from keys (AGS, catalogue keys), never database ids, so an edition exported and imported
        into another database hashes the same.
        """
        digest = hashlib.sha256(CODE_VERSION.encode())
        s, m = self.structure, self.methodology
        digest.update(repr((m.missing_policy, m.normalisation, m.aggregation, float(m.bonus_cap))).encode())
        digest.update(repr((self.city_keys, self.domain_keys, self.indicator_keys, self.parameter_keys)).encode())
        digest.update(repr(s.param_kind).encode())
        for array in (
            s.param_indicator,
            s.param_weight,
            s.param_higher_is_better,
            s.param_per_capita,
            s.param_goal_worst,
            s.param_goal_best,
            s.indicator_domain,
            s.indicator_weight,
            s.domain_weight,
            self.values,
            self.population,
            self.bonus,
            self.previous_total_rank,
            self.previous_domain_rank,
        ):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


def _float_or_nan(value) -> float:
    return float("nan") if value is None else float(value)


def load_inputs(edition: Edition) -> EditionInputs:
    """Read the catalogue, the participating cities, the approved answers and the population figures of an
    edition (8 queries, whatever the number of cities, answers or figures)."""
    domains = list(Domain.objects.filter(edition=edition).order_by("position", "id"))
    indicators = list(Indicator.objects.filter(domain__edition=edition).order_by("domain__position", "position", "id"))
    parameters = list(Parameter.objects.filter(indicator__domain__edition=edition).order_by(*catalogue_order()))
    cities = list(
        City.objects.filter(participations__edition=edition).order_by("ags").values_list("id", "ags", "population")
    )
    domain_index = {d.pk: i for i, d in enumerate(domains)}
    indicator_index = {ind.pk: i for i, ind in enumerate(indicators)}
    parameter_index = {p.pk: i for i, p in enumerate(parameters)}
    city_index = {city_id: i for i, (city_id, _ags, _population) in enumerate(cities)}

    structure = engine.Structure(
        param_indicator=np.array([indicator_index[p.indicator_id] for p in parameters], dtype=np.int64),
        param_weight=np.array([float(p.weight) for p in parameters], dtype=float),
        param_kind=tuple(p.kind for p in parameters),
        param_higher_is_better=np.array([p.higher_is_better for p in parameters], dtype=bool),
        param_per_capita=np.array([p.per_capita for p in parameters], dtype=bool),
        param_goal_worst=np.array([_float_or_nan(p.goal_worst) for p in parameters], dtype=float),
        param_goal_best=np.array([_float_or_nan(p.goal_best) for p in parameters], dtype=float),
        indicator_domain=np.array([domain_index[ind.domain_id] for ind in indicators], dtype=np.int64),
        indicator_weight=np.array([float(ind.weight) for ind in indicators], dtype=float),
        domain_weight=np.array([float(d.weight) for d in domains], dtype=float),
    )
    # str(): an Edition created in this process holds TextChoices members, whose repr (hashed below) is not
    # the value's; one read from the database holds plain strings. Both must hash the same.
    methodology = engine.Methodology(
        missing_policy=str(edition.missing_policy),
        normalisation=str(edition.normalisation),
        aggregation=str(edition.aggregation),
        bonus_cap=float(edition.bonus_cap),
    )

    city_population = np.array([p for _c, _a, p in cities], dtype=float)
    values, population, count = _approved_values(edition, parameters, city_index, parameter_index, city_population)
    bonus = _bonus(edition, city_index, domain_index)
    previous_total, previous_domain = _previous_ranks(edition, domains, city_index)
    return EditionInputs(
        edition=edition,
        city_ids=np.array([c for c, _a, _p in cities], dtype=np.int64),
        city_keys=tuple(ags for _c, ags, _p in cities),
        domain_ids=np.array([d.pk for d in domains], dtype=np.int64),
        indicator_ids=np.array([ind.pk for ind in indicators], dtype=np.int64),
        parameter_ids=np.array([p.pk for p in parameters], dtype=np.int64),
        domain_keys=tuple(d.key for d in domains),
        indicator_keys=tuple(ind.key for ind in indicators),
        parameter_keys=tuple(p.key for p in parameters),
        structure=structure,
        methodology=methodology,
        values=values,
        population=population,
        bonus=bonus,
        previous_total_rank=previous_total,
        previous_domain_rank=previous_domain,
        approved_answer_count=count,
    )


def _approved_values(
    edition: Edition, parameters: list, city_index: dict, parameter_index: dict, city_population: np.ndarray
):
    """The (C, P) engine values of the approved answers (NaN where none), the (C, P) population each value is
    divided by if its parameter is per capita (the rule of indicators.population: the edition's figure as of
    the answer's Stand, an official value's Stand being its file's, else the city's population) and how many
    answers there are (2 queries: the answers, the figures)."""
    values = np.full((len(city_index), len(parameters)), np.nan)
    population = np.repeat(city_population[:, None], len(parameters), axis=1)
    kinds = {p.pk: p.kind for p in parameters}
    per_capita = {p.pk for p in parameters if p.per_capita}
    figures = population_rule.PopulationFigures([edition.pk])
    choice_points = {p.pk: p.option_points() for p in parameters if p.kind == Parameter.Kind.CHOICE}
    approved = (
        Answer.objects.filter(edition=edition, status=Answer.Status.APPROVED)
        .annotate(number=Cast("value_number", FloatField()), stand=Coalesce("as_of", "official_import__as_of"))
        .values_list("city_id", "parameter_id", "value_bool", "value_choice", "number", "stand")
    )
    count = 0
    for city_id, parameter_id, value_bool, value_choice, number, stand in approved.iterator(chunk_size=20000):
        row, col = city_index.get(city_id), parameter_index.get(parameter_id)
        if row is None or col is None:
            continue  # a city not (or no longer) participating
        value = value_bool if value_bool is not None else (value_choice or number)
        points = engine.value_points(kinds[parameter_id], value, choice_points.get(parameter_id))
        if points is not None:
            values[row, col] = points
        if parameter_id in per_capita:
            population[row, col] = figures.population(
                edition_id=edition.pk, city_id=city_id, stand=stand, fallback=int(city_population[row])
            )
        count += 1
    return values, population, count


def _bonus(edition: Edition, city_index: dict, domain_index: dict) -> np.ndarray:
    """The (C, D) innovation bonus points of the participating cities (1 query)."""
    bonus = np.zeros((len(city_index), len(domain_index)))
    for city_id, domain_id, points in InnovationProject.objects.filter(edition=edition).values_list(
        "city_id", "domain_id", "bonus_points"
    ):
        if city_id in city_index:
            bonus[city_index[city_id], domain_index[domain_id]] += float(points)
    return bonus


def _previous_ranks(edition: Edition, domains: list, city_index: dict) -> tuple[np.ndarray, np.ndarray]:
    """Total (C,) and domain (C, D) ranks in the latest earlier published run; 0 where unknown (1 or 3 queries)."""
    previous_run = (
        ScoreRun.objects.filter(is_published=True, edition__year__lt=edition.year)
        .order_by("-edition__year")
        .only("id")
        .first()
    )
    previous_total = np.zeros(len(city_index), dtype=np.int64)
    previous_domain = np.zeros((len(city_index), len(domains)), dtype=np.int64)
    if previous_run is not None:
        for city_id, rank in CityScore.objects.filter(run=previous_run).values_list("city_id", "rank"):
            if city_id in city_index:
                previous_total[city_index[city_id]] = rank
        # Domains of different editions are matched by key ("mobilitaet" in 2023 and 2024).
        domain_by_key = {d.key: i for i, d in enumerate(domains)}
        for city_id, key, rank in DomainScore.objects.filter(run=previous_run).values_list(
            "city_id", "domain__key", "rank"
        ):
            if city_id in city_index and key in domain_by_key:
                previous_domain[city_index[city_id], domain_by_key[key]] = rank
    return previous_total, previous_domain
