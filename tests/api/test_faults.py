"""The API when its infrastructure fails or is abused: the cache (Redis) unreachable, nesting too deep to
parse, a body larger than allowed. Every answer is the API's error shape or the normal answer, never a 500."""

import logging
from decimal import Decimal

import pytest
from django.test import override_settings

from api import throttling
from indicators.models import Answer
from scoring.models import ScoreRun
from tests.api.test_write_api import answers_url, make_answer, review_url
from tests.public.test_api import published_edition as publish_edition
from tests.stack.processes import free_port

# A Redis nobody listens on: every cache call raises redis' ConnectionError, as while Redis is down.
REDIS_DOWN = override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
)


@pytest.fixture
def published_edition(editor):
    return publish_edition(editor)


@REDIS_DOWN
def test_with_the_cache_down_a_public_read_answers_200_and_the_outage_is_logged(
    api_client, published_edition, caplog, monkeypatch
):
    # given: no outage was logged by this process yet
    monkeypatch.setitem(throttling._last_warning, "at", None)

    # when
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        response = api_client(None).get("/api/v1/editions/")

    # then: the throttle let the request through (fail open) and said so in the log
    assert response.status_code == 200
    assert [row["year"] for row in response.json()["results"]] == [published_edition.year]
    assert any("throttling skipped" in record.getMessage() for record in caplog.records)


@REDIS_DOWN
def test_with_the_cache_down_a_token_write_is_saved_and_the_recompute_request_fails_quietly(
    api_client, edition, city, staff, reviewer, django_capture_on_commit_callbacks
):
    # given
    make_answer(edition, city, "busse", value_number=Decimal(40))
    submitted = make_answer(
        edition, city, "ladepunkte", status=Answer.Status.SUBMITTED, value_number=Decimal(3), version=2
    )

    # when: a staff PATCH and a reviewer's approval (the approval requests a recompute after commit)
    with django_capture_on_commit_callbacks(execute=True):
        saved = api_client(staff).patch(answers_url(city, edition, "busse"), {"value": 41, "version": 1}, format="json")
        approved = api_client(reviewer).post(review_url(submitted, "approve"), {"version": 2}, format="json")

    # then: both are saved; the recompute could not be requested (beat's reconcile catches up)
    assert (saved.status_code, approved.status_code) == (200, 200)
    assert Answer.objects.get(city=city, parameter__key="busse").value_number == Decimal(41)
    submitted.refresh_from_db()
    assert submitted.status == Answer.Status.APPROVED
    assert not ScoreRun.objects.filter(edition=edition).exists()
