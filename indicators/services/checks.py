"""The cities' check window (issue 16): a city confirms or objects to an official or researched value about it;
a reviewer decides an objection (value kept, or corrected); reminders before the window closes.

Lock order (ARCHITECTURE.md): the edition, the city's participation (reminders), the answer, then its check."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import (
    Answer,
    AnswerCheck,
    Edition,
    Notification,
    Parameter,
    Participation,
    answer_value_key,
)
from indicators.selectors.checks import CHECKED_KINDS, unchecked_counts
from indicators.services.base import check_city_member, check_version, lock_answer, notify_approved_data_changed
from indicators.services.evidence import _delete_quietly, _store, evidence_storage, validate_evidence_upload
from indicators.services.notifications import notify_check_reminder, notify_objection_decided
from indicators.services.review_flags import answer_flags_changed
from indicators.values import assign_value
from indicators.workflow import WorkflowError, record_history
from webhooks import events as webhook_events

Verdict = AnswerCheck.Verdict
Outcome = AnswerCheck.Outcome
Mode = Parameter.CollectionMode

REASON_MAX = 2000


def _date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def check_window_open(edition: Edition) -> None:
    """The cities check while the edition collects or is in review, from `check_opens` to `check_closes`
    (both included; without a closing day the window stays open until publication). Edition.is_check_open
    says the same as a fact; this says why not."""
    if not edition.is_open_for_work:
        raise WorkflowError(_("Die Ausgabe ist nicht mehr in Bearbeitung; Werte können nicht mehr geprüft werden."))
    today = timezone.localdate()
    if edition.check_opens is None:
        raise WorkflowError(_("Für diese Ausgabe ist noch kein Prüffenster der Städte festgelegt."))
    if today < edition.check_opens:
        raise WorkflowError(_("Das Prüffenster beginnt erst am %(date)s.") % {"date": _date(edition.check_opens)})
    if edition.check_closes and today > edition.check_closes:
        raise WorkflowError(_("Das Prüffenster wurde am %(date)s geschlossen.") % {"date": _date(edition.check_closes)})


def _check_checkable(answer: Answer) -> None:
    if answer.source_kind not in CHECKED_KINDS:
        raise WorkflowError(_("Nur amtliche oder recherchierte Werte werden von der Stadt geprüft."))
    if not answer.has_value:
        raise WorkflowError(_("Diese Antwort hat noch keinen Wert, den Sie prüfen könnten."))


def _locked_check(*, user, answer: Answer) -> tuple[Answer, AnswerCheck | None]:
    """The answer and its current check, locked in that order, after every rule of a city's verdict."""
    answer = lock_answer(answer)
    check_city_member(user=user, answer=answer)
    check_window_open(answer.edition)
    _check_checkable(answer)
    current = AnswerCheck.objects.select_for_update().filter(answer=answer).first()
    if current is not None and current.is_decided and current.holds_for(answer):
        raise WorkflowError(
            _("Über Ihren Einwand wurde bereits entschieden (%(outcome)s); das Urteil lässt sich nicht mehr ändern.")
            % {"outcome": current.get_outcome_display()}
        )
    return answer, current


def _verdict(*, user, answer: Answer, current: AnswerCheck | None, verdict: str, reason: str) -> AnswerCheck:
    """The check row with the city's new verdict about the answer's current value (not saved)."""
    check = current or AnswerCheck(answer=answer)
    check.verdict, check.reason = verdict, reason
    check.value_key, check.checked_value = answer_value_key(answer), answer.display_value[:200]
    check.checked_by, check.checked_at = user, timezone.now()
    check.outcome = Outcome.OPEN if verdict == Verdict.OBJECTED else ""
    check.outcome_reason, check.decided_by, check.decided_at = "", None, None
    answer_flags_changed(answer)  # an objection opens or closes
    return check


def _drop_file_after_commit(name: str) -> None:
    if name:
        storage = evidence_storage()
        transaction.on_commit(lambda: _delete_quietly(storage, name), robust=True)


