"""A database that cannot be reached is answered 503 with Retry-After and a clean page, never a traceback."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path


def unreachable(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def broken(request):
    raise ValueError("a bug")


urlpatterns = [
    path("ranking/", unreachable),
    path("api/v1/rankings/", unreachable),
    path("bug/", broken),
    path("api/v1/bug/", broken),
]
handler500 = "smartcity.errors.server_error"

pytestmark = pytest.mark.urls("tests.test_database_unavailable")


@pytest.fixture
def client(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_a_page_gets_the_503_page_with_retry_after(client):
    response = client.get("/ranking/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Kurz nicht erreichbar" in response.content.decode()
    assert "OperationalError" not in response.content.decode() and "5432" not in response.content.decode()


def test_the_api_gets_its_error_shape_with_retry_after(client):
    response = client.get("/api/v1/rankings/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "message": "Der Dienst ist kurz nicht erreichbar; bitte gleich noch einmal.",
        "code": "unavailable",
        "errors": {},
    }


@pytest.mark.parametrize("url", ["/bug/", "/api/v1/bug/"])
def test_any_other_error_stays_a_500_without_retry_after(client, url):
    response = client.get(url)

    assert response.status_code == 500
    assert "Retry-After" not in response
