"""Deterministic synthetic demo data: three editions, answers for all cities, demo users.

Answers are invented (and labelled as demo everywhere), except the public charging points: the catalogue
takes them from the BNetzA register (an official parameter with the profile bnetza-ladesaeulen), and the demo
imports the real register of 2019-07 (indicators/data/official/) through the editors' import service, then
the demo reviewer approves them through the review service. Scores are never inserted: they come from the
real recompute and publish services.
"""

import math
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from indicators import roles
from indicators.importers import catalogue_import, participations_set, read_catalogue
from indicators.models import (
    Answer,
    City,
    CityMembership,
    Domain,
    Edition,
    InnovationProject,
    Parameter,
    catalogue_order,
)
from indicators.services import (
    SCORES_RECOMPUTE_TASK,
    answers_approve,
    edition_clone,
    edition_set_phase,
    official_import_confirm,
    official_profile_choose,
)
from indicators.values import assign_value
from smartcity import task_queue

DEMO_PASSWORD = "demo-passwort"
DEMO_YEARS = (2022, 2023, 2024)  # two published, the newest collecting
NEW_IN_LAST_EDITION = "hanau"  # as in the real index, Hanau joins in 2024
# The real register the demo imports (CC BY 4.0, Bundesnetzagentur; see the folder's README) and its profile.
DEMO_REGISTER = Path(__file__).resolve().parent / "data" / "official" / "ladesaeulenregister-2019-07-19.xlsx"
DEMO_REGISTER_PROFILE = "bnetza-ladesaeulen"
DEMO_REVIEWER = "pruefer"


@dataclass(frozen=True)
class DemoUser:
    username: str
    description: str
    city_slug: str | None = None
    role: str | None = None
    group: str | None = None


DEMO_USERS = (
    DemoUser("redaktion", "editor", group=roles.EDITORS_GROUP),
    DemoUser("pruefer", "reviewer", group=roles.REVIEWERS_GROUP),
    DemoUser("recherche", "researcher (desk research)", group=roles.RESEARCHERS_GROUP),
    DemoUser(
        "pruefer-koeln", "reviewer who also works for Köln", "koeln", CityMembership.Role.STAFF, roles.REVIEWERS_GROUP
    ),
    DemoUser("bochum-koordination", "coordinator of Bochum", "bochum", CityMembership.Role.COORDINATOR),
    DemoUser("bochum", "staff of Bochum", "bochum", CityMembership.Role.STAFF),
    DemoUser("muenchen", "staff of München", "muenchen", CityMembership.Role.STAFF),
    DemoUser("hamburg-koordination", "coordinator of Hamburg", "hamburg", CityMembership.Role.COORDINATOR),
    DemoUser("leipzig", "staff of Leipzig", "leipzig", CityMembership.Role.STAFF),
)


def _seed(*parts) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def _city_maturity(city: City, domain_keys: list[str]) -> dict[str, float]:
    """A city's latent digital maturity per domain (about -2..2): size helps, most in mobility;
    each city has its own profile, so every domain has different leaders."""
    rng = np.random.default_rng(_seed("maturity", city.slug))
    size = (math.log10(city.population) - 5.4) / 0.5  # ~-0.8 for 100k, ~2.2 for 3.7M
    general = rng.normal(0, 0.6)
    size_effect = {"mobilitaet": 0.8, "it-kommunikation": 0.35, "verwaltung": 0.25}
    return {key: general + size_effect.get(key, 0.15) * size + rng.normal(0, 0.7) for key in domain_keys}


def _synthetic_value(rng: np.random.Generator, parameter: Parameter, city: City, maturity: float, year: int):
    """A plausible value for one parameter: better with maturity and with every year."""
    level = maturity + 0.25 * (year - DEMO_YEARS[0]) + rng.normal(0, 0.8)
    share = 1 / (1 + math.exp(-level))  # 0..1, the city's position on this question
    if parameter.kind == Parameter.Kind.YES_NO:
        return bool(rng.random() < share)
    if parameter.kind == Parameter.Kind.CHOICE:
        options = parameter.options
        return options[min(int(share * len(options)), len(options) - 1)]["key"]
    if not parameter.higher_is_better:
        share = 1 - share
    low = float(parameter.min_value if parameter.min_value is not None else 0)
    if parameter.per_capita:
        # A rate per 1,000 inhabitants turned into the count the city would report.
        high_rate = float(parameter.max_value) / 1000 if parameter.max_value is not None else 5.0
        value = share * high_rate * city.population / 1000
    else:
        high = float(parameter.max_value) if parameter.max_value is not None else max(low * 4, 100.0)
        value = low + share * (high - low)
    if parameter.kind == Parameter.Kind.COUNT:
        return Decimal(int(round(value)))
    return Decimal(str(round(value, 1)))


