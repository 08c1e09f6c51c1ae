"""E-mail notifications, written in the transaction of their cause and sent by a task (an outbox)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models.answers import Answer
from indicators.models.catalogue import Edition
from indicators.models.cities import City


class Notification(models.Model):
    """One e-mail-worthy event for one recipient (a transactional outbox).

    Written in the same transaction as the decision that causes it, so a decision and its
    notification are saved together or not at all; a task sends the pending ones afterwards,
    grouped into one mail per recipient and kind, and a failing mail server only postpones them.
    """

    class Kind(models.TextChoices):
        SENT_BACK = "sent_back", _("zur Überarbeitung zurückgegeben")
        FULLY_APPROVED = "fully_approved", _("Fragebogen vollständig freigegeben")
        RESUBMITTED = "resubmitted", _("überarbeitet erneut eingereicht")
        CHECK_REMINDER = "check_reminder", _("Erinnerung an das Prüffenster")
        OBJECTION_DECIDED = "objection_decided", _("Einwand entschieden")

    kind = models.CharField(_("Anlass"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Empfänger"), on_delete=models.CASCADE, related_name="+"
    )
    edition = models.ForeignKey(Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="+")
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(
        Answer, verbose_name=_("Antwort"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("Begründung"), blank=True)
    # A check reminder: how many days before the check window closes it was written for (one per city and day).
    days_before = models.PositiveSmallIntegerField(_("Tage vor Fristende"), null=True, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), default=timezone.now)
    last_error = models.TextField(_("letzter Fehler"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="notification_pending")]
        constraints = [
            # Never the same reminder twice to one person (the reminder service also writes once per city and day).
            models.UniqueConstraint(
                fields=["kind", "edition", "city", "recipient", "days_before"],
                condition=models.Q(kind="check_reminder"),
                name="notification_check_reminder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
