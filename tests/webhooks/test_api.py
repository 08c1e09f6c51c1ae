"""The editors' webhook API: endpoints (secret write-only), their delivery log, and who may call it."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

SECRET = "a-long-shared-secret-0001"
LIST = "/api/v1/editor/webhooks/"


def detail(endpoint) -> str:
    return f"{LIST}{endpoint.pk}/"


def deliveries(endpoint) -> str:
    return f"{LIST}{endpoint.pk}/deliveries/"


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def endpoint(editor):
    return WebhookEndpoint.objects.create(
        url="https://hooks.example.org/sci",
        secret=SECRET,
        events=[WebhookEvent.EDITION_PUBLISHED],
        description="Redaktionssystem",
        created_by=editor,
    )


def make_deliveries(endpoint, count: int, **fields) -> list[WebhookDelivery]:
    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, event=WebhookEvent.EDITION_PUBLISHED, payload={"edition": n}, body="{}", **fields
        )
        for n in range(count)
    )


def test_an_editor_registers_an_endpoint_and_never_sees_the_secret_again(client_for, editor, settings):
    # given
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = False
    client = client_for(editor)

    # when
    response = client.post(
        LIST,
        {
            "url": "https://hooks.example.org/sci",
            "secret": SECRET,
            "events": ["edition.published", "scores.recomputed"],
            "description": "Redaktionssystem",
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body == {
        "id": endpoint.pk,
        "url": "https://hooks.example.org/sci",
        "description": "Redaktionssystem",
        "events": ["edition.published", "scores.recomputed"],
        "is_active": True,
        "secret_hint": "••••0001",
        "created_by": editor.username,
        "created_at": body["created_at"],
    }
    assert endpoint.secret == SECRET
    assert SECRET not in response.content.decode()
    assert SECRET not in client.get(detail(endpoint)).content.decode()


def test_an_http_url_is_refused_with_the_field_named(client_for, editor, settings):
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = False

    response = client_for(editor).post(
        LIST, {"url": "http://hooks.example.org/sci", "secret": SECRET, "events": ["edition.published"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "message": "Die Eingaben sind ungültig.",
        "code": "invalid",
        "errors": {"url": ["Die Adresse muss mit https:// beginnen."]},
    }
    assert WebhookEndpoint.objects.count() == 0


def test_unknown_events_and_a_short_secret_are_refused(client_for, editor):
    response = client_for(editor).post(
        LIST, {"url": "https://hooks.example.org/sci", "secret": "short", "events": ["answer.deleted"]}, format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"secret", "events"}
    assert WebhookEndpoint.objects.count() == 0


def test_a_number_where_the_schema_says_text_is_refused_not_stored_as_text(client_for, editor):
    # a JSON number for description or secret (DRF's CharField would have stored 0 as "0")
    response = client_for(editor).post(
        LIST,
        {"url": "https://hooks.example.org/sci", "description": 0, "secret": 1234567890123456, "events": []},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["description"] == errors["secret"] == ["Bitte einen Text angeben (eine JSON-Zeichenkette)."]
    assert WebhookEndpoint.objects.count() == 0


def test_a_patch_changes_only_the_given_fields_and_keeps_the_secret(client_for, editor, endpoint):
    response = client_for(editor).patch(detail(endpoint), {"is_active": False}, format="json")

    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.secret, endpoint.url, endpoint.events) == (
        False,
        SECRET,
        "https://hooks.example.org/sci",
        ["edition.published"],
    )
    assert endpoint.history.latest().history_user == editor


def test_a_put_needs_url_and_events_and_may_replace_the_secret(client_for, editor, endpoint):
    client = client_for(editor)

    missing = client.put(detail(endpoint), {"events": ["scores.recomputed"]}, format="json")
    replaced = client.put(
        detail(endpoint),
        {"url": "https://hooks.example.org/neu", "events": ["scores.recomputed"], "secret": "another-secret-0002"},
        format="json",
    )

    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["url"]
    assert replaced.status_code == 200
    assert replaced.json()["secret_hint"] == "••••0002"
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.secret, endpoint.is_active) == (
        "https://hooks.example.org/neu",
        ["scores.recomputed"],
        "another-secret-0002",
        True,
    )


def test_an_editor_removes_an_endpoint(client_for, editor, endpoint):
    response = client_for(editor).delete(detail(endpoint))

    assert response.status_code == 204
    assert WebhookEndpoint.objects.count() == 0


def test_the_list_runs_a_fixed_number_of_queries(client_for, editor, django_assert_num_queries):
    # given
    client = client_for(editor)
    for n in range(12):
        WebhookEndpoint.objects.create(
            url=f"https://hooks.example.org/{n}", secret=SECRET, events=["edition.published"], created_by=editor
        )

    # when: session, user, editor group check, count, page (with the creators)
    with django_assert_num_queries(5):
        response = client.get(LIST)

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 12
    assert [row["url"] for row in response.json()["results"]][:2] == [
        "https://hooks.example.org/0",
        "https://hooks.example.org/1",
    ]


def test_the_delivery_log_lists_newest_first_filters_by_state_and_runs_a_fixed_number_of_queries(
    client_for, editor, endpoint, settings, django_assert_num_queries
):
    # given: 10 delivered, 5 failed, 3 pending deliveries
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    make_deliveries(endpoint, 10, delivered_at=timezone.now(), attempts=1, last_status_code=200)
    make_deliveries(endpoint, 5, attempts=6, last_status_code=500, last_error="HTTP 500")
    make_deliveries(endpoint, 3, attempts=2)
    client = client_for(editor)

    # when
    with django_assert_num_queries(6):  # session, user, editor check, endpoint, count, page
        everything = client.get(deliveries(endpoint))
    failed = client.get(deliveries(endpoint), {"state": "failed"})
    pending = client.get(deliveries(endpoint), {"state": "pending"})

    # then
    assert everything.json()["count"] == 18
    ids = [row["id"] for row in everything.json()["results"]]
    assert ids == sorted(ids, reverse=True)
    assert failed.json()["count"] == 5
    row = failed.json()["results"][0]
    assert (row["state"], row["attempts"], row["last_status_code"], row["last_error"]) == ("failed", 6, 500, "HTTP 500")
    assert {row["state"] for row in pending.json()["results"]} == {"pending"}
    assert pending.json()["count"] == 3


def test_the_delivery_log_of_an_unknown_endpoint_is_not_found(client_for, editor):
    response = client_for(editor).get(f"{LIST}999999/deliveries/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "list"), ("post", "list"), ("get", "detail"), ("patch", "detail"), ("delete", "detail"), ("get", "log")],
)
def test_a_reviewer_is_refused_everywhere(client_for, reviewer, endpoint, method, path):
    url = {"list": LIST, "detail": detail(endpoint), "log": deliveries(endpoint)}[path]

    response = getattr(client_for(reviewer), method)(url, {}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "message": "Nur die Redaktion kann Webhooks verwalten.",
        "code": "permission_denied",
        "errors": {},
    }
    assert WebhookEndpoint.objects.get().is_active is True


def test_an_anonymous_call_is_unauthenticated(client_for, endpoint):
    response = client_for(None).get(LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
