"""A city's check of an official or researched value about it (issue 16): confirmed, or an objection with its
reason, evidence and the reviewers' outcome."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models.answers import EVIDENCE_FOLDER, Answer, private_evidence_storage


def answer_value_key(answer) -> str:
    """The answer's value as one comparable text (yes/no, option, number without trailing zeros): a verdict
    holds for the value it was given for, so a changed value (a re-import, a correction) is checked again."""
    number = answer.value_number
    shown_number = "" if number is None else format(number.normalize(), "f")
    return f"{answer.value_bool}|{answer.value_choice}|{shown_number}"


def check_evidence_upload_to(instance: "AnswerCheck", filename: str) -> str:
    # Under the evidence folder (private; the orphan reaper knows these rows too), keyed like evidence files.
    answer = instance.answer
    return f"{EVIDENCE_FOLDER}/{answer.edition_id}/{answer.city_id}/{answer.parameter_id}/check-{filename}"


class AnswerCheck(models.Model):
    """The city's current verdict on one official or researched answer: confirmed, or objected with a reason
    (and optionally a file); an objection is decided by a reviewer: value kept or corrected, with a reason.

    One row per answer (the current verdict; earlier ones are in its history). `value_key` is the value the
    verdict is about (answer_value_key); once the answer's value differs, the verdict no longer counts."""

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", _("bestätigt")
        OBJECTED = "objected", _("Einwand")

    class Outcome(models.TextChoices):
        OPEN = "open", _("offen")
        KEPT = "kept", _("Wert beibehalten")
        CORRECTED = "corrected", _("korrigiert")

    answer = models.OneToOneField(
        Answer, verbose_name=_("Antwort"), on_delete=models.CASCADE, related_name="city_check"
    )
    verdict = models.CharField(_("Urteil der Stadt"), max_length=20, choices=Verdict.choices)
    value_key = models.CharField(_("geprüfter Wert"), max_length=120)
    checked_value = models.CharField(_("Wert zum Zeitpunkt der Prüfung"), max_length=200, blank=True)
    reason = models.TextField(_("Begründung der Stadt"), max_length=2000, blank=True)
    evidence_file = models.FileField(
        _("Nachweisdatei der Stadt"),
        upload_to=check_evidence_upload_to,
        storage=private_evidence_storage,
        max_length=300,
        blank=True,
    )
    evidence_name = models.CharField(_("Dateiname"), max_length=255, blank=True)
    evidence_content_type = models.CharField(_("Dateityp"), max_length=100, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("geprüft von"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("geprüft am"))
    outcome = models.CharField(_("Ergebnis des Einwands"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("Begründung der Entscheidung"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entschieden von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Prüfung durch die Stadt")
        verbose_name_plural = _("Prüfungen durch die Städte")
        constraints = [
            # An objection has an outcome (open until decided); a confirmation has none.
            models.CheckConstraint(
                condition=(models.Q(verdict="objected") & ~models.Q(outcome=""))
                | (models.Q(verdict="confirmed") & models.Q(outcome="")),
                name="answercheck_outcome_matches_verdict",
            ),
        ]
        indexes = [models.Index(fields=["verdict", "outcome"], name="answercheck_verdict_outcome")]

    def __str__(self) -> str:
        return f"{self.answer_id} · {self.get_verdict_display()}"

    @property
    def is_open_objection(self) -> bool:
        return self.verdict == self.Verdict.OBJECTED and self.outcome == self.Outcome.OPEN

    @property
    def is_decided(self) -> bool:
        return self.verdict == self.Verdict.OBJECTED and self.outcome in (self.Outcome.KEPT, self.Outcome.CORRECTED)

    def holds_for(self, answer: Answer) -> bool:
        """The verdict is about the answer's current value (a confirmation of an older value no longer counts)."""
        return self.value_key == answer_value_key(answer)

    def outcome_text(self, answer: Answer) -> str:
        """A decided objection's outcome as the city reads it (its row, the e-mail); "" while undecided."""
        if self.outcome == self.Outcome.CORRECTED:
            return gettext("Einwand: korrigiert auf %(value)s – Begründung: %(reason)s") % {
                "value": answer.display_value,
                "reason": self.outcome_reason,
            }
        if self.outcome == self.Outcome.KEPT:
            return gettext("Einwand: Wert beibehalten – Begründung: %(reason)s") % {"reason": self.outcome_reason}
        return ""

    def clean(self):
        errors = {}
        if self.verdict == self.Verdict.OBJECTED and not self.reason.strip():
            errors["reason"] = _("Ein Einwand braucht eine Begründung.")
        if self.outcome in (self.Outcome.KEPT, self.Outcome.CORRECTED) and not self.outcome_reason.strip():
            errors["outcome_reason"] = _("Die Entscheidung über einen Einwand braucht eine Begründung.")
        if errors:
            raise ValidationError(errors)
