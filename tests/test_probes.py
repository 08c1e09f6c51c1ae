"""Health probes: /healthz/live answers a constant, /healthz/ready checks the database and the cache."""

import pytest
from django.db import OperationalError
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from smartcity import health


def test_live_probe_answers_ok_as_plain_text_without_a_language_prefix(client):
    response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert reverse("healthz_live") == "/healthz/live"


def test_live_probe_needs_no_database_no_session_and_sets_no_cookie(client):
    # No django_db mark: any database access (the session, the user) would raise here.
    response = client.get("/healthz/live")

    assert response.status_code == 200
    assert not response.cookies
    assert "X-Cache" not in response


def test_live_probe_refuses_writes(client):
    assert client.post("/healthz/live").status_code == 405


@pytest.mark.django_db
def test_ready_probe_reports_database_and_cache_ok(client):
    response = client.get("/healthz/ready")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert reverse("healthz_ready") == "/healthz/ready"


def _refuse(error):
    def refuse(*args, **kwargs):
        raise error

    return refuse


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ({"connection.cursor": OperationalError("connection refused")}, {"database": "error", "cache": "ok"}),
        ({"cache.set": RedisConnectionError("connection refused")}, {"database": "ok", "cache": "error"}),
        ({"connection.cursor": OSError("down"), "cache.get": OSError("down")}, {"database": "error", "cache": "error"}),
    ],
    ids=["database", "cache", "both"],
)
def test_ready_probe_answers_503_naming_what_failed(client, monkeypatch, broken, expected):
    # given: the named calls fail (a cursor of the default connection, a cache write or read)
    for target, error in broken.items():
        owner, name = target.split(".")
        monkeypatch.setattr(getattr(health, owner), name, _refuse(error))

    # when
    response = client.get("/healthz/ready")

    # then
    assert response.status_code == 503
    assert response.json() == expected


@pytest.mark.django_db
def test_probes_answer_plain_http_when_the_site_redirects_to_https(client, settings):
    # given: production's HTTPS redirect
    settings.SECURE_SSL_REDIRECT = True

    # when / then: a load balancer's plain-HTTP probe is answered, a page is redirected
    assert client.get("/healthz/live").status_code == 200
    assert client.get("/healthz/ready").status_code == 200
    assert client.get("/ranking/").status_code == 301
