"""The error pages with DEBUG off: 400, 403, 404 and 500 in the site's layout, German or English by the address's
prefix, with a way back; the API keeps its JSON error shape."""

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path

from smartcity.urls import urlpatterns as site_urlpatterns
from tests import factories


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("a malformed request")


def broken(request):
    raise ValueError("a bug")


TEST_VIEWS = [
    path("test-fehler/403/", forbidden),
    path("test-fehler/400/", suspicious),
    path("test-fehler/500/", broken),
]
urlpatterns = [
    path("api/v1/test-fehler/403/", forbidden),
    path("api/v1/test-fehler/500/", broken),
    *i18n_patterns(*TEST_VIEWS, prefix_default_language=False),
    *site_urlpatterns,
]
handler400 = "smartcity.errors.bad_request"
handler403 = "smartcity.errors.permission_denied"
handler404 = "smartcity.errors.page_not_found"
handler500 = "smartcity.errors.server_error"

pytestmark = [pytest.mark.urls("tests.smartcity.test_error_pages"), pytest.mark.django_db]

# status → (German heading, English heading)
HEADINGS = {
    400: ("Ungültige Anfrage", "Bad request"),
    403: ("Kein Zugriff", "Access denied"),
    404: ("Seite nicht gefunden", "Page not found"),
    500: ("Interner Fehler", "Internal error"),
}
URLS = {400: "/test-fehler/400/", 403: "/test-fehler/403/", 404: "/gibt-es-nicht/", 500: "/test-fehler/500/"}


@pytest.fixture
def client(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def assert_site_page(response, *, status: int, language: str) -> str:
    body = response.content.decode()
    german, english = HEADINGS[status]
    heading = english if language == "en" else german
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in body
    assert f"<h1>{heading}</h1>" in body
    home = "/en/" if language == "en" else "/"
    assert f'href="{home}"' in body  # the way back home
    impressum = "/en/impressum/" if language == "en" else "/impressum/"
    assert f'href="{impressum}"' in body  # the site's footer
    assert "Traceback" not in body and "a bug" not in body
    return body


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_each_error_page_is_german_in_the_sites_layout(client, status):
    response = client.get(URLS[status])

    assert_site_page(response, status=status, language="de")


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_each_error_page_is_english_under_the_en_prefix(client, status):
    response = client.get("/en" + URLS[status])

    body = assert_site_page(response, status=status, language="en")
    assert HEADINGS[status][0] not in body


def test_an_unmatched_english_address_gets_the_english_404(client):
    # given: an address under /en/ that no route matches, and a browser asking for German
    response = client.get("/en/stadt/gibt-es-nicht/2099/x/", HTTP_ACCEPT_LANGUAGE="de")

    body = assert_site_page(response, status=404, language="en")
    assert "There is no page at this address" in body


@pytest.mark.parametrize("url", ["/portal/gibt-es-nicht/", "/portal/nirgendwo/2024/zeile/1/"])
def test_a_404_inside_the_portal_is_the_sites_page(client, staff, url):
    client.force_login(staff)

    response = client.get(url)

    assert_site_page(response, status=404, language="de")


def test_a_404_inside_the_admin_is_the_sites_page(client, role_groups):
    client.force_login(factories.UserFactory(groups=["editors"], is_staff=True))

    response = client.get("/admin/indicators/gibt-es-nicht/")

    assert_site_page(response, status=404, language="de")


def test_the_404_page_offers_the_previous_page_of_this_site_only(client):
    # given: a link followed from this site, and one from another site
    own = client.get("/gibt-es-nicht/", HTTP_REFERER="http://testserver/ranking/")
    foreign = client.get("/gibt-es-nicht/", HTTP_REFERER="https://evil.example/phish/")

    assert 'href="http://testserver/ranking/"' in own.content.decode()
    assert "Zurück zur vorigen Seite" in own.content.decode()
    assert "evil.example" not in foreign.content.decode()
    assert "Zurück zur vorigen Seite" not in foreign.content.decode()


def test_the_500_page_renders_without_a_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/test-fehler/500/")

    assert_site_page(response, status=500, language="de")


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/test-fehler/403/", 403, "permission_denied"),
        ("/api/v1/gibt-es-nicht/", 404, "not_found"),
        ("/api/v1/test-fehler/500/", 500, "error"),
    ],
)
def test_the_api_keeps_its_json_errors(client, url, status, code):
    response = client.get(url)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code
    assert set(response.json()) == {"message", "code", "errors"}


def test_the_csrf_failure_page_shares_the_error_layout_in_english(client):
    # given: a form posted without its CSRF token
    csrf_client = Client(enforce_csrf_checks=True)

    response = csrf_client.post("/en/accounts/login/", {"username": "x", "password": "y"})

    body = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in body
    assert 'href="/en/impressum/"' in body and 'href="/en/"' in body