def _status_for(rng: np.random.Generator, year: int) -> str | None:
    """Published editions: nearly everything approved. The collecting edition: a realistic mix."""
    draw = rng.random()
    if year != DEMO_YEARS[-1]:
        return None if draw < 0.02 else Answer.Status.APPROVED
    for status, upto in (
        (Answer.Status.APPROVED, 0.50),
        (Answer.Status.SUBMITTED, 0.65),
        (Answer.Status.DRAFT, 0.75),
        (Answer.Status.CHANGES_REQUESTED, 0.78),
    ):
        if draw < upto:
            return status
    return None  # not answered yet


def _imported(parameter: Parameter) -> bool:
    """A parameter whose demo values come from the real register, not invented."""
    return (
        parameter.collection_mode == Parameter.CollectionMode.OFFICIAL
        and parameter.official_profile == DEMO_REGISTER_PROFILE
    )


def _answers(edition: Edition, cities: list[City], parameters: list[Parameter], maturity) -> list[Answer]:
    answers = []
    for city in cities:
        # One generator per city and year, parameters in catalogue order: deterministic and fast.
        rng = np.random.default_rng(_seed("answers", city.slug, edition.year))
        for parameter in parameters:
            status = _status_for(rng, edition.year)
            if status is None:
                continue
            value = _synthetic_value(
                rng, parameter, city, maturity[city.pk][parameter.indicator.domain.key], edition.year
            )
            if _imported(parameter):
                continue  # imported from the register; drawn all the same, so the other values stay as they were
            answer = Answer(
                edition=edition,
                city=city,
                parameter=parameter,
                status=status,
                evidence_url=f"https://example.org/demo/{city.slug}/{parameter.key}",
                note="Demodaten",
                as_of=date(edition.year, 3, 31),
            )
            assign_value(answer, parameter, value)
            if status == Answer.Status.CHANGES_REQUESTED:
                answer.review_reason = "Demodaten: Der Nachweis zeigt einen anderen Stand. Bitte prüfen."
            answers.append(answer)
    return answers


def _innovation_projects(edition: Edition, cities: list[City], domains: list[Domain]) -> list[InnovationProject]:
    projects = []
    for city in cities:
        rng = np.random.default_rng(_seed("innovation", city.slug, edition.year))
        for domain in domains:
            if rng.random() < 0.12:
                points = Decimal(int(rng.integers(1, 6)))
                projects.append(
                    InnovationProject(
                        edition=edition,
                        city=city,
                        domain=domain,
                        title=f"Demo-Projekt {domain.name_de} ({city.name})",
                        description="Demodaten: ein erfundenes innovatives Projekt.",
                        bonus_points=points if edition.year != DEMO_YEARS[-1] else Decimal(0),
                        bonus_justification="Demodaten" if edition.year != DEMO_YEARS[-1] else "",
                    )
                )
    return projects


def demo_users_create() -> list[DemoUser]:
    cities = {c.slug: c for c in City.objects.all()}
    password_hash = make_password(DEMO_PASSWORD)  # hashing is deliberately slow: once for all demo users
    for spec in DEMO_USERS:
        user, _created = User.objects.get_or_create(
            username=spec.username, defaults={"email": f"{spec.username}@example.org"}
        )
        user.password = password_hash
        user.is_staff = spec.group is not None  # reviewers, researchers and editors work in the admin
        user.save()
        if spec.group:
            user.groups.add(Group.objects.get(name=spec.group))
        if spec.city_slug:
            CityMembership.objects.update_or_create(
                user=user, city=cities[spec.city_slug], defaults={"role": spec.role}
            )
    return list(DEMO_USERS)


