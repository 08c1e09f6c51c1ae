"""The portal's help page (/portal/hilfe/): what of it comes from data. The editions the user's cities work on
with their dates, what their catalogues collect from where, last year's edition, and the contacts of the user's
own cities (their coordinators). Five queries, whatever the number of cities, editions or parameters."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from indicators.models import City, CityMembership, Edition, Parameter
from indicators.selectors.portal import portal_participations

Mode = Parameter.CollectionMode


@dataclass
class HelpEdition:
    """An edition one of the user's cities is answering or in review, with what its help says about it."""

    edition: Edition
    cities: list[City] = field(default_factory=list)
    previous: Edition | None = None  # where "last year's value" comes from (Edition.previous)
    parameters: int = 0
    city_parameters: int = 0  # answered by the city itself
    official_parameters: int = 0
    research_parameters: int = 0
    evidence_required: int = 0  # of the city's own parameters


@dataclass
class Contact:
    name: str
    email: str


@dataclass
class CityContacts:
    city: City
    coordinators: list[Contact]


@dataclass
class PortalHelp:
    editions: list[HelpEdition]
    contacts: list[CityContacts]  # the user's own cities only, by name


def _name(user) -> str:
    return user.get_full_name() or user.username


def portal_help(user) -> PortalHelp:
    """The help page's data for `user`: the open editions of the user's cities (newest first, each with its
    cities and catalogue counts) and, for each of the user's cities, its coordinators (never another city's)."""
    editions: dict[int, HelpEdition] = {}
    for participation in portal_participations(user):  # 1 query
        entry = editions.setdefault(participation.edition_id, HelpEdition(edition=participation.edition))
        entry.cities.append(participation.city)
    if editions:
        counts = (
            Parameter.objects.filter(indicator__domain__edition__in=list(editions))
            .values("indicator__domain__edition")
            .annotate(
                total=Count("pk"),
                city=Count("pk", filter=Q(collection_mode=Mode.CITY)),
                official=Count("pk", filter=Q(collection_mode=Mode.OFFICIAL)),
                research=Count("pk", filter=Q(collection_mode=Mode.RESEARCH)),
                evidence=Count("pk", filter=Q(collection_mode=Mode.CITY, evidence_required=True)),
            )
            .order_by()
        )
        for row in counts:  # 1 query
            entry = editions[row["indicator__domain__edition"]]
            entry.parameters, entry.city_parameters = row["total"], row["city"]
            entry.official_parameters, entry.research_parameters = row["official"], row["research"]
            entry.evidence_required = row["evidence"]
        # Edition.previous for every edition at once: the newest edition's earlier ones hold each one's (1 query).
        newest = max((entry.edition for entry in editions.values()), key=lambda edition: edition.year)
        earlier = list(newest.earlier_editions())
        for entry in editions.values():
            entry.previous = next((e for e in earlier if e.year < entry.edition.year), None)
    coordinators = Prefetch(
        "memberships",
        queryset=CityMembership.objects.filter(role=CityMembership.Role.COORDINATOR)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username"),
        to_attr="coordinator_memberships",
    )
    cities = (
        City.objects.filter(memberships__user=user).order_by("name").distinct().prefetch_related(coordinators)
        if user.is_authenticated
        else []
    )  # 2 queries
    contacts = [
        CityContacts(
            city=city,
            coordinators=[Contact(name=_name(m.user), email=m.user.email) for m in city.coordinator_memberships],
        )
        for city in cities
    ]
    return PortalHelp(editions=list(editions.values()), contacts=contacts)