@transaction.atomic
def answer_check_confirm(*, user, answer: Answer, expected_version: int | None = None) -> AnswerCheck:
    """The city confirms an official or researched value about it: city staff of that city, window open,
    the value not changed since the page was read (`expected_version`), no decided objection about it."""
    answer, current = _locked_check(user=user, answer=answer)
    check_version(answer, expected_version)
    old_file = current.evidence_file.name if current is not None else ""
    check = _verdict(user=user, answer=answer, current=current, verdict=Verdict.CONFIRMED, reason="")
    check.evidence_file, check.evidence_name, check.evidence_content_type = "", "", ""
    check.full_clean(exclude=["answer"], validate_unique=False)
    record_history(check, user=user, reason=_("Wert bestätigt"))
    check.save()
    _drop_file_after_commit(old_file)
    return check


@transaction.atomic
def answer_check_object(
    *, user, answer: Answer, reason: str, uploaded=None, expected_version: int | None = None
) -> AnswerCheck:
    """The city objects to an official or researched value with a reason and optionally a file (checked like
    every evidence file). The objection is open until a reviewer decides it (objection_decide)."""
    answer, current = _locked_check(user=user, answer=answer)
    check_version(answer, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Bitte begründen Sie Ihren Einwand.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("Bitte höchstens %(max)d Zeichen.") % {"max": REASON_MAX}})
    checked = None
    if uploaded is not None:
        try:
            checked = validate_evidence_upload(uploaded)
        except ValidationError as error:
            raise ValidationError({"file": error.error_list}) from None
    old_file = current.evidence_file.name if current is not None else ""
    check = _verdict(user=user, answer=answer, current=current, verdict=Verdict.OBJECTED, reason=reason)
    stored = ""
    if checked is not None:
        field = AnswerCheck._meta.get_field("evidence_file")
        stored = _store(
            evidence_storage(), field.generate_filename(check, f"upload.{checked.extension}"), uploaded, field
        )
        check.evidence_file, check.evidence_name = stored, checked.original_name
        check.evidence_content_type = checked.content_type
    try:
        check.full_clean(exclude=["answer"], validate_unique=False)
        record_history(check, user=user, reason=_("Einwand erhoben"))
        check.save()
    except BaseException:
        if stored:
            _delete_quietly(evidence_storage(), stored)  # a rollback later is the orphan reaper's
        raise
    if old_file and old_file != stored:
        _drop_file_after_commit(old_file)  # the new verdict replaces the old one, its file included
    return check


def check_may_decide(*, user, answer: Answer) -> None:
    """Reviewers and editors decide an objection, never about a city they belong to."""
    if not (roles.is_reviewer(user) or roles.is_editor(user)):
        raise PermissionDenied(_("Nur Prüferinnen, Prüfer und die Redaktion entscheiden über Einwände."))
    if roles.belongs_to_city(user, answer):
        raise PermissionDenied(_("Sie können nicht über den Einwand einer Stadt entscheiden, der Sie angehören."))


@dataclass(frozen=True)
class Correction:
    """A corrected value and the source it comes from (the reviewer's research on the city's objection)."""

    value: Any
    evidence_url: str
    as_of: date | None = None


