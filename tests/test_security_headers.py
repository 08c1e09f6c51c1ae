"""Content-Security-Policy and Permissions-Policy on every kind of HTML page (issue 15, item 15): the public
site, the portal, the admin, the API docs, the login and the error pages; and no template (nor Python code
writing HTML) that would need 'unsafe-inline': no inline script, no on…= handler, no <style>, no style="…"."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError
from django.test import Client
from django.urls import path

from indicators.models import Answer, EvidenceFile
from indicators.services.evidence import evidence_file_add
from smartcity.urls import urlpatterns as site_urlpatterns
from tests import factories
from tests.indicators.test_evidence import pdf_bytes, upload
from tests.scoring.test_services import answer_all, publish

ROOT = Path(__file__).resolve().parents[1]

# The policy every HTML page gets, directive by directive (sources as sets: their order does not matter).
STRICT_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "frame-src": {"'self'"},
    "worker-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
# Redoc's bundle (styled-components) writes its styles as <style> elements at run time: that page alone
# allows inline styles, and blob: workers for its search index. Scripts stay 'self' only.
REDOC_CSP = {**STRICT_CSP, "style-src": {"'self'", "'unsafe-inline'"}, "worker-src": {"'self'", "blob:"}}

PERMISSIONS_POLICY = (
    "accelerometer=(), ambient-light-sensor=(), autoplay=(), bluetooth=(), camera=(), display-capture=(), "
    "geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "publickey-credentials-get=(), serial=(), usb=(), xr-spatial-tracking=()"
)


def unreachable(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def broken(request):
    raise ValueError("a bug")


# The site's own URLs, plus two views that fail, to reach the 500 and 503 pages.
urlpatterns = [path("test-fehler/datenbank/", unreachable), path("test-fehler/bug/", broken), *site_urlpatterns]
handler404 = "smartcity.errors.page_not_found"
handler500 = "smartcity.errors.server_error"

pytestmark = pytest.mark.urls("tests.test_security_headers")


def policy(header: str) -> dict[str, set[str]]:
    """'default-src 'self'; img-src 'self' data:' → {'default-src': {"'self'"}, 'img-src': {"'self'", 'data:'}}."""
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {header!r}"
        directives[name] = set(sources)
    return directives


def assert_strict_headers(response, expected=STRICT_CSP) -> None:
    assert policy(response["Content-Security-Policy"]) == expected
    assert "unsafe-inline" not in policy(response["Content-Security-Policy"])["script-src"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


@pytest.fixture
def published(editor):
    edition = factories.small_edition(cities=3, year=2031)
    answer_all(edition, seed=3)
    publish(edition, editor)
    return edition


@pytest.fixture
def reviewer_client(client, role_groups):
    client.force_login(factories.UserFactory(groups=["reviewers"], is_staff=True))
    return client


@pytest.fixture
def failing_client(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url", ["/", "/ranking/2031/", "/stadt/{city}/2031/", "/vergleich/2031/", "/methodik/", "/faq/", "/daten/", "/en/"]
)
def test_public_pages_send_the_strict_policy(client, published, url):
    # when
    response = client.get(url.format(city=factories.cities_of(published)[0].slug))

    # then
    assert response.status_code == 200
    assert_strict_headers(response)


def test_a_public_page_served_from_the_page_cache_still_gets_the_headers(client, published):
    # given: the first request fills the page cache
    first = client.get("/ranking/2031/")

    # when
    cached = client.get("/ranking/2031/")

    # then
    assert cached.content == first.content
    assert_strict_headers(cached)


def test_the_city_profile_draws_its_charts_from_static_scripts_only(client, published):
    response = client.get(f"/stadt/{factories.cities_of(published)[0].slug}/2031/")

    html = response.content.decode()
    assert "chart-4.6.1.umd.min.js" in html
    assert INLINE_SCRIPT.findall(html) == []


@pytest.mark.parametrize("url", ["/portal/", "/portal/{city}/2030/", "/portal/{city}/2030/import/"])
def test_portal_pages_send_the_strict_policy(client, staff, city, url):
    # given
    client.force_login(staff)

    # when
    response = client.get(url.format(city=city.slug))

    # then
    assert response.status_code == 200
    assert_strict_headers(response)


def test_the_questionnaire_configures_htmx_without_inline_script_or_injected_styles(client, staff, city):
    # given
    client.force_login(staff)

    # when
    html = client.get(f"/portal/{city.slug}/2030/").content.decode()

    # then: the CSRF header comes from hx-headers, htmx injects no <style> and evaluates no strings
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in html
    assert re.search(r"""<body hx-headers='\{"X-CSRFToken": "\w+"\}'>""", html)
    assert INLINE_SCRIPT.findall(html) == []


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/indicators/answer/", "/admin/indicators/answer/{answer}/change/", "/admin/indicators/"]
)
def test_admin_pages_send_the_strict_policy(reviewer_client, edition, city, url):
    # given: a submitted answer in the review queue
    answer = Answer.objects.create(
        edition=edition,
        city=city,
        parameter=factories.parameter(edition, "busse"),
        value_number=Decimal(42),
        evidence_url="https://example.org/busse.pdf",
        status=Answer.Status.SUBMITTED,
    )

    # when
    response = reviewer_client.get(url.format(answer=answer.pk), follow=True)

    # then
    assert response.status_code == 200
    assert_strict_headers(response)


def test_the_review_page_styles_come_from_a_static_file(reviewer_client, edition, city):
    answer = Answer.objects.create(
        edition=edition, city=city, parameter=factories.parameter(edition, "busse"), status=Answer.Status.SUBMITTED
    )

    html = reviewer_client.get(f"/admin/indicators/answer/{answer.pk}/change/").content.decode()

    assert "<style" not in html
    assert "/static/css/review-panel.css" in html


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", "/accounts/password_reset/"])
def test_login_pages_send_the_strict_policy(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert_strict_headers(response)


def test_swagger_ui_loads_its_settings_from_a_script_file_not_an_inline_script(client):
    # when
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    # then
    assert page.status_code == 200
    assert_strict_headers(page)
    html = page.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert "<style" not in html
    assert '<script src="/api/docs/?script="></script>' in html
    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"
    assert "SwaggerUIBundle" in script.content.decode()


def test_redoc_loads_no_inline_script_and_nothing_from_other_sites(client):
    response = client.get("/api/redoc/")

    assert response.status_code == 200
    assert_strict_headers(response, expected=REDOC_CSP)
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert "<style" not in html and "googleapis" not in html


def test_the_json_api_gets_the_headers_too(client, published):
    response = client.get("/api/v1/editions/")

    assert response.status_code == 200
    assert_strict_headers(response)


def test_the_404_page_sends_the_strict_policy(failing_client):
    response = failing_client.get("/gibt-es-nicht/")

    assert response.status_code == 404
    assert_strict_headers(response)


def test_the_500_and_503_pages_send_the_strict_policy(failing_client):
    assert_strict_headers(failing_client.get("/test-fehler/bug/"))
    response = failing_client.get("/test-fehler/datenbank/")

    assert response.status_code == 503
    assert_strict_headers(response)


def test_the_csrf_failure_page_has_no_inline_style(db):
    # given: a form post without its CSRF token
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})

    # then
    assert response.status_code == 403
    assert_strict_headers(response)
    html = response.content.decode()
    assert "<style" not in html
    assert "Die Sicherheitsprüfung des Formulars (CSRF) ist fehlgeschlagen, es wurde nichts gespeichert." in html


def test_evidence_previews_keep_their_own_policy_and_may_be_framed_by_the_site(
    client, staff, city, edition, tmp_path, monkeypatch
):
    """The review page shows PDFs in an iframe of the same site (frame-src 'self'); the file keeps its own
    locked-down policy, which the site-wide one must not replace."""
    # given
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))
    answer = Answer.objects.create(
        edition=edition, city=city, parameter=factories.parameter(edition, "busse"), value_number=Decimal(50)
    )
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("Nachweis.pdf", pdf_bytes()))
    client.force_login(staff)

    # when
    response = client.get(f"/portal/evidence/{evidence.pk}/download/?inline=1")

    # then
    assert response.status_code == 200
    assert (
        response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


# --- (b) no template and no Python code writing HTML needs 'unsafe-inline' ---

# A <script> without src= runs inline, unless it is a data block (json_script's type="application/json").
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def our_templates() -> list[Path]:
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [ROOT / app / "templates" for app in ("indicators", "scoring", "public", "api", "webhooks", "smartcity")]
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*.html"))


def our_python() -> list[Path]:
    apps = ("indicators", "scoring", "public", "api", "webhooks", "smartcity")
    return sorted(p for app in apps for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def test_the_template_walk_finds_the_templates():
    names = {p.relative_to(ROOT).as_posix() for p in our_templates()}
    assert {"templates/base.html", "templates/indicators/questionnaire.html", "templates/503.html"} <= names


@pytest.mark.parametrize(
    ("pattern", "sample"),
    [
        (INLINE_SCRIPT, "<script>alert(1)</script>"),
        (INLINE_SCRIPT, '<script type="module">'),
        (INLINE_HANDLER, '<button type="button" onclick="go()">'),
        (INLINE_STYLE, '<div class="x" style="color: red">'),
        (INLINE_STYLE, "<style>"),
        (JAVASCRIPT_URL, '<a href="javascript:go()">'),
    ],
)
def test_the_checks_catch_what_they_look_for(pattern, sample):
    assert pattern.search(sample)
    assert not pattern.search(
        '<script src="/static/js/charts.js" defer></script><a href="/x" class="onclick">'
        '<script id="data-domains" type="application/json">{"a": 1}</script>'
    )


@pytest.mark.parametrize(
    "check", [INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE, JAVASCRIPT_URL], ids=lambda c: c.pattern
)
def test_no_template_has_inline_script_handlers_or_styles(check):
    found = [
        f"{p.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}"
        for p in our_templates()
        for text in [p.read_text(encoding="utf-8")]
        for m in check.finditer(text)
    ]
    assert found == []


def test_no_python_code_writes_inline_script_handlers_or_styles():
    checks = (re.compile(r"<script[\s>]", re.IGNORECASE), INLINE_HANDLER, INLINE_STYLE, JAVASCRIPT_URL)
    found = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in our_python()
        for text in [p.read_text(encoding="utf-8")]
        for check in checks
        for m in check.finditer(text)
    ]
    assert found == []
