"""The population a per-capita value is divided by (issue 16, section 2), the one rule for the score run's
inputs, the reviewers' outlier flag and anything else that divides by population.

For an answer whose Stand is known, in an edition that defines population figures for the city
(`PopulationFigure`): the figure with the latest reference date on or before the Stand, or the earliest one
when all are after it. Otherwise (no Stand, or no figures) the city's population (`City.population`).
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from indicators.models.population import PopulationFigure


def population_as_of(figures: list[tuple[date, int]], stand: date | None, fallback: int) -> int:
    """The population for a value with Stand `stand` from `figures` (reference date, population), sorted by
    date; `fallback` (the city's population) without a Stand or without figures."""
    if stand is None or not figures:
        return fallback
    at = bisect_right([day for day, _population in figures], stand)
    return figures[max(at - 1, 0)][1]


class PopulationFigures:
    """The figures of some editions by (edition id, city id), sorted by date, read in one query."""

    def __init__(self, edition_ids: Iterable[int]):
        self.by_city: dict[tuple[int, int], list[tuple[date, int]]] = defaultdict(list)
        rows = (
            PopulationFigure.objects.filter(edition_id__in=list(edition_ids))
            .order_by("edition_id", "city_id", "reference_date")
            .values_list("edition_id", "city_id", "reference_date", "population")
        )
        for edition_id, city_id, reference_date, population in rows:
            self.by_city[edition_id, city_id].append((reference_date, population))

    def population(self, *, edition_id: int, city_id: int, stand: date | None, fallback: int) -> int:
        """population_as_of for a city's value in an edition."""
        return population_as_of(self.by_city.get((edition_id, city_id), []), stand, fallback)
