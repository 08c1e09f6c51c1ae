"""A city's answers: save (create or update a draft), carry over last edition's value, submit."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import (
    Answer,
    City,
    Domain,
    Edition,
    Parameter,
    catalogue_order,
    city_enters,
)
from indicators.services.base import (
    ConflictError,
    answer_transition,
    check_city_member,
    check_collection_window,
    check_participates,
    check_transition,
    check_version,
    lock_answer,
    lock_edition,
    missing_for_submit,
    notify_approved_data_changed,
)
from indicators.services.notifications import notify_resubmitted
from indicators.services.review_flags import answer_flags_changed
from indicators.values import assign_value
from indicators.workflow import WorkflowError, record_history
from webhooks import events as webhook_events

Status = Answer.Status
Phase = Edition.Phase


@dataclass(frozen=True)
class AnswerInput:
    """What a city submits for one parameter (forms, API and import all build one)."""

    value: Any
    evidence_url: str = ""
    note: str = ""
    as_of: Any = None


def answer_mark_edited(answer: Answer, *, user) -> bool:
    """What any edit (value, evidence, file) does to an answer, before it is saved: a sent-back answer
    is revised and an approved one loses its approval (back to draft); the version goes up so stale
    forms conflict. Returns whether it was approved (the caller recomputes after commit)."""
    was_approved = answer.status == Status.APPROVED
    if answer.status in (Status.APPROVED, Status.CHANGES_REQUESTED):
        old_status, answer.status = answer.status, Status.DRAFT
        webhook_events.answer_status_changed(answer, old_status=old_status)
    if was_approved:
        answer.reviewed_by = answer.reviewed_at = None
    if answer.pk:
        answer.version += 1
    answer.updated_by = user
    answer_flags_changed(answer, approval_changed=was_approved)
    return was_approved


def check_phase_allows_edit(*, answer: Answer, edition: Edition) -> None:
    """Staff edit while the edition collects (within its window), and in review only what was sent back."""
    if edition.phase == Phase.COLLECTION:
        check_collection_window(edition)
        if answer.status == Status.SUBMITTED:
            raise WorkflowError(_("Die Antwort ist eingereicht und wird gerade geprüft."))
        return
    if edition.phase == Phase.REVIEW and answer.pk and answer.is_sent_back:
        return
    raise WorkflowError(_("In dieser Phase der Ausgabe können Sie diese Antwort nicht ändern."))


def check_entered_by_city(answer: Answer) -> None:
    """A city writes only what it answers itself: not a parameter the catalogue takes from an official
    source or from desk research, nor an answer imported or researched (the city objects instead). For
    every write of the city: save (so carry-over, the API and the import), submit, confirm, evidence."""
    parameter = answer.parameter
    if city_enters(parameter, answer):
        return
    if not parameter.is_answered_by_city:
        raise WorkflowError(
            _(
                "„%(parameter)s“ wird nicht von der Stadt angegeben (%(mode)s); "
                "der Wert kann hier nicht geändert werden."
            )
            % {"parameter": parameter.name, "mode": parameter.get_collection_mode_display()}
        )
    raise WorkflowError(
        _("Diese Antwort stammt nicht von der Stadt (Herkunft: %(kind)s); die Stadt kann sie nicht ändern.")
        % {"kind": answer.get_source_kind_display()}
    )


@transaction.atomic
def answer_save(
    *,
    user,
    city: City,
    parameter: Parameter,
    data: AnswerInput,
    expected_version: int | None = None,
    reason: str = "",
) -> Answer:
    """Create or update a city's answer as a draft.

    Editing a sent-back answer revises it (back to draft); editing an approved one un-approves it
    (back to draft) and triggers a recompute. A stale `expected_version` raises ConflictError.
    """
    edition = lock_edition(parameter.indicator.domain.edition_id)  # the edition before the answer (lock order)
    answer = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("parameter")
        .filter(city=city, parameter=parameter)
        .first()
    )
    created = answer is None
    if created:
        answer = Answer(edition=edition, city=city, parameter=parameter)
    else:
        answer.parameter = parameter  # the caller's, with its indicator and domain: no query for them
    # Permission first: a conflict must never show another city's answer.
    check_city_member(user=user, answer=answer)
    check_entered_by_city(answer)
    check_phase_allows_edit(answer=answer, edition=edition)
    if created:
        check_participates(edition=edition, city=city)
    check_version(None if created else answer, expected_version)

    before = (answer.value_bool, answer.value_choice, answer.value_number)
    assign_value(answer, parameter, data.value)
    if (answer.value_bool, answer.value_choice, answer.value_number) != before:
        answer.value_confirmation = ""  # a confirmation is of the value it was given for
    answer.evidence_url = (data.evidence_url or "").strip()
    answer.note = data.note or ""
    answer.as_of = data.as_of or None
    was_approved = answer_mark_edited(answer, user=user)
    # updated_by is the acting user (answer_mark_edited): its existence needs no query of its own.
    answer.full_clean(exclude=["edition", "city", "parameter", "updated_by"], validate_unique=False)
    reason = reason or _("bearbeitet")
    record_history(
        answer,
        user=user,
        reason=reason if not was_approved else _("%(reason)s, Freigabe aufgehoben") % {"reason": reason},
    )
    if not created:
        answer.save()  # the locked row: city and parameter unchanged, nothing to race with
    else:
        try:
            with transaction.atomic():
                answer.save()
        except IntegrityError:
            # Someone created the same answer between our read and our insert.
            raise ConflictError(Answer.objects.filter(city=city, parameter=parameter).first()) from None
    if was_approved:
        notify_approved_data_changed(edition.pk)
    return answer


def previous_answer(*, city: City, parameter: Parameter) -> Answer | None:
    """The city's approved answer to the same parameter (by key) in the previous edition (one query)."""
    edition = parameter.indicator.domain.edition
    return (
        Answer.objects.filter(
            city=city, parameter__in=edition.previous_parameters(parameter.key), status=Status.APPROVED
        )
        .select_related("parameter", "edition")
        .first()
    )


