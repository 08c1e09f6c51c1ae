"""Reads of published results for the public pages (a fixed number of queries per page)."""

from indicators.models import Domain, Edition
from scoring.models import CityScore, DomainScore, ScoreRun


def public_editions():
    return Edition.objects.filter(phase__in=[Edition.Phase.PUBLISHED, Edition.Phase.ARCHIVED]).order_by("-year")


def published_run(edition: Edition) -> ScoreRun | None:
    return ScoreRun.objects.filter(edition=edition, is_published=True).first()


def ranking(run: ScoreRun) -> tuple[list[Domain], list[CityScore]]:
    """Domains in order and every city's total with its domain scores (3 queries, any number of cities).

    Each row gets `domain_list`: its DomainScore per domain, in the domains' order.
    """
    domains = list(Domain.objects.filter(edition_id=run.edition_id).order_by("position", "id"))
    rows = list(CityScore.objects.filter(run=run).select_related("city").order_by("rank", "city__name"))
    by_city: dict[int, dict[int, DomainScore]] = {}
    for score in DomainScore.objects.filter(run=run):
        by_city.setdefault(score.city_id, {})[score.domain_id] = score
    for row in rows:
        row.domain_list = [by_city.get(row.city_id, {}).get(d.pk) for d in domains]
    return domains, rows
