"""The webhook admin: editors register endpoints (secret masked), read the delivery log, send failed ones again."""

import pytest
from django.utils import timezone

from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

SECRET = "a-long-shared-secret-0001"
ENDPOINTS = "/admin/webhooks/webhookendpoint/"
DELIVERIES = "/admin/webhooks/webhookdelivery/"


@pytest.fixture
def admin_client_for(client):
    def login(user):
        user.is_staff = True
        user.save()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def endpoint(editor):
    return WebhookEndpoint.objects.create(
        url="https://hooks.example.org/sci", secret=SECRET, events=["edition.published"], created_by=editor
    )


def delivery(endpoint, **fields) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=WebhookEvent.EDITION_PUBLISHED,
        payload={"edition": 2030},
        body='{"data":{"edition":2030},"event":"edition.published"}',
        **fields,
    )


def test_an_editor_registers_an_endpoint_in_the_admin(admin_client_for, editor, settings):
    # given
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = False
    client = admin_client_for(editor)
    form = client.get(ENDPOINTS + "add/")
    assert form.status_code == 200
    assert 'type="password"' in form.content.decode()

    # when
    response = client.post(
        ENDPOINTS + "add/",
        {
            "description": "Redaktionssystem",
            "url": "https://hooks.example.org/sci",
            "secret": SECRET,
            "events": ["edition.published", "answer.status_changed"],
            "is_active": "on",
        },
    )

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.secret, endpoint.events, endpoint.created_by) == (
        "https://hooks.example.org/sci",
        SECRET,
        ["edition.published", "answer.status_changed"],
        editor,
    )
    assert endpoint.history.get().history_user == editor


def test_the_admin_refuses_http_with_the_services_message(admin_client_for, editor, settings):
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = False

    response = admin_client_for(editor).post(
        ENDPOINTS + "add/",
        {"url": "http://hooks.example.org/sci", "secret": SECRET, "events": ["edition.published"], "is_active": "on"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"] == ["Die Adresse muss mit https:// beginnen."]
    assert WebhookEndpoint.objects.count() == 0


def test_the_change_page_never_shows_the_secret_and_an_empty_one_keeps_it(admin_client_for, editor, endpoint):
    # given
    client = admin_client_for(editor)

    # when
    page = client.get(f"{ENDPOINTS}{endpoint.pk}/change/")
    listing = client.get(ENDPOINTS)
    response = client.post(
        f"{ENDPOINTS}{endpoint.pk}/change/",
        {"url": "https://hooks.example.org/neu", "secret": "", "events": ["scores.recomputed"]},
    )

    # then: masked everywhere; the change saved without touching the secret (and is_active unticked)
    assert page.status_code == 200 and listing.status_code == 200
    assert SECRET not in page.content.decode() and SECRET not in listing.content.decode()
    assert "••••0001" in page.content.decode() and "••••0001" in listing.content.decode()
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.secret, endpoint.is_active) == (
        "https://hooks.example.org/neu",
        ["scores.recomputed"],
        SECRET,
        False,
    )


def test_the_delivery_log_filters_by_state_and_shows_each_attempt(admin_client_for, editor, endpoint, settings):
    # given
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    failed = delivery(
        endpoint,
        attempts=6,
        last_status_code=500,
        last_error="HTTP 500",
        last_response="Internal Server Error",
        attempt_log=[
            {
                "at": "2030-06-30T12:00:00Z",
                "status_code": 500,
                "error": "HTTP 500",
                "duration_ms": 12,
                "response": "boom",
            }
        ],
    )
    delivered = delivery(endpoint, attempts=1, delivered_at=timezone.now(), last_status_code=200)
    client = admin_client_for(editor)

    # when
    failed_list = client.get(DELIVERIES, {"state": "failed"})
    delivered_list = client.get(DELIVERIES, {"state": "delivered", "event": "edition.published"})
    by_endpoint = client.get(DELIVERIES, {"endpoint__id__exact": endpoint.pk})
    page = client.get(f"{DELIVERIES}{failed.pk}/change/")

    # then
    assert list(failed_list.context["cl"].result_list) == [failed]
    assert list(delivered_list.context["cl"].result_list) == [delivered]
    assert by_endpoint.context["cl"].result_count == 2
    content = page.content.decode()
    assert page.status_code == 200
    assert "Internal Server Error" in content and "boom" in content and "fehlgeschlagen" in content


def test_send_again_resets_a_failed_delivery_and_requests_a_run_after_commit(
    admin_client_for, editor, endpoint, settings, django_capture_on_commit_callbacks
):
    # given
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    failed = delivery(endpoint, attempts=6, last_status_code=500)
    delivered = delivery(endpoint, attempts=1, delivered_at=timezone.now())
    client = admin_client_for(editor)

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            DELIVERIES, {"action": "send_again", "_selected_action": [failed.pk, delivered.pk]}, follow=True
        )

    # then: only the undelivered one is due again, with a fresh set of attempts
    failed.refresh_from_db()
    assert (failed.attempts, failed.state) == (0, "pending")
    assert failed.next_attempt_at <= timezone.now()
    assert WebhookDelivery.objects.get(pk=delivered.pk).attempts == 1
    assert len(callbacks) == 1
    assert "1 Zustellung wird erneut gesendet." in response.content.decode()


def test_the_delivery_log_runs_a_bounded_number_of_queries(
    admin_client_for, editor, endpoint, django_assert_max_num_queries
):
    for _ in range(30):
        delivery(endpoint)
    client = admin_client_for(editor)

    with django_assert_max_num_queries(8):
        response = client.get(DELIVERIES)

    assert response.context["cl"].result_count == 30


def test_a_reviewer_has_no_access_to_the_webhook_admin(admin_client_for, reviewer, endpoint):
    client = admin_client_for(reviewer)

    assert client.get(ENDPOINTS).status_code == 403
    assert client.get(DELIVERIES).status_code == 403
