"""The comparison of two to four cities of a published run: totals, domains and indicators side by side
(a fixed number of queries, whatever the number of cities)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from indicators.models import City, Domain, Indicator
from public.charts import chart
from public.profile import run_domains, run_indicators
from scoring.models import CityScore, DomainScore, IndicatorScore, ScoreRun

COMPARE_MIN = 2


COMPARE_MAX = 4


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
    domains = run_domains(run)
    scores_by_city = {row.city_id: row for row in CityScore.objects.filter(run=run, city_id__in=ids)}
    domain_scores = {(row.city_id, row.domain_id): row for row in DomainScore.objects.filter(run=run, city_id__in=ids)}
    indicators = run_indicators(run)
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
