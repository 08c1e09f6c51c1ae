"""Shared fixtures: users by role, a small edition, and the stack tier (PostgreSQL, Redis, worker)."""

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache

from smartcity.celery import app as celery_app
from smartcity.page_cache import page_cache_forget_local
from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CI_NO_SKIPS=1) a skipped test is a failure: a missing service must not pass unnoticed."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI_NO_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"


@pytest.fixture(autouse=True)
def _isolated_cache_and_eager_celery(request):
    """Every test starts with an empty cache (the shared one and the process's copies of public pages);
    outside the stack tier Celery runs eagerly."""
    cache.clear()
    page_cache_forget_local()
    eager = "stack" not in request.keywords
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager or previous
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def edition(db):
    return factories.small_edition()


@pytest.fixture
def editor(db):
    return factories.UserFactory(groups=["editors"])


@pytest.fixture
def reviewer(db):
    return factories.UserFactory(groups=["reviewers"])


@pytest.fixture(autouse=True)
def _published_files_in_tmp(settings, tmp_path):
    """Every test writes the published open data files to its own folder (settings.STORAGES["published"])."""
    settings.STORAGES = {
        **settings.STORAGES,
        "published": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "published"), "allow_overwrite": True},
        },
    }


@pytest.fixture(autouse=True)
def _german_first():
    """A request to an /en/ URL leaves English active in the thread; every test starts in German."""
    from django.utils import translation

    translation.activate("de")
    yield
    translation.activate("de")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def role_groups(db):
    """The reviewer and editor groups with their admin permissions, as the data migrations make them.

    Transactional tests (browser, stack) flush the database after each test, which removes what
    data migrations created; this puts it back by running the same migration code.
    """
    importlib.import_module("indicators.migrations.0002_roles_groups").create_groups(django_apps, None)
    importlib.import_module("indicators.migrations.0006_notification_permissions").grant(django_apps, None)
    importlib.import_module("webhooks.migrations.0002_editor_permissions").grant(django_apps, None)
    importlib.import_module("indicators.migrations.0010_review_assignment_permissions").grant(django_apps, None)
    importlib.import_module("indicators.migrations.0012_official_import_permissions").grant(django_apps, None)
    importlib.import_module("indicators.migrations.0014_research_role").grant(django_apps, None)
    importlib.import_module("indicators.migrations.0016_population_figures").grant(django_apps, None)
    importlib.import_module("public.migrations.0002_editor_permissions").grant(django_apps, None)
    importlib.import_module("sso.migrations.0001_initial").grant(django_apps, None)


# --- The edition's first two cities and their staff (tests of the portal, admin and API) ---


@pytest.fixture
def city(edition):
    return factories.cities_of(edition)[0]


@pytest.fixture
def other_city(edition):
    return factories.cities_of(edition)[1]


@pytest.fixture
def staff(city):
    return factories.UserFactory(cities=[city])


@pytest.fixture
def other_staff(other_city):
    return factories.UserFactory(cities=[other_city])


# --- The browser (Playwright driving Debian's Chromium); here so that every test folder shares one ---

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        message = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# --- DNS and the internet for the webhooks (tests/fake_network.py) ---


@pytest.fixture(autouse=True)
def fake_internet(monkeypatch):
    """Webhook URLs are resolved and connected through a stand-in: the example domains resolve to a
    public address that refuses at once, other names are added per test (`fake_internet.add`); the
    rest of the process keeps the real resolver."""
    import socket

    from tests.fake_network import FakeInternet
    from webhooks import addresses

    internet = FakeInternet(socket.getaddrinfo, addresses.connect)
    monkeypatch.setattr(addresses, "lookup", internet.lookup)
    monkeypatch.setattr(addresses, "connect", internet.connect)
    return internet
