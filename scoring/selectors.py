"""Reads of published results (a fixed number of queries each): the runs and editions the public may see, a
run's ranking, a city's scores, rank intervals, an indicator's ranking, the approved answers behind a run."""

from dataclasses import dataclass

from indicators.models import Answer, City, Domain, Edition, Indicator, catalogue_order
from scoring.models import CityScore, DomainScore, IndicatorScore, RankUncertainty, ScoreRun, UncertaintyAnalysis


@dataclass(frozen=True)
class RankInterval:
    """Where a city's rank plausibly lies (the robustness analysis): the median rank over all draws and the
    5–95 % interval, `low` the best plausible rank (5th percentile), `high` the worst (95th)."""

    median: float
    low: int
    high: int


def overall_interval(uncertainty: RankUncertainty | None) -> RankInterval | None:
    """A city's overall interval; None without an analysis."""
    if uncertainty is None:
        return None
    return RankInterval(float(uncertainty.median_rank), uncertainty.rank_low, uncertainty.rank_high)


def domain_interval(uncertainty: RankUncertainty | None, key: str) -> RankInterval | None:
    """A city's interval in the domain `key` (domain_ranks holds [median, low, high]); None without one."""
    if uncertainty is None or key not in uncertainty.domain_ranks:
        return None
    median, low, high = uncertainty.domain_ranks[key]
    return RankInterval(float(median), int(low), int(high))


def rank_uncertainties(run: ScoreRun, *, with_cities: bool = False) -> dict[int, RankUncertainty]:
    """city id -> the city's RankUncertainty in the run's robustness analysis, with its city when asked;
    empty while no analysis is computed (1 query, any number of cities)."""
    rows = RankUncertainty.objects.filter(analysis__run=run)
    if with_cities:
        rows = rows.select_related("city")
    return {row.city_id: row for row in rows}


def uncertainty_analysis(run: ScoreRun) -> UncertaintyAnalysis | None:
    """The run's robustness analysis; None while it is not computed (1 query)."""
    return UncertaintyAnalysis.objects.filter(run=run).first()


@dataclass(frozen=True)
class RankingRow:
    """One city in a ranking as shown: by total, or by one domain (then rank, trend and interval are the
    domain's)."""

    city: City
    rank: int
    trend: int | None  # previous rank − rank; None for a city new to the index
    total: float
    domain_scores: list[DomainScore | None]  # in the domains' order
    interval: RankInterval | None = None  # None while no robustness analysis is computed


@dataclass(frozen=True)
class IndicatorRow:
    city: City
    rank: int
    score: float | None
    raw_percent: float | None  # the raw value (share of the points reached, 0..1) in percent
    raw: float | None = None  # the raw value as stored (0..1)


def public_editions():
    return Edition.objects.public().order_by("-year")


def published_editions():
    """Public editions that have a published run: the only ones the public API shows (no query until used)."""
    return public_editions().filter(score_runs__is_published=True)


def published_runs():
    """The published runs of public editions with their edition, newest edition first (no query until used)."""
    return (
        ScoreRun.objects.filter(is_published=True, edition__phase__in=Edition.PUBLIC_PHASES)
        .select_related("edition")
        .order_by("-edition__year")
    )


def ranked_cities():
    """Cities ranked in at least one published run of a public edition (no query until used)."""
    return City.objects.filter(pk__in=CityScore.objects.filter(run__in=published_runs()).values("city_id"))


def city_scores(run: ScoreRun, city: City) -> tuple[list[DomainScore], list[IndicatorScore]]:
    """A city's domain scores (with their domain) and indicator scores (with indicator and domain) in a run,
    in catalogue order (2 queries, any number of cities)."""
    domains = list(
        DomainScore.objects.filter(run=run, city=city)
        .select_related("domain")
        .order_by("domain__position", "domain_id")
    )
    indicators = list(
        IndicatorScore.objects.filter(run=run, city=city)
        .select_related("indicator__domain")
        .order_by("indicator__domain__position", "indicator__domain_id", "indicator__position", "indicator_id")
    )
    return domains, indicators


def published_run(edition: Edition) -> ScoreRun | None:
    return ScoreRun.objects.filter(edition=edition, is_published=True).first()


