"""Webhooks: registering endpoints, writing deliveries with each change, and sending them signed.

`webhook_event` runs inside the transaction of the change (an answer's status, a score run, a
publication): the change and its deliveries are saved together or not at all. After commit a task
runs `webhooks_deliver`, which POSTs each due delivery; a failing receiver only postpones it (backoff),
up to WEBHOOK_MAX_ATTEMPTS attempts, and every attempt is logged on the row with its response.
"""

import hashlib
import hmac
import http.client
import json
import logging
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import roles
from smartcity import outbox, task_queue
from webhooks import addresses
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

# At most this many deliveries per run (a later run takes the rest).
CLAIM_LIMIT = 100
# A run stops sending after this many seconds and hands the rest back (below the task's soft limit of
# 240 s, with room for one more timeout).
RUN_BUDGET_SECONDS = 180
# After a failed attempt: 30 s, 1, 2, 4 ... minutes, at most an hour (smartcity.outbox.backoff).
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# Kept of a receiver's answer (characters), and read of it (bytes) at most.
RESPONSE_LIMIT = 2000
RESPONSE_READ_BYTES = 8 * RESPONSE_LIMIT
ATTEMPT_LOG_LIMIT = 20
USER_AGENT = "SmartCityIndex-Webhooks/1.0"


# --- Endpoints (editors) ---------------------------------------------------------------------


def _check_editor(user) -> None:
    if not roles.is_editor(user):
        raise PermissionDenied(_("Nur die Redaktion kann Webhooks verwalten."))


@transaction.atomic
def webhook_endpoint_save(
    *,
    user,
    endpoint: WebhookEndpoint | None = None,
    url: str | None = None,
    secret: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Register an endpoint (`endpoint` None) or change one; a None argument leaves that field as it is.

    Editors only. The URL must be https:// on port 443 with a host that resolves to public addresses
    only (webhooks.addresses; local http only while WEBHOOK_ALLOW_LOCAL_HTTP is on),
    the secret at least 16 characters, the events a non-empty subset of WebhookEvent. Changing an
    endpoint keeps its secret unless a new one is given.
    """
    _check_editor(user)
    if endpoint is None:
        endpoint = WebhookEndpoint(created_by=user)
    else:
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    changes = {"url": url, "secret": secret, "events": events, "is_active": is_active, "description": description}
    for field, value in changes.items():
        if value is not None:
            setattr(endpoint, field, value.strip() if field in ("url", "secret", "description") else value)
    endpoint.full_clean()
    endpoint._history_user = user
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, user, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its delivery log (deactivate it instead to keep the log)."""
    _check_editor(user)
    endpoint._history_user = user
    endpoint.delete()


@transaction.atomic
def webhook_deliveries_retry(*, user, deliveries) -> int:
    """Send undelivered deliveries again ("send again"): due now, with a fresh set of attempts.

    Delivered rows are left alone; the attempt log is kept. Returns how many were reset. Delivery is
    at least once: receivers recognise a repeated delivery by its X-SCI-Delivery id.
    """
    _check_editor(user)
    count = WebhookDelivery.objects.filter(
        pk__in=[delivery.pk for delivery in deliveries], delivered_at__isnull=True
    ).update(attempts=0, next_attempt_at=timezone.now())
    if count:
        transaction.on_commit(webhooks_deliver_enqueue)
    return count


# --- Writing deliveries (inside the change's transaction) --------------------------------------


def encode_body(data: dict) -> str:
    """The body as sent and signed: JSON with sorted keys, compact, ASCII only."""
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))


