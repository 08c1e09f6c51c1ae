"""The world of the security tests: an unpublished edition with secret values and a published one, the
same five cities in both, and one user per role.

Roles (the keys of `world.users`): anonymous; staff of city A and staff of city B (each the coordinator of
their city, the strongest city role); a reviewer who works for a third city; a reviewer whose own city is
A (the conflict of interest); an editor. Reviewers and editors are admin users (is_staff), as in the demo.
"""

import datetime
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from indicators.models import (
    Answer,
    AnswerCheck,
    CityMembership,
    Edition,
    EvidenceFile,
    Notification,
    Participation,
    PopulationFigure,
    ReviewAssignment,
)
from indicators.services import coordination
from public.feedback import feedback_submit
from scoring.services import scores_recompute
from sso.models import ClaimMapping, OIDCIdentity
from tests import factories
from tests.scoring.test_services import answer_all, publish
from webhooks.models import WebhookEndpoint, WebhookEvent

ROLES = ("anonymous", "staff_a", "staff_b", "reviewer", "own_city_reviewer", "editor")

# The unpublished edition's distinctive data of city A: none of it may reach anyone outside A's team,
# the reviewers and the editors while the edition is not published.
SECRET_NUMBER = Decimal("987654.321")
SECRET_SPELLINGS = ("987654", "987.654", "987 654", "GEHEIM-XYZ")
SECRET_NOTE = "GEHEIM-XYZ: Zahl aus dem internen Controlling"
SECRET_URL = "https://intern.example.org/GEHEIM-XYZ.pdf"
SECRET_PROJECT = "GEHEIM-XYZ Projekt"

UNPUBLISHED_YEAR = 2030
PUBLISHED_YEAR = 2029


@dataclass
class World:
    edition: Edition  # unpublished (collection), year 2030
    published: Edition  # published, year 2029
    city_a: object
    city_b: object
    users: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # URL kwargs filled from the objects below
    objects: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)  # role → session id, logged in once for the package

    clients: dict = field(default_factory=dict)

    def client(self, role: str, *, enforce_csrf_checks: bool = False) -> APIClient:
        """A client signed in as `role` (anonymous: none) with the role's session and no other cookie.

        Clients are kept for the package: a new one loads the middleware again, and WhiteNoise then scans
        every static file (a fifth of a second each time)."""
        client = self.clients.get((role, enforce_csrf_checks))
        if client is None:
            client = self.clients[(role, enforce_csrf_checks)] = APIClient(enforce_csrf_checks=enforce_csrf_checks)
        client.cookies = SimpleCookie()
        client.credentials()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def _evidence(answer: Answer, storage: FileSystemStorage, name: str) -> EvidenceFile:
    return EvidenceFile.objects.create(
        answer=answer,
        file=storage.save(f"evidence/{answer.pk}/{name}", ContentFile(b"%PDF-1.4\n%%EOF\n")),
        original_name=name,
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
    )


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> World:
    """Built once for the package inside a transaction that is rolled back at the end; every test runs in
    a savepoint of it (pytest-django's `db`), so what a test writes is undone after it."""
    field_ = EvidenceFile._meta.get_field("file")
    original_storage = field_.storage
    with (
        django_db_blocker.unblock(),
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # as in every test
        ),
        transaction.atomic(),
    ):
        storage = FileSystemStorage(location=tmp_path_factory.mktemp("evidence"))
        field_.storage = storage
        try:
            yield _build_world(storage)
        finally:
            field_.storage = original_storage
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _sessions_outlast_the_package(settings):
    """The world's sessions are signed in once for the package, and each test's activity is rolled back
    with the test, so their idle clocks would run from the package's start: here they last a day (the
    session policy itself is tested in tests/smartcity/test_session_policy.py)."""
    settings.SESSION_POLICIES = {role: {"idle_minutes": 24 * 60, "max_hours": 24} for role in settings.SESSION_POLICIES}


@pytest.fixture
def w(world, db) -> World:
    """The world for one test (in its own savepoint)."""
    return world


