"""Reads for the public city profile, with the profile's score explanations (public.explain).

Every function runs a fixed number of queries, whatever the number of cities. Totals, ranks and
scores shown come from the stored, published run; the parameter-level explanations (points per
parameter, the field's best and worst value) come from the engine's result on the edition's frozen
inputs, which reproduces the published run exactly: computed once per run and cached (the simulator's
baseline, public.simulator.run_baseline), not per page."""

from __future__ import annotations

import datetime
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from indicators.models import Answer, City, Domain, Edition, Indicator, InnovationProject, Parameter, public_provenance
from public.charts import chart
from public.explain import FieldData, FieldStats, score_text
from public.opendata import PUBLIC_ANSWER_COLUMNS
from public.simulator import Baseline, run_baseline
from scoring.models import CityScore, DomainScore, IndicatorScore, RankUncertainty, ScoreRun
from scoring.selectors import RankInterval, domain_interval, overall_interval

# How many indicators the profile lists as the city's strengths and as its weaknesses (at most).
STRENGTHS_SHOWN = 3


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


def city_history_of(slug: str) -> list[CityScore]:
    """city_history of the city with this slug, each row with `city` loaded too (1 query); [] for an unknown
    city and one never ranked in a public edition (the profile's 404 either way)."""
    return list(
        CityScore.objects.filter(
            city__slug=slug,
            run__is_published=True,
            run__edition__phase__in=Edition.PUBLIC_PHASES,
        )
        .select_related("city", "run__edition")
        .order_by("run__edition__year")
    )


class CityLink(NamedTuple):
    """A city as the profile names and links it (the 81 other cities of the comparison's choice)."""

    pk: int
    name: str
    slug: str


def _ranked_in(run: ScoreRun):
    """The cities ranked in a run (those taking part in its edition), by name."""
    return City.objects.filter(pk__in=CityScore.objects.filter(run=run).values("city_id")).order_by("name", "id")


def ranked_city_links(run: ScoreRun) -> list[CityLink]:
    """The cities ranked in a run as plain rows (1 query): the profile names and links 81 other cities and reads
    nothing else of them."""
    return [CityLink(*row) for row in _ranked_in(run).values_list("pk", "name", "slug")]


def ranked_cities(run: ScoreRun) -> list[City]:
    """The cities ranked in a run, by name (1 query)."""
    return list(_ranked_in(run))


def run_domains(run: ScoreRun) -> list[Domain]:
    return list(Domain.objects.filter(edition_id=run.edition_id).order_by("position", "id"))


def run_indicators(run: ScoreRun) -> list[Indicator]:
    return list(
        Indicator.objects.filter(domain__edition_id=run.edition_id).order_by("domain__position", "position", "id")
    )


@dataclass(slots=True)
class PublicAnswer:
    """An approved answer as the profile shows it, read as a plain row (PUBLIC_ANSWER_COLUMNS): a profile reads
    162 answers per page and needs no model instance of them. Its value, display value and provenance are the
    model's own rules (Answer's properties and public_provenance) over these columns."""

    parameter: Parameter
    value_bool: bool | None
    value_choice: str
    value_number: Decimal | None
    evidence_url: str
    as_of: datetime.date | None
    source_kind: str
    official_source_name: str | None  # the official import's, None without one
    official_file_name: str | None
    official_as_of: datetime.date | None

    has_value = Answer.has_value
    value = Answer.value
    display_value = Answer.display_value

    @property
    def public_provenance(self) -> tuple[str, str | None, object]:
        return public_provenance(
            source_kind=self.source_kind,
            evidence_url=self.evidence_url,
            official_source=self.official_source_name or "",
            official_file=self.official_file_name or "",
            as_of=self.as_of,
            official_as_of=self.official_as_of,
        )


@dataclass
class ParameterRow:
    parameter: Parameter
    answer: PublicAnswer | None
    points: float | None  # 0..1 after the missing-data policy; None where it is excluded
    explanation: list[str]
    show_weight: bool = False
    stale: bool = False  # its Stand is older than the edition's reference date allows (Edition.is_stale_stand)
    source_label: str = ""  # the answer's get_source_kind_display(), translated once per page, not per row
    stand: object = None  # the date the value refers to (an imported value without its own: its file's Stand)
    official_source: str = ""  # an imported value's official source and file ("Bundesnetzagentur, … (…)")
    display_value: str = ""  # the answer's display_value, formatted once (the explanation says it too)

    @classmethod
    def of(cls, parameter: Parameter, answer: PublicAnswer | None, *, is_stale: Callable, source_labels: dict, **row):
        """The row with what the page shows of the answer's provenance (public_provenance, read once); `is_stale`:
        the edition's is_stale_stand (remembered per Stand for the page: most answers share a few)."""
        if answer is None:
            return cls(parameter=parameter, answer=None, **row)
        _kind, source, stand = answer.public_provenance
        official = answer.source_kind == Parameter.CollectionMode.OFFICIAL
        return cls(
            parameter=parameter,
            answer=answer,
            stale=is_stale(stand),
            source_label=source_labels.get(answer.source_kind, ""),
            stand=stand,
            official_source=(source or "") if official else "",
            **row,
        )


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
    other_cities: list[CityLink]
    total_explanation: str
    missing_policy: str
    charts: dict[str, dict]
    # The robustness analysis of the run: the overall rank's 5–95 % interval (None while not computed) and
    # the cities whose intervals overlap it, nearest official rank first.
    interval: RankInterval | None = None
    indistinguishable: list[CityLink] = field(default_factory=list)