def webhook_event(event: str, payload: dict | Callable[[], dict]) -> list[WebhookDelivery]:
    """One delivery per active endpoint subscribed to `event`, sent after commit; returns them.

    Call it inside the transaction of the change: a rollback removes the deliveries and the enqueue.
    `payload` may be a function building it, called only when some endpoint subscribes (building it
    may cost queries). The body is {"event", "occurred_at", "data": payload}.
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    # The events list is JSON; `contains` is not portable (SQLite), and endpoints are few.
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(is_active=True) if event in endpoint.events]
    if not endpoints:
        return []
    data = payload() if callable(payload) else payload
    body = encode_body({"event": str(event), "occurred_at": timezone.now(), "data": data})
    stored = json.loads(body)["data"]  # what the receivers get: dates as ISO strings
    created = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event, payload=stored, body=body) for endpoint in endpoints
    )
    transaction.on_commit(webhooks_deliver_enqueue)
    return created


WEBHOOKS_DELIVER_TASK = "webhooks.tasks.webhooks_deliver_task"


def webhooks_deliver_enqueue() -> bool:
    """Request a run of the due deliveries (called after commit); returns True if enqueued.

    A burst (the answers of a bulk approval) becomes one task. Never raises: the rows are committed,
    and the beat job "webhooks-deliver" sends them (and runs the retries) if this cannot be enqueued.
    """
    return task_queue.request(WEBHOOKS_DELIVER_TASK, coalesce=True, description="delivering the webhooks")


# --- Sending (the task's service) --------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    """The X-SCI-Signature header's value: "sha256=" and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhooks_deliver(*, now: datetime | None = None) -> dict:
    """POST every due delivery to its endpoint; never raises for a receiver's errors.

    Claims the due rows (undelivered, due, under WEBHOOK_MAX_ATTEMPTS) with a lease, then sends them
    oldest first. A 2xx answer delivers; anything else (other status, redirect, timeout, refused
    connection) is attempts + 1 and the next attempt after 30 s, 1, 2, 4 … minutes (at most an
    hour). A row at the maximum stays failed with its log. Once an endpoint cannot be reached, its
    other rows of the run count the same failure without trying again (a dead receiver costs one
    timeout per run, not one per row). After RUN_BUDGET_SECONDS the rest is handed back, due at once.
    Returns {"delivered", "failed", "claimed"}.
    """
    now = now or timezone.now()
    deliveries = _claim(now)
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    unreachable: dict[int, dict] = {}  # endpoint id -> the failed attempt that showed it
    delivered = failed = 0
    for index, delivery in enumerate(deliveries):
        if time.monotonic() > deadline:
            WebhookDelivery.objects.filter(pk__in=[row.pk for row in deliveries[index:]]).update(next_attempt_at=now)
            break
        try:
            attempt = unreachable.get(delivery.endpoint_id) or _attempt(delivery)
        except SoftTimeLimitExceeded:
            raise  # out of time: the lease hands the rest to a later run
        except Exception as error:  # a bug must not stop the other rows; the log keeps the error
            logger.error("webhook delivery %s failed: %r", delivery.pk, error, exc_info=True)
            attempt = _failure(_("Interner Fehler beim Senden"))
        _record(delivery, attempt, now)
        if attempt["ok"]:
            delivered += 1
        else:
            failed += 1
            if attempt["status_code"] is None and attempt.get("unreachable"):
                not_sent = _("Nicht gesendet: %(error)s") % attempt
                unreachable[delivery.endpoint_id] = {**attempt, "error": not_sent, "duration_ms": None}
    return {"delivered": delivered, "failed": failed, "claimed": len(deliveries)}


def _claim(now: datetime) -> list[WebhookDelivery]:
    ids = outbox.claim_due(
        WebhookDelivery.objects.all(),
        done_field="delivered_at",
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        now=now,
        order_by=("id",),
        limit=CLAIM_LIMIT,
    )
    return list(WebhookDelivery.objects.filter(pk__in=ids).select_related("endpoint").order_by("id"))


def _failure(error: str, *, status_code: int | None = None, response: str = "", duration_ms: int | None = None):
    return {"ok": False, "status_code": status_code, "error": error, "response": response, "duration_ms": duration_ms}


