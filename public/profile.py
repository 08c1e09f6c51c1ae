"""Reads for the public city profile and the comparison of cities, with the profile's score explanations.

Every function runs a fixed number of queries, whatever the number of cities. Totals, ranks and
scores shown come from the stored, published run; the parameter-level explanations (points per
parameter, the field's best and worst value) come from re-running the engine on the edition's frozen
inputs, which reproduces the published run exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import Avg, Max
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.models import Answer, City, Domain, Edition, Indicator, InnovationProject, Parameter, catalogue_order
from public.charts import chart
from scoring import engine
from scoring.inputs import load_inputs
from scoring.models import CityScore, DomainScore, IndicatorScore, RankUncertainty, ScoreRun
from scoring.selectors import RankInterval, domain_interval, overall_interval

COMPARE_MIN = 2
COMPARE_MAX = 4
# How many indicators the profile lists as the city's strengths and as its weaknesses (at most).
STRENGTHS_SHOWN = 3


# --------------------------------------------------------------------------- shared reads


def city_history(city: City) -> list[CityScore]:
    """The city's total and rank in every public edition, oldest first (1 query); each row has
    `run.edition` loaded."""
    return list(
        CityScore.objects.filter(
            city=city,
            run__is_published=True,
            run__edition__phase__in=Edition.PUBLIC_PHASES,
        )
        .select_related("run__edition")
        .order_by("run__edition__year")
    )


def ranked_cities(run: ScoreRun) -> list[City]:
    """The cities ranked in a run (those taking part in its edition), by name (1 query)."""
    return list(City.objects.filter(pk__in=CityScore.objects.filter(run=run).values("city_id")).order_by("name", "id"))


def _domains(run: ScoreRun) -> list[Domain]:
    return list(Domain.objects.filter(edition_id=run.edition_id).order_by("position", "id"))


def _indicators(run: ScoreRun) -> list[Indicator]:
    return list(
        Indicator.objects.filter(domain__edition_id=run.edition_id).order_by("domain__position", "position", "id")
    )


# --------------------------------------------------------------------------- number formats


def _decimal(value: float, places: int) -> str:
    """A number in the active language with exactly `places` decimals ("0,62" / "0.62")."""
    return number_format(round(float(value), places), decimal_pos=places)


def _plain(value: float) -> str:
    """A measured value without trailing zeros: two decimals ("12,5", "3"), three significant digits
    below 1 ("0,0049"), so small per-capita values do not all read 0."""
    value = float(value)
    places = 2 if value == 0 else max(2, 2 - math.floor(math.log10(abs(value))))
    return number_format(Decimal(str(round(value, places))).normalize())


def _score(value: float) -> str:
    return floatformat(value, 1)


def _short_score(value: float) -> str:
    """A score without a needless ".0": 100, 0, 71,4."""
    return floatformat(value, -1)


def _points(value: float) -> str:
    return _decimal(value, 2)


def _names(names: list[str]) -> str:
    """One city's name, or "Bochum und 2 weitere" when several cities share the value."""
    if len(names) == 1:
        return names[0]
    others = len(names) - 1
    return ngettext("%(name)s und %(count)d weitere", "%(name)s und %(count)d weitere", others) % {
        "name": names[0],
        "count": others,
    }


# --------------------------------------------------------------------------- the city profile


@dataclass
class ParameterRow:
    parameter: Parameter
    answer: Answer | None
    points: float | None  # 0..1 after the missing-data policy; None where it is excluded
    explanation: list[str]
    show_weight: bool = False


@dataclass
class IndicatorRow:
    indicator: Indicator
    domain: Domain
    score: IndicatorScore
    anchor: str
    explanation: str
    parameters: list[ParameterRow] = field(default_factory=list)


@dataclass
class DomainRow:
    domain: Domain
    score: DomainScore
    average: float
    best: float
    trend: int | None
    anchor: str
    explanation: str
    indicators: list[IndicatorRow] = field(default_factory=list)
    interval: RankInterval | None = None  # the domain rank's 5–95 % interval; None without an analysis


