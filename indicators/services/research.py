"""Desk research (issue 16, section 3): the index team enters a value, with a source and a Stand, for a city
that has not answered (or for a parameter the catalogue leaves to research); it goes to review like any other.

Imported from its module (it needs the evidence services, which need the answer services)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import Answer, City, Parameter
from indicators.services.answers import answer_mark_edited
from indicators.services.base import (
    ConflictError,
    check_participates,
    check_version,
    lock_edition,
    notify_approved_data_changed,
)
from indicators.services.evidence import evidence_file_store, evidence_upload_check
from indicators.values import assign_value
from indicators.workflow import WorkflowError, record_history
from webhooks import events as webhook_events

Status = Answer.Status
Mode = Parameter.CollectionMode


@dataclass(frozen=True)
class ResearchInput:
    """What a researcher enters for one parameter: the value as typed ("1.234,5"), the source (a URL, an
    uploaded file, or both), its Stand and a note."""

    value: Any
    evidence_url: str = ""
    as_of: date | None = None
    note: str = ""
    file: Any = None


def check_may_research(*, user, city: City) -> None:
    """Researchers and editors research; nobody researches a city they work for (conflict of interest)."""
    if not (roles.is_researcher(user) or roles.is_editor(user)):
        raise PermissionDenied(_("Nur das Rechercheteam und die Redaktion können recherchierte Werte eintragen."))
    if roles.belongs_to_city(user, city):
        raise PermissionDenied(_("Sie können keine Werte für eine Stadt recherchieren, der Sie angehören."))


def check_researchable(*, parameter: Parameter, answer: Answer | None) -> None:
    """What research may write: a parameter the catalogue leaves to research, or a parameter of the city that
    the city has not answered (no answer, or one without a value); never a city's own value, never an
    imported one, never a value being reviewed."""
    if parameter.collection_mode == Mode.OFFICIAL:
        raise WorkflowError(
            _("„%(parameter)s“ wird aus einer amtlichen Quelle importiert und nicht recherchiert.")
            % {"parameter": parameter.name}
        )
    if answer is None:
        return
    if answer.source_kind == Mode.OFFICIAL:
        raise WorkflowError(_("Dieser Wert stammt aus einer amtlichen Quelle; er wird nicht recherchiert."))
    if answer.source_kind == Mode.CITY and answer.has_value:
        raise WorkflowError(
            _("Die Stadt hat „%(parameter)s“ selbst beantwortet; ihr Wert wird nicht überschrieben.")
            % {"parameter": parameter.name}
        )
    if answer.status == Status.SUBMITTED:
        raise WorkflowError(_("Der Wert ist eingereicht und wird gerade geprüft."))


@transaction.atomic
def answer_research(
    *, user, city: City, parameter: Parameter, data: ResearchInput, expected_version: int | None = None
) -> Answer:
    """Enter (or correct) a researched value: the answer is marked researched by `user`, carries its source
    (URL or evidence file, at least one) and Stand, and is submitted to review at once. Correcting a value
    sent back or approved starts its review again. Bad input raises ValidationError and writes nothing (the
    file is checked before anything is stored); a stale `expected_version` raises ConflictError."""
    check_may_research(user=user, city=city)
    edition = lock_edition(parameter.indicator.domain.edition_id)  # the edition before the answer (lock order)
    if not edition.is_open_for_work:  # research while the edition collects or is reviewed
        raise WorkflowError(_("In dieser Phase der Ausgabe wird nicht recherchiert."))
    try:
        check_participates(edition=edition, city=city)
    except PermissionDenied:
        raise PermissionDenied(
            _("%(city)s nimmt an der Ausgabe %(year)s nicht teil.") % {"city": city.name, "year": edition.year}
        ) from None
    answer = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("parameter")
        .filter(city=city, parameter=parameter)
        .first()
    )
    check_researchable(parameter=parameter, answer=answer)
    check_version(answer, expected_version)
    if answer is None:
        answer = Answer(edition=edition, city=city, parameter=parameter)
    answer.edition = edition

    before = (answer.value_bool, answer.value_choice, answer.value_number)
    assign_value(answer, parameter, data.value)
    if not answer.has_value:
        raise ValidationError({"value": _("Bitte einen Wert angeben.")})
    if (answer.value_bool, answer.value_choice, answer.value_number) != before:
        answer.value_confirmation = ""
    evidence_url = (data.evidence_url or "").strip()
    checked = evidence_upload_check(data.file) if data.file else None
    kept_files = answer.pk and answer.source_kind == Mode.RESEARCH and answer.evidence_files.exists()
    if not (evidence_url or checked or kept_files):
        raise ValidationError(
            {"evidence_url": _("Ein recherchierter Wert braucht eine Quelle: einen Link oder eine Nachweisdatei.")}
        )
    if not data.as_of:
        raise ValidationError({"as_of": _("Bitte den Stand des recherchierten Werts angeben.")})

    answer.evidence_url, answer.note, answer.as_of = evidence_url, (data.note or "").strip(), data.as_of
    answer.source_kind, answer.researched_by = Mode.RESEARCH, user
    was_approved = answer_mark_edited(answer, user=user)
    old_status, answer.status = answer.status, Status.SUBMITTED
    _full_clean(answer, file_follows=checked is not None)
    record_history(answer, user=user, reason=_("recherchiert, zur Prüfung eingereicht"))
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:
        # The city (or another researcher) created the answer between our read and our insert.
        raise ConflictError(Answer.objects.filter(city=city, parameter=parameter).first()) from None
    if checked is not None:
        evidence_file_store(user=user, answer=answer, uploaded=data.file, checked=checked)
    webhook_events.answer_status_changed(answer, old_status=old_status)
    if was_approved:
        notify_approved_data_changed(edition.pk)
    return answer


def _full_clean(answer: Answer, *, file_follows: bool) -> None:
    """The answer's checks before it is saved. A file stored right after the save is the source the model's
    provenance rule cannot see yet (it asks the saved files), so that one message does not count then: with
    an empty URL it is the only one `evidence_url` can have."""
    try:
        answer.full_clean(exclude=["edition", "city", "parameter"], validate_unique=False)
    except ValidationError as error:
        errors = error.message_dict
        if file_follows and not answer.evidence_url:
            errors.pop("evidence_url", None)
        if errors:
            raise ValidationError(errors) from None
