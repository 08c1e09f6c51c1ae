"""Every write to the catalogue, answers and bonuses: permission, validation, lock, audit, follow-up."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from simple_history.utils import bulk_create_with_history

from indicators import roles
from indicators.models import (
    Answer,
    City,
    Domain,
    Edition,
    Indicator,
    InnovationProject,
    Parameter,
    Participation,
)
from indicators.notifications import notify_if_fully_approved, notify_resubmitted, notify_sent_back
from indicators.values import assign_value
from indicators.workflow import WorkflowError, record_history
from smartcity import task_queue
from webhooks import events as webhook_events

Status = Answer.Status
Phase = Edition.Phase


class ConflictError(Exception):
    """A stale write: the answer changed since the writer read it. Carries the current answer."""

    def __init__(self, current: Answer | None):
        self.current = current
        super().__init__(_("Die Antwort wurde inzwischen von jemand anderem geändert."))


@dataclass(frozen=True)
class AnswerInput:
    """What a city submits for one parameter (forms, API and import all build one)."""

    value: Any
    evidence_url: str = ""
    note: str = ""
    as_of: Any = None


SCORES_RECOMPUTE_TASK = "scoring.tasks.scores_recompute_task"


def scores_recompute_enqueue(edition_id: int) -> bool:
    """Request a recompute of the edition now (after a commit); returns True if it was enqueued.

    A burst of changes within SCORES_RECOMPUTE_DELAY_SECONDS becomes one task (coalesced per edition,
    smartcity.task_queue). Never raises: `scores_reconcile` catches up with what could not be enqueued.
    """
    return task_queue.request(
        SCORES_RECOMPUTE_TASK,
        (edition_id,),
        countdown=settings.SCORES_RECOMPUTE_DELAY_SECONDS,
        coalesce=True,
        description=f"the recompute of edition {edition_id}",
    )


def notify_approved_data_changed(edition_id: int) -> None:
    """Recompute the edition after commit (the one path from indicators to scoring, by task name)."""
    transaction.on_commit(lambda: scores_recompute_enqueue(edition_id))


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
    return was_approved


def check_city_member(*, user, answer: Answer) -> None:
    if not roles.belongs_to_city(user, answer):
        raise PermissionDenied(_("Sie können nur Antworten Ihrer eigenen Stadt bearbeiten."))


def check_collection_window(edition: Edition) -> None:
    """Cities work in a collecting edition only between its opening and closing day (either may be open)."""
    today = timezone.localdate()
    if edition.collection_opens and today < edition.collection_opens:
        raise WorkflowError(_("Die Erhebung beginnt erst am %(date)s.") % {"date": edition.collection_opens})
    if edition.collection_closes and today > edition.collection_closes:
        raise WorkflowError(_("Die Erhebung wurde am %(date)s geschlossen.") % {"date": edition.collection_closes})


def check_participates(*, edition: Edition, city: City, lock: bool = False) -> Participation:
    """The city's participation in the edition (locked with `lock`); PermissionDenied when it takes no part."""
    participations = Participation.objects.filter(edition=edition, city=city)
    participation = (participations.select_for_update() if lock else participations).first()
    if participation is None:
        raise PermissionDenied(_("Ihre Stadt nimmt an dieser Ausgabe nicht teil."))
    return participation


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
    answer = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("parameter")
        .filter(city=city, parameter=parameter)
        .first()
    )
    edition = lock_edition(parameter.indicator.domain.edition_id)
    created = answer is None
    if created:
        answer = Answer(edition=edition, city=city, parameter=parameter)
    # Permission first: a conflict must never show another city's answer.
    check_city_member(user=user, answer=answer)
    check_phase_allows_edit(answer=answer, edition=edition)
    if created:
        check_participates(edition=edition, city=city)
    check_version(None if created else answer, expected_version)

    assign_value(answer, parameter, data.value)
    answer.evidence_url = (data.evidence_url or "").strip()
    answer.note = data.note or ""
    answer.as_of = data.as_of or None
    was_approved = answer_mark_edited(answer, user=user)
    answer.full_clean(exclude=["edition", "city", "parameter"], validate_unique=False)
    reason = reason or _("bearbeitet")
    record_history(
        answer,
        user=user,
        reason=reason if not was_approved else _("%(reason)s, Freigabe aufgehoben") % {"reason": reason},
    )
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:
        # Someone created the same answer between our read and our insert.
        raise ConflictError(Answer.objects.filter(city=city, parameter=parameter).first()) from None
    if was_approved:
        notify_approved_data_changed(edition.pk)
    return answer


