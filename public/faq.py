"""The public FAQ (/faq/) of the latest published edition: its facts (collection period, official sources, domains
and weights, catalogue changes, the robustness analysis) come from the edition, its catalogue and its published run,
through the methodology page's own description, so the two pages cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import number_format

from indicators.models import Edition, Parameter
from public import methodology, opendata
from scoring import selectors
from scoring.models import ScoreRun

Mode = Parameter.CollectionMode
# Scalings whose points depend on the other cities' values (a city's rank can move while its own values stay).
RELATIVE_NORMALISATIONS = (Edition.Normalisation.MINMAX, Edition.Normalisation.ZSCORE)


@dataclass
class OfficialParameter:
    """A parameter of the edition whose values come from an official source, with the files that fed it."""

    name: str
    source: str  # the catalogue's typical source, else the importer profile's name
    files: list[methodology.OfficialSource] = field(default_factory=list)


@dataclass
class CatalogueChange:
    """How the catalogue differs from the previous published edition's, by parameter key."""

    previous: Edition
    added: int
    removed: int


@dataclass
class Faq:
    edition: Edition
    run: ScoreRun
    methodology: methodology.MethodologyDescription
    indicator_count: int
    official: list[OfficialParameter]
    research_count: int
    relative: bool  # the run scaled relative to the field
    normalisation: str  # its label
    change: CatalogueChange | None
    draws: str | None  # of the robustness analysis ("1.000"); None while it is not computed


def faq(edition: Edition, run: ScoreRun, editions: list[Edition]) -> Faq:
    """The FAQ's facts of a published edition; `editions` all public editions newest first (from
    scoring.selectors.published). Seven queries, whatever the number of cities or parameters."""
    domains = opendata.load_catalogue(edition)  # 3 queries
    description = methodology.describe(edition, run, domains)
    parameters = [p for domain in domains for indicator in domain.indicator_list for p in indicator.parameter_list]
    files: dict[str, list[methodology.OfficialSource]] = {}
    for source in methodology.provenance_summary(edition, run).official_sources:  # 2 queries
        files.setdefault(source.parameter, []).append(source)
    official = [
        OfficialParameter(
            name=p.name,
            source=p.source or (p.get_official_profile_display() if p.official_profile else ""),
            files=files.get(p.name, []),
        )
        for p in parameters
        if p.collection_mode == Mode.OFFICIAL
    ]
    previous = next((other for other in editions if other.year < edition.year), None)
    change = None
    if previous is not None:
        before = set(Parameter.objects.filter(indicator__domain__edition=previous).values_list("key", flat=True))
        now = {p.key for p in parameters}
        change = CatalogueChange(previous=previous, added=len(now - before), removed=len(before - now))
    analysis = selectors.uncertainty_analysis(run)  # 1 query
    normalisation = run.methodology.get("normalisation", edition.normalisation)
    return Faq(
        edition=edition,
        run=run,
        methodology=description,
        indicator_count=sum(len(section.indicators) for section in description.domains),
        official=official,
        research_count=sum(p.collection_mode == Mode.RESEARCH for p in parameters),
        relative=normalisation in RELATIVE_NORMALISATIONS,
        normalisation=str(dict(Edition.Normalisation.choices).get(normalisation, normalisation)),
        change=change,
        draws=number_format(analysis.draws, force_grouping=True) if analysis else None,
    )
