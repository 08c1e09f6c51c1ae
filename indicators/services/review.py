"""The reviewers' decisions: approve, send back with a reason (one by one or many), award a bonus."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from indicators import roles
from indicators.models import (
    Answer,
    Edition,
    InnovationProject,
    ReviewAssignment,
)
from indicators.services.base import (
    ConflictError,
    answer_transition,
    check_editor,
    check_transition,
    check_version,
    lock_answer,
    lock_edition,
    lock_editions_of,
    missing_for_submit,
    notify_approved_data_changed,
)
from indicators.services.notifications import notify_if_fully_approved, notify_sent_back
from indicators.workflow import WorkflowError, record_history

Status = Answer.Status
Phase = Edition.Phase


def _check_may_review(*, user, answer: Answer) -> None:
    if not roles.is_reviewer(user):
        raise PermissionDenied(_("Nur Prüferinnen und Prüfer können Antworten prüfen."))
    if roles.belongs_to_city(user, answer):
        raise PermissionDenied(_("Sie können keine Antworten einer Stadt prüfen, der Sie angehören."))
    if answer.researched_by_id is not None and answer.researched_by_id == user.pk:
        # Four eyes: desk research is reviewed by someone else, as a city's answer is.
        raise PermissionDenied(_("Sie können keinen Wert prüfen, den Sie selbst recherchiert haben."))
    if not answer.edition.is_open_for_work:
        raise WorkflowError(_("In dieser Phase der Ausgabe wird nicht geprüft."))


@transaction.atomic
def answer_approve(*, user, answer: Answer, expected_version: int | None = None) -> Answer:
    """submitted → approved by a reviewer of another city; the edition is recomputed after commit."""
    answer = lock_answer(answer)
    _check_may_review(user=user, answer=answer)
    check_version(answer, expected_version)
    check_transition(answer, Status.APPROVED)
    # Re-validate: the catalogue (range, options) may have changed since the city submitted.
    answer.full_clean(exclude=["edition", "city", "parameter"], validate_unique=False)
    problem = missing_for_submit(answer)
    if problem:
        raise ValidationError(problem)
    answer.reviewed_by, answer.reviewed_at, answer.review_reason = user, timezone.now(), ""
    answer = answer_transition(answer, Status.APPROVED, user=user, reason=_("freigegeben"))
    notify_approved_data_changed(answer.edition_id)
    notify_if_fully_approved(answer=answer)
    return answer


def _review_each(answers, review) -> tuple[list[Answer], list[tuple[Answer, str]]]:
    """Apply `review` (an atomic service) to each answer; returns (done, failed with the reason).

    One transaction with a savepoint per answer: a failure leaves that answer as it was, and the
    work after commit (one recompute, the e-mails grouped per recipient) runs once for the batch.
    The lock order: the answers' editions first, then the answers in pk order (the order of the result).
    """
    done, failed = [], []
    with transaction.atomic():
        for answer in lock_editions_of(answers):
            try:
                done.append(review(answer))
            except (ValidationError, PermissionDenied, ConflictError) as error:
                failed.append((answer, " ".join(getattr(error, "messages", [str(error)]))))
    return done, failed


def answers_approve(*, user, answers) -> tuple[list[Answer], list[tuple[Answer, str]]]:
    """Approve many answers, each through answer_approve (validation re-run for each); see _review_each."""
    return _review_each(answers, lambda answer: answer_approve(user=user, answer=answer))


def answers_request_changes(*, user, answers, reason: str) -> tuple[list[Answer], list[tuple[Answer, str]]]:
    """Send many answers back with the same reason, each through answer_request_changes; see _review_each."""
    return _review_each(answers, lambda answer: answer_request_changes(user=user, answer=answer, reason=reason))


# Reasons a reviewer picks from when sending an answer back (free text is added to them).
REVIEW_REASONS = (
    ("evidence_missing", _lazy("Nachweis fehlt oder ist nicht lesbar")),
    ("evidence_mismatch", _lazy("Nachweis belegt den Wert nicht")),
    ("implausible", _lazy("Wert unplausibel, bitte prüfen")),
    ("outdated", _lazy("Stand ist veraltet")),
    ("other", _lazy("Sonstiges")),
)


def review_reason(key: str, detail: str = "") -> str:
    """The text a city reads when an answer is sent back: the label of one of REVIEW_REASONS, then the
    reviewer's detail ("Stand ist veraltet: bitte den Bericht 2024"). "other" needs a detail: ValidationError
    on `detail` otherwise. For the admin's form and the API alike."""
    label = dict(REVIEW_REASONS)[key]
    detail = (detail or "").strip()
    if key == "other" and not detail:
        raise ValidationError({"detail": _("Bitte erläutern Sie den Grund.")})
    return f"{label}: {detail}" if detail else str(label)


@transaction.atomic
def answer_request_changes(*, user, answer: Answer, reason: str, expected_version: int | None = None) -> Answer:
    """submitted → changes_requested, with the reason the city will read."""
    answer = lock_answer(answer)
    _check_may_review(user=user, answer=answer)
    check_version(answer, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Bitte begründen Sie, was geändert werden soll.")})
    answer.reviewed_by, answer.reviewed_at, answer.review_reason = user, timezone.now(), reason
    answer = answer_transition(answer, Status.CHANGES_REQUESTED, user=user, reason=reason)
    notify_sent_back(answer=answer)
    return answer


@transaction.atomic
def innovation_bonus_award(
    *, user, project: InnovationProject, points: Decimal, justification: str
) -> InnovationProject:
    """A reviewer of another city awards 0..5 bonus points with a justification; recomputes after commit."""
    edition = lock_edition(project.edition_id)  # the edition before the project (lock order)
    project = InnovationProject.objects.select_for_update().get(pk=project.pk)
    project.edition = edition
    if not roles.may_review(user, project):
        raise PermissionDenied(_("Sie können keinen Bonus für diese Stadt vergeben."))
    if not project.edition.is_open_for_work:
        raise WorkflowError(_("In dieser Phase der Ausgabe werden keine Boni vergeben."))
    if not (justification or "").strip():
        raise ValidationError({"bonus_justification": _("Bitte begründen Sie den Bonus.")})
    project.bonus_points = points
    project.bonus_justification = justification.strip()
    project.awarded_by, project.awarded_at = user, timezone.now()
    project.full_clean()
    record_history(project, user=user, reason=_("Bonus vergeben"))
    project.save()
    notify_approved_data_changed(project.edition_id)
    return project


def check_assignable(*, reviewer, city) -> None:
    """A reviewer may be given a city only when they review at all and do not work for that city (the
    conflict-of-interest rule, which an assignment never overrides)."""
    if not roles.is_reviewer(reviewer):
        raise ValidationError({"reviewer": _("%(user)s gehört nicht zur Prüfung.") % {"user": reviewer}})
    if roles.belongs_to_city(reviewer, city):
        raise ValidationError(
            {
                "reviewer": _("%(user)s arbeitet für %(city)s und kann %(city)s nicht prüfen.")
                % {"user": reviewer, "city": city}
            }
        )


@transaction.atomic
def review_assignment_save(*, user, assignment: ReviewAssignment) -> ReviewAssignment:
    """Create or change who reviews a city (or one of its domains) in an edition; editors only."""
    check_editor(user)
    check_assignable(reviewer=assignment.reviewer, city=assignment.city)
    if assignment.domain_id and assignment.domain.edition_id != assignment.edition_id:
        raise ValidationError({"domain": _("Der Themenbereich gehört zu einer anderen Ausgabe.")})
    assignment.full_clean()
    assignment.save()
    return assignment