def _attempt(delivery: WebhookDelivery) -> dict:
    """Send the delivery once; the outcome as {"ok", "status_code", "error", "response", "duration_ms"}.

    The URL is checked and its host resolved again (settings or DNS may have changed since it was
    registered) and the connection goes to the checked address. The error shown to editors stays
    generic (connection failed, timeout, HTTP status): no socket error texts that would tell which
    ports of a host are open; the detail goes to the server's log.
    """
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return {**_failure(_("Der Webhook ist deaktiviert.")), "give_up": True}
    try:
        target = addresses.webhook_target(endpoint.url)
    except ValidationError as error:
        if error.code == "unresolvable":  # DNS may be back at the next attempt
            return {**_failure(_("Name nicht auflösbar")), "unreachable": True}
        return {**_failure(" ".join(error.messages)), "give_up": True}
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-SCI-Event": delivery.event,
        "X-SCI-Delivery": str(delivery.pk),
        "X-SCI-Timestamp": str(int(time.time())),
        "X-SCI-Signature": signature(endpoint.secret, body),
    }
    started = time.perf_counter()
    connection = addresses.connection(target, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        status_code, text, location = response.status, _read(response), response.getheader("Location", "")
    except (OSError, http.client.HTTPException, ValueError) as error:
        logger.warning("webhook delivery %s to endpoint %s: %r", delivery.pk, endpoint.pk, error)
        return {**_failure(_connection_error(error), duration_ms=_since(started)), "unreachable": True}
    finally:
        connection.close()
    if 200 <= status_code < 300:
        return {"ok": True, "status_code": status_code, "error": "", "response": text, "duration_ms": _since(started)}
    if 300 <= status_code < 400:  # redirects are never followed: they could lead anywhere
        message = _("Weiterleitung nach „%(location)s“ wird nicht verfolgt.") % {"location": location}
    else:
        message = f"HTTP {status_code}"
    return _failure(message, status_code=status_code, response=text, duration_ms=_since(started))


def _connection_error(error: Exception) -> str:
    """The editor's word for a failed connection: timeout, TLS, or just failed (refused, reset …)."""
    if isinstance(error, TimeoutError):
        return _("Zeitüberschreitung")
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return _("TLS-Verbindung fehlgeschlagen")
    return _("Verbindung fehlgeschlagen")


def _read(response) -> str:
    try:
        return response.read(RESPONSE_READ_BYTES).decode("utf-8", errors="replace")[:RESPONSE_LIMIT]
    except (OSError, http.client.HTTPException):
        return ""


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _record(delivery: WebhookDelivery, attempt: dict, now: datetime) -> None:
    """Store one attempt's outcome on the row: delivered, or postponed with backoff, or given up."""
    max_attempts = settings.WEBHOOK_MAX_ATTEMPTS
    delivery.attempts += 1
    delivery.last_status_code = attempt["status_code"]
    delivery.last_response = attempt["response"]
    delivery.last_error = str(attempt["error"])[:RESPONSE_LIMIT]
    delivery.duration_ms = attempt["duration_ms"]
    delivery.attempt_log = [
        *delivery.attempt_log,
        {
            "at": timezone.now().isoformat(),
            "status_code": attempt["status_code"],
            "error": delivery.last_error,
            "duration_ms": attempt["duration_ms"],
            "response": attempt["response"][:200],
        },
    ][-ATTEMPT_LOG_LIMIT:]
    if attempt["ok"]:
        delivery.delivered_at = now
    elif attempt.get("give_up"):
        delivery.attempts = max(delivery.attempts, max_attempts)
    else:
        delivery.next_attempt_at = now + outbox.backoff(delivery.attempts, first=BACKOFF_FIRST, cap=BACKOFF_CAP)
    if not attempt["ok"] and delivery.attempts >= max_attempts:
        logger.error(
            "giving up webhook delivery %s (%s) to endpoint %s after %s attempts: %s",
            delivery.pk,
            delivery.event,
            delivery.endpoint_id,
            delivery.attempts,
            delivery.last_error,
        )
    elif not attempt["ok"]:
        logger.warning(
            "webhook delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, delivery.last_error
        )
    delivery.save(
        update_fields=[
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_status_code",
            "last_response",
            "last_error",
            "duration_ms",
            "attempt_log",
        ]
    )