def answer_carry_over(
    *,
    user,
    city: City,
    parameter: Parameter,
    expected_version: int | None = None,
    evidence_url: str = "",
    confirmed_unchanged: bool = False,
) -> Answer:
    """Take over last edition's value ("unchanged since last year") as a draft.

    Needs fresh evidence (a new source URL) or the explicit confirmation that nothing changed, in
    which case last edition's source stays and the confirmation is the audit record's reason.
    """
    previous = previous_answer(city=city, parameter=parameter)
    if previous is None:
        raise ValidationError(_("Für diesen Parameter gibt es keinen freigegebenen Vorjahreswert."))
    evidence_url = (evidence_url or "").strip()
    if not evidence_url and not confirmed_unchanged:
        raise ValidationError(
            {
                "evidence_url": _(
                    "Bitte einen aktuellen Nachweis angeben oder bestätigen, dass sich nichts geändert hat."
                )
            }
        )
    if evidence_url:
        reason = _("aus %(year)s übernommen, neuer Nachweis") % {"year": previous.edition.year}
    else:
        reason = _("aus %(year)s übernommen, unverändert bestätigt") % {"year": previous.edition.year}
    return answer_save(
        user=user,
        city=city,
        parameter=parameter,
        data=AnswerInput(
            value=previous.value,
            evidence_url=evidence_url or previous.evidence_url,
            note=previous.note,
            as_of=timezone.localdate() if evidence_url else previous.as_of,
        ),
        expected_version=expected_version,
        reason=reason,
    )


@transaction.atomic
def answer_submit(*, user, answer: Answer, expected_version: int | None = None) -> Answer:
    """draft → submitted, once the answer has a value and any required evidence."""
    answer = lock_answer(answer)
    check_city_member(user=user, answer=answer)
    check_version(answer, expected_version)
    check_transition(answer, Status.SUBMITTED)
    check_entered_by_city(answer)
    check_phase_allows_edit(answer=answer, edition=answer.edition)
    problem = missing_for_submit(answer)
    if problem:
        raise ValidationError(problem)
    answer.updated_by = user
    answer = answer_transition(answer, Status.SUBMITTED, user=user)
    notify_resubmitted(answer=answer)
    return answer


def answers_submit_complete(
    *, user, edition: Edition, city: City, domain: Domain | None = None
) -> tuple[list[Answer], list[tuple[Answer, str]]]:
    """Submit every draft of the city (in one domain, or all) that is complete; returns (submitted, skipped).

    Each answer is submitted through answer_submit on its own; an incomplete one stays a draft and is
    listed with the reason (no value, evidence missing).
    """
    if not roles.belongs_to_city(user, city):
        raise PermissionDenied(_("Sie können nur Antworten Ihrer eigenen Stadt bearbeiten."))
    drafts = Answer.objects.filter(
        edition=edition,
        city=city,
        status=Status.DRAFT,
        source_kind=Parameter.CollectionMode.CITY,
        parameter__collection_mode=Parameter.CollectionMode.CITY,
    ).select_related("parameter")
    if domain is not None:
        drafts = drafts.filter(parameter__indicator__domain=domain)
    submitted, skipped = [], []
    for answer in drafts.order_by(*catalogue_order("parameter__")):
        try:
            submitted.append(answer_submit(user=user, answer=answer))
        except ValidationError as error:  # WorkflowError included
            skipped.append((answer, " ".join(error.messages)))
    return submitted, skipped


VALUE_CONFIRMATION_MAX = 1000


@transaction.atomic
def answer_value_confirm(*, user, answer: Answer, note: str, expected_version: int | None = None) -> Answer:
    """The city says a flagged value is right ("Wert ist korrekt") with a short explanation the reviewer
    reads beside the flag. Only where staff may edit the answer; the status stays, the version goes up."""
    answer = lock_answer(answer)
    check_city_member(user=user, answer=answer)
    check_entered_by_city(answer)
    check_phase_allows_edit(answer=answer, edition=answer.edition)
    check_version(answer, expected_version)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"value_confirmation": _("Bitte erklären Sie kurz, warum der Wert stimmt.")})
    if len(note) > VALUE_CONFIRMATION_MAX:
        raise ValidationError(
            {"value_confirmation": _("Bitte höchstens %(max)d Zeichen.") % {"max": VALUE_CONFIRMATION_MAX}}
        )
    answer.value_confirmation, answer.updated_by = note, user
    answer.version += 1
    record_history(answer, user=user, reason=_("Wert bestätigt"))
    answer.save()
    return answer