@transaction.atomic
def objection_decide(
    *,
    user,
    answer: Answer,
    outcome: str,
    reason: str,
    correction: Correction | None = None,
    expected_version: int | None = None,
) -> AnswerCheck:
    """Decide the city's open objection: keep the value (with a reason), or correct it.

    A correction is a new value with its source: the answer becomes a researched value of the deciding
    reviewer with that source (it no longer comes from the official file, and the public says so; the
    import stays in its history), approved by them, and the edition is recomputed. The outcome and its
    reason are stored on the check and shown to the city."""
    answer = lock_answer(answer)
    check_may_decide(user=user, answer=answer)
    if not answer.edition.is_open_for_work:
        raise WorkflowError(_("Die Ausgabe ist nicht mehr in Bearbeitung; über Einwände wird nicht mehr entschieden."))
    check_version(answer, expected_version)
    check = AnswerCheck.objects.select_for_update().filter(answer=answer).first()
    if check is None or not check.is_open_objection:
        raise WorkflowError(_("Zu dieser Antwort gibt es keinen offenen Einwand."))
    if outcome not in (Outcome.KEPT, Outcome.CORRECTED):
        raise ValidationError({"outcome": _("Bitte wählen Sie: Wert beibehalten oder korrigieren.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"outcome_reason": _("Bitte begründen Sie Ihre Entscheidung für die Stadt.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"outcome_reason": _("Bitte höchstens %(max)d Zeichen.") % {"max": REASON_MAX}})
    if outcome == Outcome.CORRECTED:
        _correct(user=user, answer=answer, correction=correction, reason=reason)
    check.outcome, check.outcome_reason = outcome, reason
    check.decided_by, check.decided_at = user, timezone.now()
    # The verdict now holds for the value the decision left (a later change of the value is checked again).
    check.value_key = answer_value_key(answer)
    check.full_clean(exclude=["answer"], validate_unique=False)
    record_history(check, user=user, reason=Outcome(outcome).label)
    check.save()
    notify_objection_decided(answer=answer, outcome=check.outcome_text(answer))
    answer_flags_changed(answer, approval_changed=outcome == Outcome.CORRECTED)
    return check


def _correct(*, user, answer: Answer, correction: Correction | None, reason: str) -> None:
    if correction is None or correction.value in (None, ""):
        raise ValidationError({"value": _("Bitte geben Sie den korrigierten Wert an.")})
    url = (correction.evidence_url or "").strip()
    if not url:
        raise ValidationError({"evidence_url": _("Bitte nennen Sie die Quelle (URL) des korrigierten Werts.")})
    before_key, before_shown = answer_value_key(answer), answer.display_value
    assign_value(answer, answer.parameter, correction.value)
    if answer_value_key(answer) == before_key:
        raise ValidationError({"value": _("Der korrigierte Wert ist derselbe wie bisher; wählen Sie „beibehalten“.")})
    answer.source_kind, answer.researched_by = Mode.RESEARCH, user
    answer.official_import, answer.source_rows = None, []
    answer.evidence_url, answer.as_of = url, correction.as_of
    answer.value_confirmation = ""
    old_status = answer.status
    answer.status, answer.review_reason = Answer.Status.APPROVED, ""
    answer.reviewed_by, answer.reviewed_at, answer.updated_by = user, timezone.now(), user
    answer.version += 1
    answer.full_clean(exclude=["edition", "city", "parameter"], validate_unique=False)
    record_history(
        answer,
        user=user,
        reason=_("Nach Einwand korrigiert (vorher %(value)s)") % {"value": before_shown},
    )
    answer.save()
    if old_status != answer.status:
        webhook_events.answer_status_changed(answer, old_status=old_status)
    notify_approved_data_changed(answer.edition_id)


# --- Reminders --------------------------------------------------------------------------------------------


def _reminder_day(edition: Edition) -> int | None:
    """The reminder due today: the smallest configured day count the days left have reached (a missed day
    is caught up by the next run, never two at once), or None."""
    days_left = edition.check_days_left
    if days_left is None or days_left < 0:
        return None
    due = [days for days in settings.CHECK_REMINDER_DAYS if days_left <= days]
    return min(due) if due else None


CHECKS_REMIND_TASK = "indicators.tasks.checks_remind_task"


def checks_remind() -> dict:
    """Write a reminder to every member of each city that still has unchecked values, some days before the
    check window closes (settings.CHECK_REMINDER_DAYS, e.g. 7 and 1), through the notification outbox.
    Idempotent: one reminder per city, edition and day count (the participation's lock serialises two runs;
    a unique constraint backs it). Returns {"cities": cities reminded, "notifications": rows written}."""
    cities = notifications = 0
    for edition in Edition.objects.open_for_work().filter(check_opens__isnull=False, check_closes__isnull=False):
        days = _reminder_day(edition) if edition.is_check_open else None
        if days is None:
            continue
        for city_id in sorted(unchecked_counts(edition)):
            with transaction.atomic():
                if not Participation.objects.select_for_update().filter(edition=edition, city_id=city_id).exists():
                    continue
                if Notification.objects.filter(
                    kind=Notification.Kind.CHECK_REMINDER, edition=edition, city_id=city_id, days_before=days
                ).exists():
                    continue
                written = notify_check_reminder(edition=edition, city_id=city_id, days_before=days)
                cities += bool(written)
                notifications += len(written)
    return {"cities": cities, "notifications": notifications}