class _Baselines:
    """The baselines of the runs this process showed profiles of (public.simulator.run_baseline's), by run,
    input hash and time of publishing: a published run never changes (a re-publish is a new time), so a profile
    neither fetches nor unpickles the run's inputs and engine result on every page. A few runs, most recent."""

    KEPT = 4

    def __init__(self):
        self.entries: OrderedDict[tuple, tuple[Baseline, FieldStats]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, edition: Edition, run: ScoreRun) -> tuple[Baseline, FieldStats]:
        """The run's baseline and what the explanations say of its field (FieldStats: per run, not per page)."""
        key = (run.pk, run.input_hash, run.published_at)
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                return entry
        baseline = run_baseline(edition, run)
        entry = (baseline, FieldStats.of(baseline))
        with self.lock:
            self.entries[key] = entry
            while len(self.entries) > self.KEPT:
                self.entries.popitem(last=False)
        return entry


_run_baseline = _Baselines().get


def city_profile(*, city: City, history: list[CityScore], year: int) -> CityProfile | None:
    """Everything the city page shows for its published run of `year`; None when the city is not ranked in it
    (an unknown year, an edition not public or without a published run: `history` holds none of those).

    `history` is city_history(city) (or city_history_of, which loads the city with it): its row of the year
    names the run and the edition, so they cost no query. Runs 6 queries whatever the number of cities and
    parameters: the city's own domain and indicator scores, approved answers and projects, the ranked cities
    (their names), its rank uncertainty. The catalogue and the field (each domain's average and best, the
    parameters' best and worst values) come from the run's baseline (public.simulator.run_baseline: cached
    per run; the first time for a run load_inputs() and 3 more).

    Long: it assembles the page's rows from a fixed set of reads (pinned query count); the explanations
    are public.explain's.
    """
    score = next((row for row in history if row.run.edition.year == year), None)
    if score is None:
        return None
    run = score.run
    edition = run.edition
    methodology = run.methodology
    baseline, stats = _run_baseline(edition, run)
    domains, indicators, parameters = baseline.domains, baseline.indicators, baseline.parameters
    domain_scores = {row.domain_id: row for row in DomainScore.objects.filter(run=run, city=city)}
    indicator_scores = {row.indicator_id: row for row in IndicatorScore.objects.filter(run=run, city=city)}
    parameters_by_pk = {parameter.pk: parameter for parameter in parameters}
    answers = {
        row[0]: PublicAnswer(parameters_by_pk[row[0]], *row[1:])
        for row in Answer.objects.filter(
            edition_id=run.edition_id, city=city, status=Answer.Status.APPROVED
        ).values_list("parameter_id", *PUBLIC_ANSWER_COLUMNS)
    }
    projects = list(
        InnovationProject.objects.filter(edition_id=run.edition_id, city=city)
        .select_related("domain")
        .order_by("domain__position", "title")
    )
    cities = ranked_city_links(run)
    uncertainty = RankUncertainty.objects.filter(analysis__run=run, city=city).first()
    field_data = FieldData(baseline, {c.pk: c.name for c in cities}, city.pk, methodology, stats)
    # The field's average and best per domain: the engine's domain scores of every city, as stored in the run.
    field_scores = baseline.result.domain_score
    field_stats = {
        domain.pk: {"avg": float(field_scores[:, index].mean()), "best": float(field_scores[:, index].max())}
        for index, domain in enumerate(domains)
    }

    is_stale = functools.cache(edition.is_stale_stand)
    source_labels = {key: str(label) for key, label in Answer._meta.get_field("source_kind").flatchoices}

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
            parameters=[],
        )
        for parameter in own_parameters:
            answer = answers.get(parameter.pk)
            display_value = answer.display_value if answer is not None else ""
            row.parameters.append(
                ParameterRow.of(
                    parameter,
                    answer,
                    is_stale=is_stale,
                    source_labels=source_labels,
                    points=field_data.points(parameter),
                    explanation=field_data.explain_parameter(parameter, answer, display_value),
                    show_weight=weights_differ,
                    display_value=display_value,
                )
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
    return text % {"total": score_text(score.total), "count": domain_count}


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
            "score": score_text(row.score.score)
        }
    if mean + bonus > 100:
        text = _(
            "Mittel der Indikatorwerte %(mean)s plus Innovationsbonus %(bonus)s, höchstens 100: "
            "Wert des Themenbereichs %(score)s."
        )
    else:
        text = _("Mittel der Indikatorwerte %(mean)s plus Innovationsbonus %(bonus)s ergibt %(score)s.")
    return text % {"mean": score_text(mean), "bonus": score_text(bonus), "score": score_text(row.score.score)}
