"""What the public pages filter and summarise by: size classes, federal states, the city filter of a
ranking, and the home page's summary of a published run."""

from dataclasses import dataclass

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indicators.models import City, Domain
from scoring.models import CityScore, ScoreRun

TOP_COUNT = 10
CLIMBER_COUNT = 5


@dataclass(frozen=True)
class SizeClass:
    """Cities by population: `minimum` inclusive, `maximum` exclusive, None for no bound."""

    key: str
    label: Promise
    minimum: int | None
    maximum: int | None

    def contains(self, population: int) -> bool:
        return (self.minimum is None or population >= self.minimum) and (
            self.maximum is None or population < self.maximum
        )


# The smallest class has no lower bound: a big city that falls just under 100,000 inhabitants stays in
# the index for the edition and must still belong to a class rather than vanish from every filter.
SIZE_CLASSES: tuple[SizeClass, ...] = (
    SizeClass("100-200k", _("100.000 bis 200.000 Einwohner"), None, 200_000),
    SizeClass("200-500k", _("200.000 bis 500.000 Einwohner"), 200_000, 500_000),
    SizeClass("500k-1m", _("500.000 bis 1 Million Einwohner"), 500_000, 1_000_000),
    SizeClass("ueber-1m", _("über 1 Million Einwohner"), 1_000_000, None),
)
SIZE_CLASS_BY_KEY: dict[str, SizeClass] = {size.key: size for size in SIZE_CLASSES}


# The federal states as City.state names them (Destatis). The filter offers all of them, so a link that
# filters by a state stays valid in every edition, also in one without a city of that state.
FEDERAL_STATES: tuple[str, ...] = (
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
)


@dataclass(frozen=True)
class CityFilter:
    """Which cities of a ranking to show; empty values filter nothing. Filtering never re-ranks."""

    state: str = ""
    size: str = ""  # a key of SIZE_CLASSES
    search: str = ""  # a case-insensitive part of the city's name

    @property
    def is_active(self) -> bool:
        return bool(self.state or self.size or self.search)

    def matches(self, city: City) -> bool:
        if self.state and city.state != self.state:
            return False
        if self.size and not SIZE_CLASS_BY_KEY[self.size].contains(city.population):
            return False
        return not self.search or self.search.casefold() in city.name.casefold()

    def apply(self, rows: list) -> list:
        """The rows (anything with a `city`) whose city matches, in their order."""
        return [row for row in rows if self.matches(row.city)]

    def as_query(self) -> dict[str, str]:
        """The filter as GET parameters, for links that keep it."""
        params = {"land": self.state, "groesse": self.size, "suche": self.search}
        return {name: value for name, value in params.items() if value}


def size_class(population: int) -> SizeClass | None:
    return next((size for size in SIZE_CLASSES if size.contains(population)), None)


def states(rows: list) -> list[str]:
    """The federal states to filter by: all of them and any other the rows' cities name, alphabetically."""
    return sorted(set(FEDERAL_STATES) | {row.city.state for row in rows})


@dataclass(frozen=True)
class HomeSummary:
    city_count: int
    domain_count: int
    indicator_count: int
    top: list[CityScore]
    climbers: list[CityScore]


def home_summary(run: ScoreRun) -> HomeSummary:
    """What the home page shows of a published run (2 queries, any number of cities).

    `top` holds every city ranked TOP_COUNT or better (so a tie at the last place is not cut in two);
    `climbers` the up to CLIMBER_COUNT cities that gained most places, best rank first among equals.
    """
    scores = list(CityScore.objects.filter(run=run).select_related("city").order_by("rank", "city__name"))
    domains = list(Domain.objects.filter(edition_id=run.edition_id).annotate(indicator_count=Count("indicators")))
    climbers = sorted((s for s in scores if s.trend is not None and s.trend > 0), key=lambda s: (-s.trend, s.rank))
    return HomeSummary(
        city_count=len(scores),
        domain_count=len(domains),
        indicator_count=sum(domain.indicator_count for domain in domains),
        top=[s for s in scores if s.rank <= TOP_COUNT],
        climbers=climbers[:CLIMBER_COUNT],
    )
