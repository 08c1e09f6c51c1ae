"""The API when its infrastructure fails or is abused: the cache (Redis) unreachable, nesting too deep to
parse, a body larger than allowed. Every answer is the API's error shape or the normal answer, never a 500."""

import json
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import override_settings

from api import throttling
from indicators.models import Answer
from scoring.models import ScoreRun
from smartcity.errors import bad_request
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


# --- Bodies the parser must refuse in the API's error shape ----------------------------------------


def test_json_nested_too_deeply_is_a_400_in_the_error_shape_and_changes_nothing(api_client, edition, city, staff):
    # given
    make_answer(edition, city, "busse", value_number=Decimal(40))
    body = '{"value": 41, "version": 1, "note": ' + "[" * 100_000 + "]" * 100_000 + "}"

    # when
    response = api_client(staff).generic(
        "PATCH", answers_url(city, edition, "busse"), body, content_type="application/json"
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "Ungültiges JSON: zu tief verschachtelt (höchstens 32 Ebenen).",
        "code": "parse_error",
        "errors": {},
    }
    assert Answer.objects.get(city=city, parameter__key="busse").value_number == Decimal(40)


def test_json_nested_deeper_than_allowed_but_parseable_is_refused_too(api_client, edition, city, staff):
    # given: 200 levels parse without a RecursionError, but are more than any endpoint takes
    make_answer(edition, city, "busse", value_number=Decimal(40))
    body = '{"value": 41, "version": 1, "note": ' + "[" * 200 + "]" * 200 + "}"

    # when
    response = api_client(staff).generic(
        "PATCH", answers_url(city, edition, "busse"), body, content_type="application/json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert Answer.objects.get(city=city, parameter__key="busse").value_number == Decimal(40)


def test_a_body_larger_than_allowed_is_a_413_in_the_error_shape_and_changes_nothing(
    api_client, edition, city, staff, settings
):
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    make_answer(edition, city, "busse", value_number=Decimal(40))
    body = '{"value": 41, "version": 1, "note": "' + "x" * 2000 + '"}'

    # when
    response = api_client(staff).generic(
        "PATCH", answers_url(city, edition, "busse"), body, content_type="application/json"
    )

    # then
    assert response.status_code == 413
    assert response.json() == {
        "message": "Die Anfrage ist zu groß (höchstens 1000 Bytes).",
        "code": "too_large",
        "errors": {},
    }
    assert Answer.objects.get(city=city, parameter__key="busse").value_number == Decimal(40)


def test_a_body_django_refuses_before_any_view_is_a_413_in_the_error_shape_under_api_only(rf, settings):
    # given: Django refused the body before a view ran (it calls the site's handler400 then)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    refused = RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")

    # when
    api = bad_request(rf.post("/api/v1/editions/"), refused)
    page = bad_request(rf.post("/portal/"), refused)

    # then
    assert (api.status_code, json.loads(api.content)) == (
        413,
        {"message": "Die Anfrage ist zu groß (höchstens 1000 Bytes).", "code": "too_large", "errors": {}},
    )
    assert (page.status_code, page["Content-Type"]) == (400, "text/html; charset=utf-8")