def _build_world(storage) -> World:
    for migration, function in (
        ("indicators.migrations.0002_roles_groups", "create_groups"),
        ("indicators.migrations.0006_notification_permissions", "grant"),
        ("indicators.migrations.0012_official_import_permissions", "grant"),
        ("indicators.migrations.0014_research_role", "grant"),
        ("indicators.migrations.0016_population_figures", "grant"),
        ("webhooks.migrations.0002_editor_permissions", "grant"),
        ("scoring.migrations.0002_editors_view_score_runs", "grant"),
        ("sso.migrations.0001_initial", "grant"),
    ):
        getattr(importlib.import_module(migration), function)(django_apps, None)
    # given: the unpublished edition 2030 (cities A..E, every answer approved, A's with the secrets)
    edition = factories.small_edition(year=UNPUBLISHED_YEAR)
    cities = factories.cities_of(edition)
    city_a, city_b, city_c = cities[0], cities[1], cities[2]
    editor = factories.UserFactory(username="editor", groups=["editors"])

    # the published edition 2029 with the same cities, its results frozen
    published = factories.small_edition(year=PUBLISHED_YEAR, cities=0)
    for city in cities:
        Participation.objects.create(edition=published, city=city)
    answer_all(published, seed=1)
    published_run = publish(published, editor)

    # a receiver of every event, registered before the unpublished edition's recompute
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.org/sci",
        secret="s" * 20,
        events=list(WebhookEvent.values),
        created_by=editor,
    )
    answer_all(edition, seed=2)
    secret = Answer.objects.get(edition=edition, city=city_a, parameter__key="wartezeit")
    Answer.objects.filter(pk=secret.pk).update(value_number=SECRET_NUMBER, note=SECRET_NOTE, evidence_url=SECRET_URL)
    draft = Answer.objects.get(edition=edition, city=city_a, parameter__key="online-termine")
    Answer.objects.filter(pk=draft.pk).update(status=Answer.Status.DRAFT)
    submitted = Answer.objects.get(edition=edition, city=city_a, parameter__key="busse")
    Answer.objects.filter(pk=submitted.pk).update(status=Answer.Status.SUBMITTED)
    unpublished_run, _created = scores_recompute(edition=edition)

    secret_file = _evidence(secret, storage, "GEHEIM-XYZ.pdf")
    # city A's objection to a value, with its file (issue 16's check window)
    objection = AnswerCheck.objects.create(
        answer=secret,
        verdict=AnswerCheck.Verdict.OBJECTED,
        outcome=AnswerCheck.Outcome.OPEN,
        reason=SECRET_NOTE,
        value_key="-",
        checked_at=timezone.now(),
        evidence_file=storage.save(f"evidence/{secret.pk}/check-EINWAND.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n")),
        evidence_name="GEHEIM-XYZ-Einwand.pdf",
        evidence_content_type="application/pdf",
    )
    public_answer = Answer.objects.get(edition=published, city=city_a, parameter__key="wartezeit")
    public_file = _evidence(public_answer, storage, "oeffentlich.pdf")
    project = factories.InnovationProjectFactory(
        edition=edition, domain=secret.parameter.indicator.domain, city=city_a, title=SECRET_PROJECT
    )

    Notification.objects.create(
        kind=Notification.Kind.values[0], recipient=editor, edition=edition, city=city_a, answer=secret
    )
    # City A's "ladepunkte" is an official value of the unpublished edition: its source and file are as private
    # as any other value of it (the leak tests look for GEHEIM-XYZ everywhere).
    official = factories.OfficialImportFactory(
        parameter=factories.parameter(edition, "ladepunkte"),
        imported_by=editor,
        source_name="Register GEHEIM-XYZ",
        file_name="register-GEHEIM-XYZ.xlsx",
    )
    Answer.objects.filter(edition=edition, city=city_a, parameter=official.parameter).update(
        source_kind="official", official_import=official, source_rows=[7, 9]
    )
    PopulationFigure.objects.create(
        edition=edition, city=city_a, reference_date=datetime.date(2019, 12, 31), population=123_457
    )
    # Feedback on the site's accessibility: editors only (public.admin).
    feedback_submit(name="", email="leser@example.org", message="Der Kontrast ist zu schwach.", page_url="/")

    users = {
        "anonymous": None,
        "staff_a": factories.coordinator_of(city_a, username="staff-a"),
        "staff_b": factories.coordinator_of(city_b, username="staff-b"),
        "reviewer": factories.UserFactory(username="reviewer", groups=["reviewers"], cities=[city_c], is_staff=True),
        "own_city_reviewer": factories.UserFactory(
            username="reviewer-a", groups=["reviewers"], cities=[city_a], is_staff=True
        ),
        "editor": editor,
    }
    editor.is_staff = True
    editor.save()
    ReviewAssignment.objects.create(edition=edition, city=city_a, reviewer=users["reviewer"])

    token = ApiToken.objects.get(digest=_token_digest(users["staff_a"]))
    _invitation, invitation_token = coordination.staff_invite(
        user=users["staff_a"],
        city=city_a,
        email="neu@example.org",
        role=CityMembership.Role.STAFF,
        link_template="https://example.org/portal/invitation/{token}/",
    )
    # single sign-on: staff A's link to a provider, and an editor's claim mapping to city A
    OIDCIdentity.objects.create(user=users["staff_a"], issuer="https://login.stadt-a.example", subject="staff-a")
    ClaimMapping.objects.create(claim="groups", value="sci-a", city=city_a, role=CityMembership.Role.STAFF)
    names = {
        "year": UNPUBLISHED_YEAR,
        "published_year": PUBLISHED_YEAR,
        "city": city_a.slug,
        "city_b": city_b.slug,
        "draft_key": "online-termine",
        "secret_key": "wartezeit",
        "secret_file": secret_file.pk,
        "public_file": public_file.pk,
        "membership": CityMembership.objects.get(user=users["staff_a"]).pk,
        "invitation": invitation_token,
        "domain": "verwaltung",
        "token": token.pk,
        "submitted": submitted.pk,
        "run": unpublished_run.pk,
        "published_run": published_run.pk,
        "webhook": endpoint.pk,
        "edition_pk": edition.pk,
        "project": project.pk,
        "objection_file": objection.pk,
    }
    objects = {
        "secret_answer": secret,
        "submitted": submitted,
        "draft": draft,
        "secret_file": secret_file,
        "public_file": public_file,
        "project": project,
        "unpublished_run": unpublished_run,
        "published_run": published_run,
        "endpoint": endpoint,
    }
    sessions = {}
    for role, user in users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return World(edition, published, city_a, city_b, users, names, objects, sessions)


def _token_digest(user) -> str:
    from api.models import token_digest

    return token_digest(factories.api_token(user, ApiToken.Scope.WRITE, name="Walk"))
