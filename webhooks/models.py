"""Webhook endpoints registered by editors and the log of their deliveries."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The URL's rules (https on 443, the host resolved to public addresses) live with the connection that
# uses them; the field (and migration 0001) name the validator here.
from webhooks.addresses import validate_webhook_url

SECRET_MIN_LENGTH = 16


class WebhookEvent(models.TextChoices):
    """The events an endpoint can subscribe to (payloads: webhooks/events.py)."""

    ANSWER_STATUS_CHANGED = "answer.status_changed", _("Status einer Antwort geändert")
    SCORES_RECOMPUTED = "scores.recomputed", _("Punkte neu berechnet")
    EDITION_PUBLISHED = "edition.published", _("Ausgabe veröffentlicht")


def validate_webhook_events(events) -> None:
    if not isinstance(events, list) or not events:
        raise ValidationError(_("Bitte mindestens ein Ereignis wählen."), code="events_required")
    unknown = [event for event in events if event not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            _("Unbekannte Ereignisse: %(events)s.") % {"events": ", ".join(map(str, unknown))}, code="events_unknown"
        )
    if len(set(events)) != len(events):
        raise ValidationError(_("Jedes Ereignis darf nur einmal vorkommen."), code="events_duplicate")


class WebhookEndpoint(models.Model):
    """An HTTPS address that receives the chosen events, signed with its secret (HMAC-SHA256 of the body)."""

    url = models.URLField(_("Adresse"), max_length=500, validators=[validate_webhook_url])
    description = models.CharField(_("Beschreibung"), max_length=200, blank=True)
    # Kept in clear text: it is the HMAC key, needed for every signature. Never shown back in full
    # (admin, API) and left out of the history, so old secrets do not pile up in the audit table.
    secret = models.CharField(_("Geheimnis"), max_length=200, validators=[MinLengthValidator(SECRET_MIN_LENGTH)])
    events = models.JSONField(_("Ereignisse"), default=list, validators=[validate_webhook_events])
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("angelegt von"),
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["id"]
        verbose_name = _("Webhook")
        verbose_name_plural = _("Webhooks")

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def secret_hint(self) -> str:
        """The secret masked: only its last four characters."""
        return "••••" + self.secret[-4:] if self.secret else ""


class WebhookDelivery(models.Model):
    """One event for one endpoint (a transactional outbox row) and the log of sending it.

    Written in the transaction of the change that causes the event, so the change and its delivery
    are saved together or not at all; `webhooks_deliver` sends it after commit and retries it with
    backoff. `body` is fixed when the row is written: every attempt sends (and signs) the same bytes.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("ausstehend")
        DELIVERED = "delivered", _("zugestellt")
        FAILED = "failed", _("fehlgeschlagen")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("Webhook")
    )
    event = models.CharField(_("Ereignis"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("Daten"))
    body = models.TextField(_("gesendeter Inhalt"))
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), default=timezone.now)
    delivered_at = models.DateTimeField(_("zugestellt am"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("letzter HTTP-Status"), null=True, blank=True)
    last_response = models.TextField(_("letzte Antwort"), blank=True)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    duration_ms = models.PositiveIntegerField(_("Dauer (ms)"), null=True, blank=True)
    # One entry per attempt ({"at", "status_code", "error", "duration_ms", "response"}), the newest
    # last; bounded by the maximum attempts (and a few "send again"s, see services.ATTEMPT_LOG_LIMIT).
    attempt_log = models.JSONField(_("Protokoll"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Webhook-Zustellung")
        verbose_name_plural = _("Webhook-Zustellungen")
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"], name="webhook_delivery_pending")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"

    @property
    def state(self) -> str:
        """delivered; failed once the maximum attempts are used up; pending otherwise."""
        if self.delivered_at is not None:
            return self.State.DELIVERED
        if self.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            return self.State.FAILED
        return self.State.PENDING