@dataclass
class CityProfile:
    city: City
    edition: Edition
    run: ScoreRun
    score: CityScore
    history: list[CityScore]
    domains: list[DomainRow]
    strongest: list[IndicatorRow]
    weakest: list[IndicatorRow]
    projects: list[InnovationProject]
    other_cities: list[City]
    total_explanation: str
    missing_policy: str
    charts: dict[str, dict]
    # The robustness analysis of the run: the overall rank's 5–95 % interval (None while not computed) and
    # the cities whose intervals overlap it, nearest official rank first.
    interval: RankInterval | None = None
    indistinguishable: list[City] = field(default_factory=list)


def city_profile(*, city: City, run: ScoreRun, history: list[CityScore]) -> CityProfile | None:
    """Everything the city page shows for one published run; None when the city is not ranked in it.

    `history` is city_history(city). Runs 10 queries plus load_inputs() (7, or 9 when an earlier
    edition was published), whatever the number of cities.
    """
    score = next((row for row in history if row.run_id == run.pk), None)
    if score is None:
        return None
    edition = score.run.edition
    methodology = run.methodology
    domains = _domains(run)
    field_stats = {
        row["domain_id"]: row
        for row in DomainScore.objects.filter(run=run).values("domain_id").annotate(avg=Avg("score"), best=Max("score"))
    }
    domain_scores = {row.domain_id: row for row in DomainScore.objects.filter(run=run, city=city)}
    indicators = _indicators(run)
    indicator_scores = {row.indicator_id: row for row in IndicatorScore.objects.filter(run=run, city=city)}
    parameters = list(
        Parameter.objects.filter(indicator__domain__edition_id=run.edition_id).order_by(*catalogue_order())
    )
    parameters_by_pk = {parameter.pk: parameter for parameter in parameters}
    answers = {}
    for answer in Answer.objects.filter(edition_id=run.edition_id, city=city, status=Answer.Status.APPROVED):
        answer.parameter = parameters_by_pk[answer.parameter_id]  # formats its value without another query
        answers[answer.parameter_id] = answer
    projects = list(
        InnovationProject.objects.filter(edition_id=run.edition_id, city=city)
        .select_related("domain")
        .order_by("domain__position", "title")
    )
    cities = ranked_cities(run)
    uncertainty = RankUncertainty.objects.filter(analysis__run=run, city=city).first()
    field_data = _FieldData(edition, {c.pk: c.name for c in cities}, city.pk, methodology)

    parameters_by_indicator: dict[int, list[Parameter]] = {}
    for parameter in parameters:
        parameters_by_indicator.setdefault(parameter.indicator_id, []).append(parameter)
    domain_rows: dict[int, DomainRow] = {}
    for domain in domains:
        stored = domain_scores[domain.pk]
        stats = field_stats[domain.pk]
        domain_rows[domain.pk] = DomainRow(
            domain=domain,
            score=stored,
            average=stats["avg"],
            best=stats["best"],
            trend=stored.trend,
            anchor=f"bereich-{domain.key}",
            explanation="",
            interval=domain_interval(uncertainty, domain.key),
        )
    indicator_rows = []
    for indicator in indicators:
        domain_row = domain_rows[indicator.domain_id]
        stored = indicator_scores[indicator.pk]
        own_parameters = parameters_by_indicator.get(indicator.pk, [])
        weights_differ = len({p.weight for p in own_parameters}) > 1
        row = IndicatorRow(
            indicator=indicator,
            domain=domain_row.domain,
            score=stored,
            anchor=f"indikator-{domain_row.domain.key}-{indicator.key}",
            explanation=field_data.explain_indicator(indicator, stored),
            parameters=[
                ParameterRow(
                    parameter=parameter,
                    answer=answers.get(parameter.pk),
                    points=field_data.points(parameter),
                    explanation=field_data.explain_parameter(parameter, answers.get(parameter.pk)),
                    show_weight=weights_differ,
                )
                for parameter in own_parameters
            ],
        )
        domain_row.indicators.append(row)
        indicator_rows.append(row)
    for domain_row in domain_rows.values():
        domain_row.explanation = _explain_domain(domain_row, methodology)

    ranked = sorted(
        (row for row in indicator_rows if row.score.score is not None),
        key=lambda row: (-row.score.score, row.indicator.name),
    )
    shown = min(STRENGTHS_SHOWN, len(ranked) // 2)  # never list one indicator as both strength and weakness
    strongest = ranked[:shown]
    weakest = sorted(ranked[len(ranked) - shown :], key=lambda row: (row.score.score, row.indicator.name))

    domain_list = list(domain_rows.values())
    cities_by_pk = {c.pk: c for c in cities}
    neighbours = [] if uncertainty is None else uncertainty.indistinguishable
    return CityProfile(
        city=city,
        edition=edition,
        run=run,
        score=score,
        history=history,
        domains=domain_list,
        strongest=strongest,
        weakest=weakest,
        projects=projects,
        other_cities=[c for c in cities if c.pk != city.pk],
        total_explanation=_explain_total(score, len(domain_list), methodology),
        missing_policy=methodology.get("missing_policy", Edition.MissingPolicy.WORST),
        charts=_profile_charts(city, domain_list, history),
        interval=overall_interval(uncertainty),
        indistinguishable=[cities_by_pk[pk] for pk in neighbours if pk in cities_by_pk and pk != city.pk],
    )


def _profile_charts(city: City, domains: list[DomainRow], history: list[CityScore]) -> dict[str, dict]:
    labels = [row.domain.name for row in domains]
    years = [str(row.run.edition.year) for row in history]
    return {
        "domains": chart(
            chart_id="domains",
            kind="bar",
            title=_("Themenbereiche: %(city)s im Vergleich mit dem Feld") % {"city": city.name},
            labels=labels,
            label_heading=_("Themenbereich"),
            datasets=[
                {"label": city.name, "data": [row.score.score for row in domains]},
                {"label": _("Durchschnitt aller Städte"), "data": [row.average for row in domains]},
                {"label": _("Beste Stadt"), "data": [row.best for row in domains]},
            ],
            max_value=100,
        ),
        "history": chart(
            chart_id="history",
            kind="line",
            title=_("Rang in allen veröffentlichten Ausgaben"),
            labels=years,
            label_heading=_("Jahr"),
            datasets=[{"label": _("Rang"), "data": [row.rank for row in history]}],
            value_format="rank",
            reverse_y=True,
        ),
        "history_total": chart(
            chart_id="history-total",
            kind="line",
            title=_("Gesamtwert in allen veröffentlichten Ausgaben"),
            labels=years,
            label_heading=_("Jahr"),
            datasets=[{"label": _("Gesamtwert"), "data": [row.total for row in history]}],
            max_value=100,
        ),
    }


def _explain_total(score: CityScore, domain_count: int, methodology: dict) -> str:
    if methodology.get("aggregation") == Edition.Aggregation.GEOMETRIC:
        text = _("Der Gesamtwert (%(total)s) ist das gewichtete geometrische Mittel der %(count)d Themenbereiche.")
    else:
        text = _("Der Gesamtwert (%(total)s) ist das gewichtete Mittel der %(count)d Themenbereiche.")
    return text % {"total": _score(score.total), "count": domain_count}


def _explain_domain(row: DomainRow, methodology: dict) -> str:
    """The domain score as the weighted mean of its indicator scores plus the capped innovation bonus."""
    weights = methodology.get("indicator_weights", {})
    scored = [(ind.score.score, weights.get(ind.indicator.key, 1.0)) for ind in row.indicators]
    scored = [(value, weight) for value, weight in scored if value is not None and weight > 0]
    total_weight = sum(weight for _value, weight in scored)
    mean = sum(value * weight for value, weight in scored) / total_weight if total_weight else 0.0
    bonus = row.score.bonus
    if not bonus:
        return _("Der Wert des Themenbereichs (%(score)s) ist das gewichtete Mittel seiner Indikatorwerte.") % {
            "score": _score(row.score.score)
        }
    if mean + bonus > 100:
        text = _(
            "Mittel der Indikatorwerte %(mean)s plus Innovationsbonus %(bonus)s, höchstens 100: "
            "Wert des Themenbereichs %(score)s."
        )
    else:
        text = _("Mittel der Indikatorwerte %(mean)s plus Innovationsbonus %(bonus)s ergibt %(score)s.")
    return text % {"mean": _score(mean), "bonus": _score(bonus), "score": _score(row.score.score)}


class _FieldData:
    """The edition's frozen inputs and the engine's result on them, for explaining one city's points."""

    def __init__(self, edition: Edition, city_names: dict[int, str], city_id: int, methodology: dict):
        self.inputs = inputs = load_inputs(edition)
        self.result = engine.compute(
            inputs.structure, inputs.values, inputs.population, inputs.bonus, inputs.methodology
        )
        self.names = [city_names.get(city_pk, "?") for city_pk in inputs.city_ids.tolist()]
        self.row = inputs.city_ids.tolist().index(city_id)
        self.parameter_col = {pk: index for index, pk in enumerate(inputs.parameter_ids.tolist())}
        self.indicator_col = {pk: index for index, pk in enumerate(inputs.indicator_ids.tolist())}
        self.policy = methodology.get("missing_policy", inputs.methodology.missing_policy)
        self.normalisation = methodology.get("normalisation", inputs.methodology.normalisation)

    def _cities_at(self, column: np.ndarray, value: float) -> str:
        return _names(sorted(self.names[index] for index in np.flatnonzero(column == value)))

    def points(self, parameter: Parameter) -> float | None:
        value = self.result.parameter_points[self.row, self.parameter_col[parameter.pk]]
        return None if math.isnan(value) else float(value)

    def explain_indicator(self, indicator: Indicator, stored: IndicatorScore) -> str:
        column = self.result.indicator_score[:, self.indicator_col[indicator.pk]]
        raw_column = self.result.indicator_raw[:, self.indicator_col[indicator.pk]]
        if stored.score is None:
            return _(
                "Diese Stadt hat hier keine freigegebenen Daten; nach der Regel dieser Ausgabe zählt der "
                "Indikator für sie nicht."
            )
        present = raw_column[~np.isnan(raw_column)]
        values = {"raw": _points(stored.raw), "score": _score(stored.score)}
        if self.normalisation == Edition.Normalisation.TARGET:
            return _("Der Wert ist 100 × Rohwert: der Rohwert dieser Stadt (%(raw)s) ergibt %(score)s Punkte.") % values
        if present.min() == present.max():
            return (
                _("Alle Städte haben denselben Rohwert (%(raw)s); der Wert ist dann 100 × Rohwert = %(score)s Punkte.")
                % values
            )
        scores = column[~np.isnan(column)]
        best, worst = scores.max(), scores.min()
        return _(
            "Beste Stadt: %(best)s = %(best_score)s, schwächste Stadt: %(worst)s = %(worst_score)s; "
            "der Rohwert dieser Stadt (%(raw)s) ergibt %(score)s Punkte."
        ) % {
            **values,
            "best": self._cities_at(column, best),
            "best_score": _short_score(best),
            "worst": self._cities_at(column, worst),
            "worst_score": _short_score(worst),
        }

    def explain_parameter(self, parameter: Parameter, answer: Answer | None) -> list[str]:
        """Sentences: how the parameter turns answers into points, then what this city got."""
        col = self.parameter_col[parameter.pk]
        if parameter.kind == Parameter.Kind.YES_NO:
            rule = _("„Ja“ ergibt 1 Punkt, „Nein“ 0 Punkte.")
        elif parameter.kind == Parameter.Kind.CHOICE:
            options = ", ".join(
                f"{parameter.option_label(option['key'])} = {_plain(option['points'])}" for option in parameter.options
            )
            rule = _("Punkte je Antwort: %(options)s.") % {"options": options}
        else:
            rule = self._numeric_rule(parameter, col)
        return [rule, self._city_sentence(parameter, answer, col)]

    def _scaled(self, parameter: Parameter, col: int) -> np.ndarray:
        """The field's values of a numeric parameter in its scored unit (per 1,000 inhabitants if per capita)."""
        values = self.inputs.values[:, col]
        if parameter.per_capita:
            return values / (self.inputs.population / 1000.0)
        return values

    def _with_unit(self, parameter: Parameter, value: float) -> str:
        if parameter.per_capita:
            return _("%(value)s %(unit)s je 1.000 Einwohner") % {"value": _plain(value), "unit": parameter.unit}
        return f"{_plain(value)} {parameter.unit}".strip()

    def _numeric_rule(self, parameter: Parameter, col: int) -> str:
        x = self._scaled(parameter, col)
        present = x[~np.isnan(x)]
        direction = "" if parameter.higher_is_better else " " + _("Niedrigere Werte sind besser.")
        if parameter.goal_best is not None and self.normalisation != Edition.Normalisation.TARGET:
            return (
                _("Feste Zielwerte: %(worst)s = 0 Punkte, %(best)s = 1 Punkt, dazwischen linear.")
                % {
                    "worst": self._with_unit(parameter, float(parameter.goal_worst)),
                    "best": self._with_unit(parameter, float(parameter.goal_best)),
                }
                + direction
            )
        if present.size == 0:
            return _("Keine Stadt hat hier einen freigegebenen Wert.")
        best = present.max() if parameter.higher_is_better else present.min()
        worst = present.min() if parameter.higher_is_better else present.max()
        if self.normalisation == Edition.Normalisation.TARGET:
            target = float(parameter.goal_best) if parameter.goal_best is not None else best
            return (
                _("Ziel: %(target)s = 1 Punkt; weniger erreichte Werte erhalten den Anteil am Ziel.")
                % {"target": self._with_unit(parameter, target)}
                + direction
            )
        if best == worst:
            return _("Alle Städte mit Angabe haben denselben Wert (%(value)s); jede erhält 1 Punkt.") % {
                "value": self._with_unit(parameter, best)
            }
        if self.normalisation == Edition.Normalisation.ZSCORE:
            return (
                _(
                    "Punkte nach dem Abstand zum Mittelwert des Feldes (%(mean)s): der Mittelwert ergibt 0,5 Punkte, "
                    "drei Standardabweichungen besser 1 Punkt, drei schlechter 0 Punkte."
                )
                % {"mean": self._with_unit(parameter, float(present.mean()))}
                + direction
            )
        return (
            _(
                "Bester Wert im Feld: %(best)s (%(best_city)s) = 1 Punkt; schwächster Wert: %(worst)s "
                "(%(worst_city)s) = 0 Punkte; dazwischen linear."
            )
            % {
                "best": self._with_unit(parameter, best),
                "best_city": self._cities_at(x, best),
                "worst": self._with_unit(parameter, worst),
                "worst_city": self._cities_at(x, worst),
            }
            + direction
        )

    def _city_sentence(self, parameter: Parameter, answer: Answer | None, col: int) -> str:
        points = self.points(parameter)
        if answer is None or not answer.has_value:
            if self.policy == Edition.MissingPolicy.EXCLUDE:
                return _(
                    "Keine freigegebene Antwort: nach der Regel dieser Ausgabe bleibt der Parameter unberücksichtigt, "
                    "die übrigen Parameter des Indikators werden neu gewichtet."
                )
            if self.policy == Edition.MissingPolicy.MEAN:
                return _(
                    "Keine freigegebene Antwort: nach der Regel dieser Ausgabe zählt der Mittelwert des Feldes "
                    "(%(points)s Punkte)."
                ) % {"points": _points(points or 0.0)}
            return _(
                "Keine freigegebene Antwort: nach der Regel dieser Ausgabe zählt sie als schlechtester Wert (0 Punkte)."
            )
        if parameter.per_capita:
            return _("Antwort dieser Stadt: %(value)s (%(scaled)s) ergibt %(points)s Punkte.") % {
                "value": answer.display_value,
                "scaled": self._with_unit(parameter, float(self._scaled(parameter, col)[self.row])),
                "points": _points(points),
            }
        return _("Antwort dieser Stadt: %(value)s ergibt %(points)s Punkte.") % {
            "value": answer.display_value,
            "points": _points(points),
        }


# --------------------------------------------------------------------------- the comparison


@dataclass
class Cell:
    value: float | None
    rank: int | None = None
    is_best: bool = False
    behind: float | None = None  # how far below the best of the compared cities (positive), for the others


@dataclass
class CompareRow:
    label: str
    cells: list[Cell]
    indicator: Indicator | None = None
    is_summary: bool = False


@dataclass
class CompareGroup:
    domain: Domain
    summary: CompareRow
    rows: list[CompareRow]  # the domain's summary row first, then its indicators


@dataclass
class Comparison:
    cities: list[City]
    scores: list[CityScore]
    totals: CompareRow
    groups: list[CompareGroup]
    chart: dict


def _cells(values: list[float | None], ranks: list[int | None]) -> list[Cell]:
    """Cells of one row; the highest value is marked best (all of them on a tie) unless all are equal."""
    present = [value for value in values if value is not None]
    best = max(present) if present else None
    differ = len(set(present)) > 1 or len(present) < len(values)
    cells = []
    for value, rank in zip(values, ranks, strict=True):
        is_best = differ and value is not None and value == best
        behind = best - value if differ and value is not None and not is_best else None
        cells.append(Cell(value=value, rank=rank, is_best=is_best, behind=behind))
    return cells


def comparison(*, run: ScoreRun, cities: list[City]) -> Comparison:
    """Totals, domains and every indicator of the given cities side by side (5 queries), in their order."""
    ids = [city.pk for city in cities]
    domains = _domains(run)
    scores_by_city = {row.city_id: row for row in CityScore.objects.filter(run=run, city_id__in=ids)}
    domain_scores = {(row.city_id, row.domain_id): row for row in DomainScore.objects.filter(run=run, city_id__in=ids)}
    indicators = _indicators(run)
    indicator_scores = {
        (row.city_id, row.indicator_id): row for row in IndicatorScore.objects.filter(run=run, city_id__in=ids)
    }
    scores = [scores_by_city[pk] for pk in ids]
    totals = CompareRow(
        label=_("Gesamtwert"), cells=_cells([row.total for row in scores], [row.rank for row in scores])
    )
    groups = []
    for domain in domains:
        own = [domain_scores[(pk, domain.pk)] for pk in ids]
        rows = []
        for indicator in (ind for ind in indicators if ind.domain_id == domain.pk):
            stored = [indicator_scores[(pk, indicator.pk)] for pk in ids]
            rows.append(
                CompareRow(
                    label=indicator.name,
                    indicator=indicator,
                    cells=_cells([row.score for row in stored], [row.rank for row in stored]),
                )
            )
        summary = CompareRow(
            label=domain.name, cells=_cells([row.score for row in own], [row.rank for row in own]), is_summary=True
        )
        groups.append(CompareGroup(domain=domain, summary=summary, rows=[summary, *rows]))
    domain_chart = chart(
        chart_id="compare-domains",
        kind="bar",
        title=_("Themenbereiche im Vergleich"),
        labels=[group.domain.name for group in groups],
        label_heading=_("Themenbereich"),
        datasets=[
            {"label": city.name, "data": [group.summary.cells[index].value for group in groups]}
            for index, city in enumerate(cities)
        ],
        max_value=100,
    )
    return Comparison(cities=cities, scores=scores, totals=totals, groups=groups, chart=domain_chart)
