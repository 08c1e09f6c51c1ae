"""factory_boy factories for the catalogue, cities, users and answers."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from indicators.models import (
    Answer,
    City,
    CityMembership,
    Domain,
    Edition,
    Indicator,
    InnovationProject,
    Parameter,
    Participation,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])  # transactional tests flush migrations

    @factory.post_generation
    def cities(self, create, extracted, **kwargs):
        for city in extracted or []:
            CityMembership.objects.create(user=self, city=city, role=CityMembership.Role.STAFF)


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    name = factory.Sequence(lambda n: f"Stadt {n:03d}")
    slug = factory.Sequence(lambda n: f"stadt-{n:03d}")
    state = "Nordrhein-Westfalen"
    state_code = "NW"
    ags = factory.Sequence(lambda n: f"{5900000 + n:08d}")
    population = 200_000
    population_date = date(2023, 12, 31)


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition

    year = factory.Sequence(lambda n: 2100 - n % 40)  # 2061..2100; tests that pick a year use 2030-2050
    title = factory.LazyAttribute(lambda e: f"Smart City Index {e.year}")
    phase = Edition.Phase.COLLECTION


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    edition = factory.SubFactory(EditionFactory)
    key = factory.Sequence(lambda n: f"domain-{n}")
    name_de = factory.Sequence(lambda n: f"Themenbereich {n}")
    name_en = factory.Sequence(lambda n: f"Domain {n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    domain = factory.SubFactory(DomainFactory)
    key = factory.Sequence(lambda n: f"indicator-{n}")
    name_de = factory.Sequence(lambda n: f"Indikator {n}")


class ParameterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parameter

    indicator = factory.SubFactory(IndicatorFactory)
    key = factory.Sequence(lambda n: f"parameter-{n}")
    name_de = factory.Sequence(lambda n: f"Parameter {n}")
    kind = Parameter.Kind.YES_NO
    evidence_required = False


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    parameter = factory.SubFactory(ParameterFactory)
    edition = factory.LazyAttribute(lambda a: a.parameter.indicator.domain.edition)
    city = factory.SubFactory(CityFactory)
    status = Answer.Status.DRAFT


class InnovationProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InnovationProject

    domain = factory.SubFactory(DomainFactory)
    edition = factory.LazyAttribute(lambda p: p.domain.edition)
    city = factory.SubFactory(CityFactory)
    title = "Digitaler Zwilling"
    description = "Ein Stadtmodell für Planung und Beteiligung."


def small_edition(*, cities: int = 5, year: int = 2030, phase: str = Edition.Phase.COLLECTION) -> Edition:
    """An edition with two domains, three indicators and one parameter of each kind, and `cities` cities.

    Parameters (by key): online-termine (yes/no), smart-meter (choice), busse (percentage),
    ladepunkte (count per capita), wartezeit (number, lower is better).
    """
    edition = EditionFactory(year=year, phase=phase)
    verwaltung = DomainFactory(edition=edition, key="verwaltung", name_de="Verwaltung", position=0)
    mobilitaet = DomainFactory(edition=edition, key="mobilitaet", name_de="Mobilität", position=1)
    portal = IndicatorFactory(domain=verwaltung, key="serviceportal", name_de="Serviceportal", position=0)
    energie = IndicatorFactory(domain=verwaltung, key="energie", name_de="Energie", position=1)
    verkehr = IndicatorFactory(domain=mobilitaet, key="verkehr", name_de="Verkehr", position=0)
    ParameterFactory(indicator=portal, key="online-termine", kind=Parameter.Kind.YES_NO, position=0)
    ParameterFactory(
        indicator=portal,
        key="wartezeit",
        kind=Parameter.Kind.NUMBER,
        unit="Tage",
        min_value=Decimal(0),
        max_value=Decimal(365),
        higher_is_better=False,
        position=1,
    )
    ParameterFactory(
        indicator=energie,
        key="smart-meter",
        kind=Parameter.Kind.CHOICE,
        options=[
            {"key": "none", "label_de": "keine", "label_en": "none", "points": 0},
            {"key": "planned", "label_de": "geplant", "label_en": "planned", "points": 0.5},
            {"key": "live", "label_de": "im Betrieb", "label_en": "live", "points": 1},
        ],
    )
    ParameterFactory(
        indicator=verkehr,
        key="busse",
        kind=Parameter.Kind.PERCENTAGE,
        unit="%",
        min_value=Decimal(0),
        max_value=Decimal(100),
        position=0,
        evidence_required=True,
    )
    ParameterFactory(
        indicator=verkehr,
        key="ladepunkte",
        kind=Parameter.Kind.COUNT,
        unit="Ladepunkte",
        min_value=Decimal(0),
        per_capita=True,
        position=1,
    )
    for _ in range(cities):
        Participation.objects.create(edition=edition, city=CityFactory())
    return edition


# A valid stored value per parameter of small_edition().
VALID_VALUE = {
    "online-termine": {"value_bool": True},
    "smart-meter": {"value_choice": "live"},
    "wartezeit": {"value_number": Decimal(10)},
    "busse": {"value_number": Decimal(50)},
    "ladepunkte": {"value_number": Decimal(100)},
}


def parameter(edition: Edition, key: str) -> Parameter:
    return Parameter.objects.get(indicator__domain__edition=edition, key=key)


# --- Added for tests/indicators (answers with evidence, cities of an edition, coordinators) ---

from indicators.models import EvidenceFile  # noqa: E402


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    """An uploaded evidence document; only the stored name is set (no bytes are written)."""

    class Meta:
        model = EvidenceFile

    answer = factory.SubFactory(AnswerFactory)
    file = factory.LazyAttribute(
        lambda f: f"evidence/{f.answer.edition_id}/{f.answer.city_id}/{f.answer.parameter_id}/nachweis.pdf"
    )
    original_name = "nachweis.pdf"
    content_type = "application/pdf"
    size = 2048
    sha256 = "a" * 64


def cities_of(edition: Edition) -> list[City]:
    """The cities taking part in an edition, in id order (small_edition's first city is [0])."""
    return list(City.objects.filter(participations__edition=edition).order_by("id"))


def coordinator_of(city: City, **kwargs) -> User:
    """A user who coordinates `city` (a membership with role coordinator)."""
    user = UserFactory(**kwargs)
    CityMembership.objects.create(user=user, city=city, role=CityMembership.Role.COORDINATOR)
    return user


def api_token(user, scope: str = "write", name: str = "Test") -> str:
    """A stored personal API token of `user`; returns the raw token (only its digest is stored)."""
    from api.models import ApiToken

    key, raw, digest = ApiToken.generate()
    ApiToken.objects.create(user=user, name=name, scope=scope, key=key, digest=digest)
    return raw


# --- Added for issue 16 (provenance): an imported official file ---

from indicators.models import OfficialImport  # noqa: E402


class OfficialImportFactory(factory.django.DjangoModelFactory):
    """An imported register file (only the stored name is set, no bytes are written)."""

    class Meta:
        model = OfficialImport

    parameter = factory.SubFactory(ParameterFactory)
    edition = factory.LazyAttribute(lambda o: o.parameter.indicator.domain.edition)
    source_name = "Bundesnetzagentur, Ladesäulenregister"
    profile_key = "bnetza-ladesaeulen"
    profile_version = "1"
    file_name = "Ladesaeulenregister.xlsx"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    as_of = date(2019, 7, 19)
    file = factory.LazyAttribute(lambda o: f"official/{o.edition.pk}/{o.parameter.pk}/Ladesaeulenregister.xlsx")


# --- Added for the stored review flags (issue 17) ---

from django.utils import timezone  # noqa: E402

from indicators.models import AnswerCheck  # noqa: E402
from indicators.services.review_flags import review_flags_refresh  # noqa: E402


def flagged_edition(cities_count: int, year: int) -> Edition:
    """An edition whose "busse" has one outlier, one answer without evidence, stale Stands and an open
    objection."""
    edition = small_edition(cities=cities_count, year=year)
    Edition.objects.filter(pk=edition.pk).update(reference_date=date(year, 12, 31))
    for index, participation in enumerate(Participation.objects.filter(edition=edition).order_by("city_id")):
        Answer.objects.create(
            edition=edition,
            city=participation.city,
            parameter=parameter(edition, "busse"),
            value_number=Decimal(100 if index == 0 else 10 + index % 3),
            evidence_url="" if index == 1 else "https://example.org/b.pdf",
            as_of=date(year - 3, 1, 1) if index % 2 else date(year, 6, 30),
            status=Answer.Status.SUBMITTED,
        )
    objected = Answer.objects.filter(edition=edition).order_by("pk").last()
    AnswerCheck.objects.create(
        answer=objected,
        verdict=AnswerCheck.Verdict.OBJECTED,
        outcome=AnswerCheck.Outcome.OPEN,
        value_key="x",
        checked_at=timezone.now(),
    )
    review_flags_refresh(edition_id=edition.pk)  # stored as the services store them
    return edition