def lock_edition(edition_id: int) -> Edition:
    """Lock the edition row: phase changes and publishing wait for answer writes, and vice versa."""
    return Edition.objects.select_for_update().get(pk=edition_id)


def previous_answer(*, city: City, parameter: Parameter) -> Answer | None:
    """The city's approved answer to the same parameter (by key) in the previous edition."""
    before = parameter.indicator.domain.edition.previous()
    if before is None:
        return None
    return (
        Answer.objects.filter(edition=before, city=city, parameter__key=parameter.key, status=Status.APPROVED)
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


def lock_answer(answer: Answer) -> Answer:
    """The answer re-read under a row lock, with its edition locked too."""
    current = Answer.objects.select_for_update(of=("self",)).select_related("parameter").get(pk=answer.pk)
    current.edition = lock_edition(current.edition_id)
    return current


def check_version(current: Answer | None, expected_version: int | None) -> None:
    """A write that read an older version (or expects an answer that does not exist yet) conflicts."""
    if expected_version is None:
        return
    if (current.version if current is not None else 0) != expected_version:
        raise ConflictError(current)


def _check_transition(answer: Answer, to_status: str) -> None:
    if not answer.can_move_to(to_status):
        raise WorkflowError(
            _("Eine Antwort im Status „%(from)s“ kann nicht in den Status „%(to)s“ wechseln.")
            % {"from": Status(answer.status).label, "to": Status(to_status).label}
        )


def _transition(answer: Answer, to_status: str, *, user, reason: str = "") -> Answer:
    _check_transition(answer, to_status)
    old_status, answer.status = answer.status, to_status
    answer.version += 1
    record_history(answer, user=user, reason=reason or Status(to_status).label)
    answer.save()
    webhook_events.answer_status_changed(answer, old_status=old_status)
    return answer


def _missing_for_submit(answer: Answer) -> str | None:
    if not answer.has_value:
        return _("Die Antwort hat noch keinen Wert.")
    if answer.lacks_evidence(has_files=answer.evidence_files.exists):
        return _("Für diesen Parameter ist ein Nachweis (Link oder Datei) erforderlich.")
    return None


@transaction.atomic
def answer_submit(*, user, answer: Answer, expected_version: int | None = None) -> Answer:
    """draft → submitted, once the answer has a value and any required evidence."""
    answer = lock_answer(answer)
    check_city_member(user=user, answer=answer)
    check_version(answer, expected_version)
    _check_transition(answer, Status.SUBMITTED)
    check_phase_allows_edit(answer=answer, edition=answer.edition)
    problem = _missing_for_submit(answer)
    if problem:
        raise ValidationError(problem)
    answer.updated_by = user
    answer = _transition(answer, Status.SUBMITTED, user=user)
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
    drafts = Answer.objects.filter(edition=edition, city=city, status=Status.DRAFT).select_related("parameter")
    if domain is not None:
        drafts = drafts.filter(parameter__indicator__domain=domain)
    submitted, skipped = [], []
    for answer in drafts.order_by(
        "parameter__indicator__domain__position", "parameter__indicator__position", "parameter__position"
    ):
        try:
            submitted.append(answer_submit(user=user, answer=answer))
        except ValidationError as error:  # WorkflowError included
            skipped.append((answer, " ".join(error.messages)))
    return submitted, skipped


def _check_may_review(*, user, answer: Answer) -> None:
    if not roles.is_reviewer(user):
        raise PermissionDenied(_("Nur Prüferinnen und Prüfer können Antworten prüfen."))
    if roles.belongs_to_city(user, answer):
        raise PermissionDenied(_("Sie können keine Antworten einer Stadt prüfen, der Sie angehören."))
    if not answer.edition.is_open_for_work:
        raise WorkflowError(_("In dieser Phase der Ausgabe wird nicht geprüft."))


@transaction.atomic
def answer_approve(*, user, answer: Answer, expected_version: int | None = None) -> Answer:
    """submitted → approved by a reviewer of another city; the edition is recomputed after commit."""
    answer = lock_answer(answer)
    _check_may_review(user=user, answer=answer)
    check_version(answer, expected_version)
    _check_transition(answer, Status.APPROVED)
    # Re-validate: the catalogue (range, options) may have changed since the city submitted.
    answer.full_clean(exclude=["edition", "city", "parameter"], validate_unique=False)
    problem = _missing_for_submit(answer)
    if problem:
        raise ValidationError(problem)
    answer.reviewed_by, answer.reviewed_at, answer.review_reason = user, timezone.now(), ""
    answer = _transition(answer, Status.APPROVED, user=user, reason=_("freigegeben"))
    notify_approved_data_changed(answer.edition_id)
    notify_if_fully_approved(answer=answer)
    return answer


def _review_each(answers, review) -> tuple[list[Answer], list[tuple[Answer, str]]]:
    """Apply `review` (an atomic service) to each answer; returns (done, failed with the reason).

    One transaction with a savepoint per answer: a failure leaves that answer as it was, and the
    work after commit (one recompute, the e-mails grouped per recipient) runs once for the batch.
    """
    done, failed = [], []
    with transaction.atomic():
        for answer in answers:
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
    answer = _transition(answer, Status.CHANGES_REQUESTED, user=user, reason=reason)
    notify_sent_back(answer=answer)
    return answer


# --- Editions and catalogue -------------------------------------------------------------------


def _check_editor(user) -> None:
    if not roles.is_editor(user):
        raise PermissionDenied(_("Nur die Redaktion kann Ausgaben und Katalog verwalten."))


def edition_set_phase(*, user, edition: Edition, phase: str, reason: str = "") -> Edition:
    """Move an edition along PHASE_PIPELINE. Publishing goes through scoring.services.edition_publish,
    which freezes the results in the same transaction."""
    if phase == Phase.PUBLISHED:
        raise WorkflowError(_("Eine Ausgabe wird mit „Veröffentlichen“ veröffentlicht, das ihre Ergebnisse einfriert."))
    with transaction.atomic():
        _check_editor(user)
        edition = lock_edition(edition.pk)
        edition.move_to(phase, user=user, reason=reason)
    return edition


@transaction.atomic
def edition_clone(*, user, source: Edition, year: int, title: str = "") -> Edition:
    """A new draft edition with the source's catalogue, weights and methodology (no answers, no results)."""
    _check_editor(user)
    if Edition.objects.filter(year=year).exists():
        raise ValidationError({"year": _("Es gibt bereits eine Ausgabe %(year)s.") % {"year": year}})
    edition = Edition(
        year=year,
        title=title or f"Smart City Index {year}",
        phase=Phase.DRAFT,
        missing_policy=source.missing_policy,
        normalisation=source.normalisation,
        aggregation=source.aggregation,
        bonus_cap=source.bonus_cap,
        is_demo=source.is_demo,
    )
    edition.full_clean()
    record_history(edition, user=user, reason=_("aus Ausgabe %(year)s übernommen") % {"year": source.year})
    edition.save()
    for domain in source.domains.prefetch_related("indicators__parameters"):
        indicators = list(domain.indicators.all())
        domain.pk, domain.id, domain.edition = None, None, edition
        domain.save()
        for indicator in indicators:
            parameters = list(indicator.parameters.all())
            indicator.pk, indicator.id, indicator.domain = None, None, domain
            indicator.save()
            for parameter in parameters:
                parameter.pk, parameter.id, parameter.indicator = None, None, indicator
            bulk_create_with_history(
                parameters,
                Parameter,
                default_user=user,
                default_change_reason=_("aus Ausgabe %(year)s übernommen") % {"year": source.year},
            )
    Participation.objects.bulk_create(
        Participation(edition=edition, city_id=city_id)
        for city_id in source.participations.values_list("city_id", flat=True)
    )
    return edition


# Fields whose change alters the scores of an edition (a recompute follows after commit).
SCORING_FIELDS = frozenset(
    {
        "weight",
        "kind",
        "higher_is_better",
        "per_capita",
        "goal_worst",
        "goal_best",
        "options",
        "missing_policy",
        "normalisation",
        "aggregation",
        "bonus_cap",
    }
)


@transaction.atomic
def catalogue_update(*, user, item: Edition | Domain | Indicator | Parameter, changes: dict[str, Any]):
    """Change fields of an unpublished edition's catalogue or methodology (weights, scaling, texts).

    The phase is not a field here (see edition_set_phase). Recomputes after commit when a field that
    enters the scores changed. A published edition's catalogue and methodology are frozen.
    """
    _check_editor(user)
    if "phase" in changes or "published_at" in changes:
        raise WorkflowError(_("Die Phase ändert sich nur über die Phasenwechsel der Ausgabe."))
    item = type(item).objects.select_for_update().get(pk=item.pk)
    edition = edition_of(item)
    check_catalogue_open(edition)
    for field, value in changes.items():
        setattr(item, field, value)
    check_catalogue_open(edition_of(item))  # nor may an item move into a published edition
    item.full_clean()
    if isinstance(item, Domain) and not item.weight > 0:
        others = edition.domains.exclude(pk=item.pk).filter(weight__gt=0)
        if not others.exists():
            raise ValidationError({"weight": _("Mindestens ein Themenbereich braucht ein Gewicht über 0.")})
    record_history(item, user=user, reason=_("geändert: %(fields)s") % {"fields": ", ".join(sorted(changes))})
    item.save()
    if SCORING_FIELDS & changes.keys():
        notify_approved_data_changed(edition.pk)
    return item


def check_catalogue_open(edition: Edition) -> None:
    """The one rule of the frozen catalogue: a published (or archived) edition's catalogue and
    methodology never change. Raises WorkflowError; the admin's forms ask it before they save."""
    if edition.is_public:
        raise WorkflowError(_("Katalog und Methodik einer veröffentlichten Ausgabe sind eingefroren."))


@transaction.atomic
def catalogue_item_add(*, user, item: Domain | Indicator | Parameter) -> Domain | Indicator | Parameter:
    """Add a domain, indicator or parameter to an unpublished edition (audited; recomputed after commit)."""
    _check_editor(user)
    edition = lock_edition(edition_of(item).pk)
    check_catalogue_open(edition)
    item.full_clean()
    record_history(item, user=user, reason=_("angelegt"))
    item.save()
    notify_approved_data_changed(edition.pk)
    return item


@transaction.atomic
def catalogue_item_delete(*, user, item: Edition | Domain | Indicator | Parameter) -> None:
    """Delete an item of an unpublished edition's catalogue, with what hangs on it (audited; recomputed
    after commit). A published edition's catalogue, and a published edition itself, stay."""
    _check_editor(user)
    item = type(item).objects.select_for_update().get(pk=item.pk)
    edition = lock_edition(edition_of(item).pk)
    check_catalogue_open(edition)
    record_history(item, user=user, reason=_("gelöscht"))
    item.delete()
    if not isinstance(item, Edition):
        notify_approved_data_changed(edition.pk)


def edition_of(item: Edition | Domain | Indicator | Parameter) -> Edition:
    """The edition a catalogue item belongs to."""
    if isinstance(item, Edition):
        return item
    if isinstance(item, Domain):
        return item.edition
    if isinstance(item, Indicator):
        return item.domain.edition
    return item.indicator.domain.edition


@transaction.atomic
def innovation_bonus_award(
    *, user, project: InnovationProject, points: Decimal, justification: str
) -> InnovationProject:
    """A reviewer of another city awards 0..5 bonus points with a justification; recomputes after commit."""
    project = InnovationProject.objects.select_for_update().get(pk=project.pk)
    project.edition = lock_edition(project.edition_id)
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