def published(year: int | None = None) -> tuple[Edition | None, ScoreRun | None, list[Edition]]:
    """(edition, its published run, all public editions newest first) for `year`, or the newest when
    year is None (2 queries). (None, None, editions) when that year is not public or has no published run:
    the views answer 404, so an unpublished edition is indistinguishable from a missing one."""
    editions = list(public_editions())
    if year is None:
        edition = editions[0] if editions else None
    else:
        edition = next((e for e in editions if e.year == year), None)
    run = published_run(edition) if edition is not None else None
    if run is None:
        return None, None, editions
    return edition, run, editions


def ranking(run: ScoreRun) -> tuple[list[Domain], list[CityScore]]:
    """Domains in order and every city's total with its domain scores (4 queries, any number of cities).

    Each row gets `domain_list`: its DomainScore per domain, in the domains' order, and `uncertainty`: its
    RankUncertainty in the run's robustness analysis (None while none is computed).
    """
    domains = list(Domain.objects.filter(edition_id=run.edition_id).order_by("position", "id"))
    rows = list(CityScore.objects.filter(run=run).select_related("city").order_by("rank", "city__name"))
    by_city: dict[int, dict[int, DomainScore]] = {}
    for score in DomainScore.objects.filter(run=run):
        by_city.setdefault(score.city_id, {})[score.domain_id] = score
    uncertainties = rank_uncertainties(run)
    for row in rows:
        row.domain_list = [by_city.get(row.city_id, {}).get(d.pk) for d in domains]
        row.uncertainty = uncertainties.get(row.city_id)
    return domains, rows


def ranking_rows(domains: list[Domain], scores: list[CityScore], *, by: Domain | None = None) -> list[RankingRow]:
    """The rows of `ranking()` as shown: by total rank, or with `by` ordered by that domain's rank (ties by
    name) and showing its rank, trend and interval. A city without a score in that domain comes last."""
    rows = [
        RankingRow(
            city=s.city,
            rank=s.rank,
            trend=s.trend,
            total=s.total,
            domain_scores=s.domain_list,
            interval=domain_interval(s.uncertainty, by.key) if by is not None else overall_interval(s.uncertainty),
        )
        for s in scores
    ]
    if by is None:
        return rows
    index = next(i for i, domain in enumerate(domains) if domain.pk == by.pk)
    shown = []
    for row in rows:
        score = row.domain_scores[index]
        if score is None:
            shown.append((1, 0, row))
            continue
        shown.append(
            (0, score.rank, RankingRow(row.city, score.rank, score.trend, row.total, row.domain_scores, row.interval))
        )
    shown.sort(key=lambda item: (item[0], item[1], item[2].city.name))
    return [row for _missing, _rank, row in shown]


def catalogue(domains: list[Domain]) -> list[Domain]:
    """The domains, each with `indicator_list`: its indicators in order (1 query)."""
    by_domain: dict[int, list[Indicator]] = {domain.pk: [] for domain in domains}
    for indicator in Indicator.objects.filter(domain__in=domains).order_by("position", "id"):
        by_domain[indicator.domain_id].append(indicator)
    for domain in domains:
        domain.indicator_list = by_domain[domain.pk]
    return domains


def published_indicator(run: ScoreRun, key: str) -> Indicator | None:
    """The edition's indicator with `key`, with its domain (1 query). Keys are unique within a domain;
    should two domains share one, the first domain's indicator is meant."""
    return (
        Indicator.objects.filter(domain__edition_id=run.edition_id, key=key)
        .select_related("domain")
        .order_by("domain__position", "domain_id")
        .first()
    )


def indicator_ranking(run: ScoreRun, indicator: Indicator) -> list[IndicatorRow]:
    """Every city's score in one indicator, by rank then name (1 query)."""
    scores = (
        IndicatorScore.objects.filter(run=run, indicator=indicator)
        .select_related("city")
        .order_by("rank", "city__name")
    )
    return [IndicatorRow(s.city, s.rank, s.score, None if s.raw is None else s.raw * 100, s.raw) for s in scores]


def approved_answers(run: ScoreRun):
    """The approved answers of the cities ranked in a published run, with city and catalogue, by AGS then
    catalogue order, as in the open-data answers file (no query until used; paginate it)."""
    return (
        Answer.objects.filter(
            edition_id=run.edition_id,
            status=Answer.Status.APPROVED,
            city_id__in=CityScore.objects.filter(run=run).values("city_id"),
        )
        .select_related("city", "parameter__indicator__domain", "official_import", "edition")
        .order_by("city__ags", *catalogue_order("parameter__"))
    )
