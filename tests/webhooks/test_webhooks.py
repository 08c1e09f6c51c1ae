"""Webhooks: signed deliveries to a real local HTTP receiver, after commit only, retries with backoff, the log."""

import hashlib
import hmac
import json
import logging
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from indicators import services as answer_services
from indicators.models import Answer
from scoring.services import scores_recompute
from smartcity import task_queue
from tests.factories import VALID_VALUE, AnswerFactory, UserFactory, cities_of, parameter
from tests.scoring.test_services import answer_all, publish
from webhooks import tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import (
    WEBHOOKS_DELIVER_TASK,
    signature,
    webhook_deliveries_retry,
    webhook_endpoint_save,
    webhook_event,
    webhooks_deliver,
)

SECRET = "a-long-shared-secret-0001"
SITE = "https://index.example.org"
ALL_EVENTS = list(WebhookEvent.values)
Event = WebhookEvent

pytestmark = pytest.mark.django_db


# --- A real HTTP receiver on 127.0.0.1 -------------------------------------------------------------


class Receiver:
    """A webhook receiver in a thread: records every request and checks its signature with `secret`.

    Answers with the next status of `statuses` (200 once they are used up); a request whose signature
    does not verify is answered 401, as a real receiver would.
    """

    def __init__(self, *, secret: str = SECRET, statuses=(), headers=None):
        self.secret = secret
        self.statuses = list(statuses)
        self.extra_headers = headers or {}
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(expected, self.headers.get("X-SCI-Signature", ""))
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": self.headers, "body": body, "valid": valid})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if not valid:
                    status = 401
                reply = b"ok" if status < 300 else f"error {status}".encode()
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def payloads(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 3  # every receiver here answers at once; bounds a broken test
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    settings.SITE_URL = SITE + "/"


@pytest.fixture
def make_receiver():
    receivers = []

    def make(**kwargs) -> Receiver:
        receiver = Receiver(**kwargs)
        receivers.append(receiver)
        return receiver

    yield make
    for receiver in receivers:
        receiver.stop()


@pytest.fixture
def receiver(make_receiver):
    return make_receiver()


def endpoint_for(receiver_or_url, *, events=None, secret=SECRET, is_active=True) -> WebhookEndpoint:
    url = receiver_or_url if isinstance(receiver_or_url, str) else receiver_or_url.url
    return WebhookEndpoint.objects.create(
        url=url, secret=secret, events=ALL_EVENTS if events is None else events, is_active=is_active
    )


def submitted(edition, city, key="wartezeit") -> Answer:
    values = {**VALID_VALUE[key], "evidence_url": "https://stadt.example/nachweis.pdf"}
    return AnswerFactory(parameter=parameter(edition, key), city=city, status=Answer.Status.SUBMITTED, **values)


def as_json(value) -> str:
    return DjangoJSONEncoder().default(value)


def closed_port_url() -> str:
    """A local URL where nothing listens (the connection is refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


# --- Signed delivery ---------------------------------------------------------------------------------


def test_a_delivery_reaches_a_real_receiver_signed_with_the_endpoint_secret(
    receiver, django_capture_on_commit_callbacks
):
    # given
    endpoint = endpoint_for(receiver, events=[Event.SCORES_RECOMPUTED])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event(Event.SCORES_RECOMPUTED, {"edition": 2030, "run_id": 7})

    # then: one POST, with the headers, a body that is compact JSON with sorted keys, and a valid signature
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    delivery = WebhookDelivery.objects.get()
    headers = request["headers"]
    assert request["path"] == "/hook"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-SCI-Event"] == "scores.recomputed"
    assert headers["X-SCI-Delivery"] == str(delivery.pk)
    assert abs(int(headers["X-SCI-Timestamp"]) - timezone.now().timestamp()) < 60
    assert request["valid"] is True
    expected = hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert headers["X-SCI-Signature"] == f"sha256={expected}"
    assert signature(SECRET, request["body"]) == headers["X-SCI-Signature"]
    body = json.loads(request["body"])
    assert request["body"].decode() == json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert request["body"].decode() == delivery.body
    assert body["event"] == "scores.recomputed"
    assert body["data"] == {"edition": 2030, "run_id": 7}
    # and the row is delivered, with the response logged
    assert delivery.endpoint == endpoint
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_response, delivery.last_error) == (
        1,
        200,
        "ok",
        "",
    )
    assert delivery.duration_ms is not None
    assert [entry["status_code"] for entry in delivery.attempt_log] == [200]


def test_a_receiver_with_another_secret_rejects_the_signature_and_the_delivery_is_logged_as_failed(
    make_receiver, django_capture_on_commit_callbacks
):
    # given: the receiver knows a different secret than the one registered
    receiver = make_receiver(secret="the-receivers-other-secret")
    endpoint_for(receiver)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})

    # then: the HMAC of the raw body with the registered secret is what was sent, and not the receiver's
    request = receiver.requests[0]
    sent = request["headers"]["X-SCI-Signature"]
    assert sent == "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    other = "sha256=" + hmac.new(b"the-receivers-other-secret", request["body"], hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(sent, other)
    assert request["valid"] is False
    delivery = WebhookDelivery.objects.get()
    assert (delivery.delivered_at, delivery.attempts, delivery.last_status_code) == (None, 1, 401)
    assert delivery.last_error == "HTTP 401"
    assert delivery.last_response == "error 401"


# --- Retries -----------------------------------------------------------------------------------------


def test_a_failing_receiver_is_retried_after_the_backoff_and_both_attempts_are_logged(
    make_receiver, django_capture_on_commit_callbacks
):
    # given: a receiver that fails once, then accepts; the delivery is written but not yet sent
    receiver = make_receiver(statuses=[500])
    endpoint_for(receiver)
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})
    start = timezone.now()

    # when: the first attempt fails
    first = webhooks_deliver(now=start)

    # then: postponed by 30 seconds, with the status and response logged
    delivery = WebhookDelivery.objects.get()
    assert first == {"delivered": 0, "failed": 1, "claimed": 1}
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 500, "HTTP 500")
    assert delivery.last_response == "error 500"
    assert delivery.next_attempt_at == start + timedelta(seconds=30)
    assert delivery.state == WebhookDelivery.State.PENDING

    # when: a run before the backoff has passed, then one after it
    early = webhooks_deliver(now=start + timedelta(seconds=29))
    later = webhooks_deliver(now=start + timedelta(seconds=30))

    # then: the early run sends nothing; the later one delivers the same signed body again
    assert early == {"delivered": 0, "failed": 0, "claimed": 0}
    assert later == {"delivered": 1, "failed": 0, "claimed": 1}
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert delivery.delivered_at == start + timedelta(seconds=30)
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (2, 200, "")
    assert [(entry["status_code"], entry["error"]) for entry in delivery.attempt_log] == [
        (500, "HTTP 500"),
        (200, ""),
    ]
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    assert {r["headers"]["X-SCI-Delivery"] for r in receiver.requests} == {str(delivery.pk)}
    assert all(request["valid"] for request in receiver.requests)


def test_a_delivery_is_given_up_after_the_maximum_attempts_with_growing_backoff(
    make_receiver, settings, caplog, django_capture_on_commit_callbacks
):
    # given: a receiver that always fails, and four attempts allowed
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    receiver = make_receiver(statuses=[503] * 10)
    endpoint_for(receiver)
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})
    now = timezone.now()
    waits = []

    # when: every run comes exactly when the delivery is due again
    with caplog.at_level(logging.WARNING, logger="webhooks.services"):
        for _ in range(4):
            webhooks_deliver(now=now)
            delivery = WebhookDelivery.objects.get()
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
        after = webhooks_deliver(now=now + timedelta(days=1))

    # then: 30 s, 60 s, 120 s between attempts; the fourth failure gives up; nothing is sent afterwards
    assert waits[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert after["claimed"] == 0
    assert len(receiver.requests) == 4
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.state, delivery.last_status_code) == (4, "failed", 503)
    assert len(delivery.attempt_log) == 4
    assert "giving up webhook delivery" in caplog.text


def test_send_again_resets_a_failed_delivery_which_the_next_run_delivers(
    make_receiver, editor, settings, django_capture_on_commit_callbacks
):
    # given: a delivery that has used up its attempts
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver = make_receiver(statuses=[500])
    endpoint_for(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED

    # when: an editor sends it again (the run is enqueued after commit)
    with django_capture_on_commit_callbacks(execute=True):
        count = webhook_deliveries_retry(user=editor, deliveries=[delivery])

    # then
    delivery.refresh_from_db()
    assert count == 1
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert [entry["status_code"] for entry in delivery.attempt_log] == [500, 200]
    assert len(receiver.requests) == 2


def test_only_editors_send_deliveries_again(reviewer, receiver):
    endpoint = endpoint_for(receiver)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=Event.EDITION_PUBLISHED, payload={}, body="{}")

    with pytest.raises(PermissionDenied):
        webhook_deliveries_retry(user=reviewer, deliveries=[delivery])


def test_redirects_are_not_followed(make_receiver, django_capture_on_commit_callbacks):
    # given: a receiver that redirects to another one
    target = make_receiver()
    redirecting = make_receiver(statuses=[302], headers={"Location": target.url})
    endpoint_for(redirecting)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})

    # then: a failed attempt with the 302 logged; the target never got the request
    delivery = WebhookDelivery.objects.get()
    assert (delivery.delivered_at, delivery.last_status_code) == (None, 302)
    assert delivery.last_error == f"Weiterleitung nach „{target.url}“ wird nicht verfolgt."
    assert target.requests == []


def test_an_unreachable_receiver_costs_one_connection_per_run_and_every_delivery_counts_the_attempt(
    django_capture_on_commit_callbacks,
):
    # given: two deliveries to an address where nothing listens
    endpoint_for(closed_port_url())
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})
        webhook_event(Event.SCORES_RECOMPUTED, {"edition": 2030})

    # when
    result = webhooks_deliver(now=timezone.now())

    # then: both postponed; the second was not tried after the first could not connect
    assert result == {"delivered": 0, "failed": 2, "claimed": 2}
    first, second = WebhookDelivery.objects.order_by("id")
    assert (first.attempts, second.attempts) == (1, 1)
    assert (first.last_status_code, first.last_error) == (None, "Verbindung fehlgeschlagen")
    assert second.last_error == f"Nicht gesendet: {first.last_error}"
    assert second.duration_ms is None


def test_the_task_runs_the_deliveries_and_frees_its_pending_flag(receiver, django_capture_on_commit_callbacks):
    endpoint_for(receiver)
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})
    cache.set(task_queue.pending_key(WEBHOOKS_DELIVER_TASK), 1)

    result = tasks.webhooks_deliver_task.apply().get()

    assert result == {"delivered": 1, "failed": 0, "claimed": 1}
    assert cache.get(task_queue.pending_key(WEBHOOKS_DELIVER_TASK)) is None
    assert len(receiver.requests) == 1


def test_the_beat_schedule_runs_the_deliveries_every_minute(settings):
    assert settings.CELERY_BEAT_SCHEDULE["webhooks-deliver"] == {
        "task": "webhooks.tasks.webhooks_deliver_task",
        "schedule": 60,
    }


# --- Subscriptions -----------------------------------------------------------------------------------


def test_inactive_and_unsubscribed_endpoints_get_nothing(make_receiver, django_capture_on_commit_callbacks):
    # given
    subscribed, other_event, inactive = make_receiver(), make_receiver(), make_receiver()
    endpoint_for(subscribed, events=[Event.EDITION_PUBLISHED])
    endpoint_for(other_event, events=[Event.SCORES_RECOMPUTED, Event.ANSWER_STATUS_CHANGED])
    endpoint_for(inactive, events=[Event.EDITION_PUBLISHED], is_active=False)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})

    # then
    assert len(subscribed.requests) == 1
    assert other_event.requests == [] and inactive.requests == []
    assert WebhookDelivery.objects.count() == 1


def test_a_delivery_for_an_endpoint_paused_since_is_given_up_without_sending(
    receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(receiver)
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    webhooks_deliver(now=timezone.now())

    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert (delivery.state, delivery.last_error) == ("failed", "Der Webhook ist deaktiviert.")


def test_local_http_is_not_sent_once_the_setting_is_off(receiver, settings, django_capture_on_commit_callbacks):
    endpoint_for(receiver)
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event(Event.EDITION_PUBLISHED, {"edition": 2030})
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = False

    webhooks_deliver(now=timezone.now())

    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert (delivery.state, delivery.last_error) == ("failed", "Die Adresse muss mit https:// beginnen.")


# --- Events from the real services -------------------------------------------------------------------


def test_approving_an_answer_sends_its_status_change_and_the_recomputed_scores_after_commit(
    edition, reviewer, receiver, django_capture_on_commit_callbacks
):
    # given
    endpoint_for(receiver)
    city = cities_of(edition)[0]
    answer = submitted(edition, city)

    # when: before commit nothing is sent; after it the status change, then the recompute's run
    with django_capture_on_commit_callbacks(execute=True):
        answer_services.answer_approve(user=reviewer, answer=answer)
        assert receiver.requests == []
        assert WebhookDelivery.objects.filter(event=Event.ANSWER_STATUS_CHANGED).count() == 1

    # then
    assert [request["headers"]["X-SCI-Event"] for request in receiver.requests] == [
        "answer.status_changed",
        "scores.recomputed",
    ]
    changed, recomputed = (payload["data"] for payload in receiver.payloads())
    at = changed.pop("at")
    assert changed == {
        "answer_id": answer.pk,
        "edition": 2030,
        "city": city.slug,
        "parameter": "wartezeit",
        "old_status": "submitted",
        "new_status": "approved",
    }
    assert at.startswith(str(timezone.now().year))
    run = edition.score_runs.get()
    assert recomputed == {
        "edition": 2030,
        "run_id": run.pk,
        "input_hash": run.input_hash,
        "city_count": 5,
        "approved_answer_count": 1,
        "at": as_json(run.created_at),
    }
    assert all(request["valid"] for request in receiver.requests)


def test_editing_an_approved_answer_sends_its_move_back_to_draft(edition, receiver, django_capture_on_commit_callbacks):
    # given: an approved answer and a member of its city
    endpoint_for(receiver, events=[Event.ANSWER_STATUS_CHANGED])
    city = cities_of(edition)[0]
    staff = UserFactory(cities=[city])
    answer = AnswerFactory(
        parameter=parameter(edition, "wartezeit"), city=city, status=Answer.Status.APPROVED, value_number=10
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        answer_services.answer_save(
            user=staff, city=city, parameter=answer.parameter, data=answer_services.AnswerInput(value="12")
        )

    # then
    data = receiver.payloads()[0]["data"]
    assert (data["answer_id"], data["old_status"], data["new_status"]) == (answer.pk, "approved", "draft")


def test_a_rolled_back_decision_sends_nothing(edition, reviewer, receiver, django_capture_on_commit_callbacks):
    # given
    endpoint_for(receiver)
    answer = submitted(edition, cities_of(edition)[0])

    # when: the approval's transaction is rolled back after the service ran
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            answer_services.answer_approve(user=reviewer, answer=answer)
            raise RuntimeError("something later in the request failed")

    # then
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []
    assert Answer.objects.get(pk=answer.pk).status == Answer.Status.SUBMITTED


def test_recomputing_sends_counts_and_the_hash_but_no_scores(edition, receiver, django_capture_on_commit_callbacks):
    # given
    endpoint_for(receiver, events=[Event.SCORES_RECOMPUTED])
    answer_all(edition)

    # when: a new run, then an unchanged recompute (no new run)
    with django_capture_on_commit_callbacks(execute=True):
        run, created = scores_recompute(edition=edition)
    with django_capture_on_commit_callbacks(execute=True):
        scores_recompute(edition=edition)

    # then: one delivery, for the new run only
    assert created is True
    assert len(receiver.requests) == 1
    data = receiver.payloads()[0]["data"]
    assert set(data) == {"edition", "run_id", "input_hash", "city_count", "approved_answer_count", "at"}
    assert (data["run_id"], data["input_hash"], data["city_count"], data["approved_answer_count"]) == (
        run.pk,
        run.input_hash,
        5,
        25,
    )


def test_publishing_an_edition_sends_the_links_to_its_ranking_and_open_data(
    edition, editor, receiver, django_capture_on_commit_callbacks
):
    # given
    endpoint_for(receiver, events=[Event.EDITION_PUBLISHED])
    answer_all(edition)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        run = publish(edition, editor)
        assert receiver.requests == []

    # then
    assert len(receiver.requests) == 1
    assert receiver.requests[0]["headers"]["X-SCI-Event"] == "edition.published"
    assert receiver.payloads()[0]["data"] == {
        "edition": 2030,
        "run_id": run.pk,
        "published_at": as_json(run.published_at),
        "ranking_url": f"{SITE}/ranking/2030/",
        "results_url": f"{SITE}/daten/2030/results.json",
    }


# --- Registering endpoints ---------------------------------------------------------------------------


def test_an_editor_registers_an_https_endpoint(editor, settings):
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = False

    endpoint = webhook_endpoint_save(
        user=editor,
        url=" https://hooks.example.org/sci ",
        secret=SECRET,
        events=[Event.EDITION_PUBLISHED],
        description="Redaktionssystem",
    )

    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.secret, endpoint.events, endpoint.is_active) == (
        "https://hooks.example.org/sci",
        SECRET,
        ["edition.published"],
        True,
    )
    assert endpoint.created_by == editor
    assert endpoint.secret_hint == "••••0001"
    assert endpoint.history.get().history_user == editor


@pytest.mark.parametrize(
    ("allow_local", "url", "message"),
    [
        (False, "http://127.0.0.1:8000/hook", "Die Adresse muss mit https:// beginnen."),
        (False, "http://hooks.example.org/hook", "Die Adresse muss mit https:// beginnen."),
        (True, "http://hooks.example.org/hook", "Die Adresse muss mit https:// beginnen."),
        (False, "https://127.0.0.1/hook", "Interne Adressen sind als Ziel nicht erlaubt."),
        (False, "https://10.1.2.3/hook", "Interne Adressen sind als Ziel nicht erlaubt."),
        (False, "https://localhost/hook", "Interne Adressen sind als Ziel nicht erlaubt."),
        (False, "ftp://hooks.example.org/hook", "Gib eine gültige URL ein."),
    ],
)
def test_an_endpoint_url_must_be_https_unless_local_http_is_allowed(editor, settings, allow_local, url, message):
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = allow_local

    with pytest.raises(ValidationError) as error:
        webhook_endpoint_save(user=editor, url=url, secret=SECRET, events=[Event.EDITION_PUBLISHED])

    assert message in error.value.message_dict["url"]
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "http://localhost:8000/hook"])
def test_local_http_is_accepted_while_allowed(editor, url):
    endpoint = webhook_endpoint_save(user=editor, url=url, secret=SECRET, events=[Event.EDITION_PUBLISHED])

    assert WebhookEndpoint.objects.get().url == endpoint.url == url


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"secret": "too-short"}, "secret", "Bitte sicherstellen, dass der Wert aus mindestens 16 Zeichen besteht."),
        ({"events": []}, "events", "Dieses Feld darf nicht leer sein."),
        ({"events": ["answer.deleted"]}, "events", "Unbekannte Ereignisse: answer.deleted."),
    ],
)
def test_an_endpoint_needs_a_long_secret_and_known_events(editor, changes, field, message):
    arguments = {"url": "https://hooks.example.org/sci", "secret": SECRET, "events": ["edition.published"], **changes}

    with pytest.raises(ValidationError) as error:
        webhook_endpoint_save(user=editor, **arguments)

    assert any(text.startswith(message) for text in error.value.message_dict[field])


def test_a_change_keeps_the_secret_unless_a_new_one_is_given(editor):
    endpoint = webhook_endpoint_save(
        user=editor, url="https://hooks.example.org/sci", secret=SECRET, events=["edition.published"]
    )

    webhook_endpoint_save(user=editor, endpoint=endpoint, is_active=False)

    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.is_active, endpoint.url) == (SECRET, False, "https://hooks.example.org/sci")


def test_a_reviewer_cannot_register_an_endpoint(reviewer):
    with pytest.raises(PermissionDenied):
        webhook_endpoint_save(
            user=reviewer, url="https://hooks.example.org/sci", secret=SECRET, events=["edition.published"]
        )

    assert WebhookEndpoint.objects.count() == 0
