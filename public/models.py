"""The public site's one model: feedback on the site's accessibility (BITV 2.0 § 7), stored and mailed to the
operator."""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# BITV 2.0 § 7 (3) and EU 2018/1523: feedback on accessibility is answered within one month.
ANSWER_WITHIN = timedelta(days=30)


def answer_due_from(created_at):
    """The day an answer is due: one month (30 days) after the feedback arrived."""
    return (created_at + ANSWER_WITHIN).date()


class AccessibilityFeedback(models.Model):
    """One message sent through the accessibility statement's feedback form: a barrier someone met, or a request
    for content in an accessible form. It is also an outbox row: `mailed_at` is set once the operator got the mail
    (public.services.feedback_mail_send, with smartcity.outbox's claim and backoff)."""

    name = models.CharField(_("Name"), max_length=200, blank=True)
    email = models.EmailField(_("E-Mail-Adresse"))
    message = models.TextField(_("Nachricht"), max_length=5000)
    page_url = models.CharField(_("Betroffene Seite"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("eingegangen am"), default=timezone.now)
    answer_due = models.DateField(_("zu beantworten bis"))
    answered_at = models.DateTimeField(_("beantwortet am"), null=True, blank=True)
    note = models.TextField(_("Vermerk der Redaktion"), blank=True)
    mailed_at = models.DateTimeField(_("an den Betreiber gesendet am"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), default=timezone.now)
    last_error = models.TextField(_("letzter Fehler"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Rückmeldung zur Barrierefreiheit")
        verbose_name_plural = _("Rückmeldungen zur Barrierefreiheit")
        indexes = [models.Index(fields=["mailed_at", "next_attempt_at"], name="a11y_feedback_pending")]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y} – {self.email}"

    @property
    def is_overdue(self) -> bool:
        return self.answered_at is None and timezone.localdate() > self.answer_due