def demo_edition_create(*, year: int, previous: Edition | None, editor: User) -> Edition:
    """One demo edition in collection: catalogue (loaded, or cloned from the previous edition),
    participating cities, synthetic answers and innovation projects."""
    all_cities = list(City.objects.order_by("id"))
    with transaction.atomic():
        if previous is None:
            edition = Edition.objects.create(year=year, title=f"Smart City Index {year} (Demo)", is_demo=True)
            catalogue_import(edition=edition, data=read_catalogue())
        else:
            edition = edition_clone(user=editor, source=previous, year=year, title=f"Smart City Index {year} (Demo)")
        cities = [c for c in all_cities if year == DEMO_YEARS[-1] or c.slug != NEW_IN_LAST_EDITION]
        participations_set(edition=edition, cities=cities)
        domains = list(edition.domains.order_by("position"))
        parameters = list(
            Parameter.objects.filter(indicator__domain__edition=edition)
            .select_related("indicator__domain")
            .order_by(*catalogue_order())
        )
        maturity = {c.pk: _city_maturity(c, [d.key for d in domains]) for c in cities}
        # Plain bulk insert: the audit history starts with the first human change of a demo answer.
        Answer.objects.bulk_create(_answers(edition, cities, parameters, maturity), batch_size=2000)
        InnovationProject.objects.bulk_create(_innovation_projects(edition, cities, domains))
        edition.collection_opens, edition.collection_closes = demo_collection_window(year)
        # The values should describe the end of the year before (Stichtag): the real register of July 2019 is
        # then marked stale ("Stand 07/2019") on the public pages, as it would be in a real edition.
        edition.reference_date = date(year - 1, 12, 31)
        # The collecting edition's cities check the official values about them while its collection runs.
        edition.check_opens, edition.check_closes = (
            (edition.collection_opens, edition.collection_closes) if year == DEMO_YEARS[-1] else (None, None)
        )
        edition.save(
            update_fields=["collection_opens", "collection_closes", "reference_date", "check_opens", "check_closes"]
        )
        edition = edition_set_phase(user=editor, edition=edition, phase=Edition.Phase.COLLECTION, reason="Demodaten")
        demo_register_import(edition=edition, parameters=[p for p in parameters if _imported(p)], editor=editor)
        return edition


def demo_register_import(*, edition: Edition, parameters: list[Parameter], editor: User) -> int:
    """The real register imported into each of `parameters` (the catalogue's profile and options) as an
    editor imports it on the page, then approved by the demo reviewer through the review service; returns
    how many values were approved. The participating cities the register has no value for stay unanswered."""
    reviewer = User.objects.get(username=DEMO_REVIEWER)
    # Every approval requests a recompute after commit, and eager Celery (make run) would run each of them
    # (the task frees the request when it starts). The seed computes every edition itself afterwards, so one
    # pending request stands for them all until the demo's transaction has committed, then it is freed.
    pending = task_queue.pending_key(SCORES_RECOMPUTE_TASK, (edition.pk,))
    cache.add(pending, 1, timeout=600)
    approved = 0
    for parameter in parameters:
        choice = official_profile_choose(parameter=parameter)
        with DEMO_REGISTER.open("rb") as handle:
            result = official_import_confirm(
                user=editor,
                edition=edition,
                parameter=parameter,
                profile_key=choice.profile_key,
                options=choice.options,
                uploaded=File(handle, name=DEMO_REGISTER.name),
            )
        done, failed = answers_approve(
            user=reviewer, answers=list(result.official_import.answers.filter(status=Answer.Status.SUBMITTED))
        )
        if failed:
            raise RuntimeError(f"demo: {len(failed)} register values not approved: {failed[0][1]}")
        approved += len(done)
    transaction.on_commit(lambda: cache.delete(pending))  # after the approvals' requests: registered after them
    return approved


# The collecting demo edition's window around the day the demo is seeded, so the dashboard shows a
# deadline with days left ("Frist: …, noch 30 Tage") and saving works; earlier editions had theirs.
DEMO_WINDOW_BEFORE = timedelta(days=45)
DEMO_WINDOW_AFTER = timedelta(days=30)


def demo_collection_window(year: int) -> tuple[date, date]:
    """Collection from March to July of the edition's year; for the newest (collecting) edition around today."""
    if year == DEMO_YEARS[-1]:
        today = timezone.localdate()
        return today - DEMO_WINDOW_BEFORE, today + DEMO_WINDOW_AFTER
    return date(year, 3, 1), date(year, 7, 31)
