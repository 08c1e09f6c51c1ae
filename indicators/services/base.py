"""What every service of indicators shares: row locks in one order, the version check, the checks of
city membership, collection window and participation, the stale-write error, the recompute request."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import (
    Answer,
    City,
    Edition,
    Participation,
)
from indicators.services.review_flags import answer_flags_changed
from indicators.workflow import WorkflowError, record_history
from smartcity import task_queue
from webhooks import events as webhook_events

Status = Answer.Status


class ConflictError(Exception):
    """A stale write: the answer changed since the writer read it. Carries the current answer."""

    def __init__(self, current: Answer | None):
        self.current = current
        super().__init__(_("Die Antwort wurde inzwischen von jemand anderem geändert."))


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


# The one lock order of every service (ARCHITECTURE.md, "Lock order"): the edition, then its catalogue
# items, then the city, then the city's participation, memberships and invitations, then answers and
# innovation projects (several: in pk order), then a score run. A transaction that takes two of these
# takes them in this order, so two transactions never wait for each other in a circle.


def lock_edition(edition_id: int) -> Edition:
    """Lock the edition row (first in the lock order): phase changes and publishing wait for answer
    writes, and vice versa."""
    return Edition.objects.select_for_update().get(pk=edition_id)


def lock_answer(answer: Answer) -> Answer:
    """The answer re-read under a row lock, its edition locked first (the lock order); an answer's edition
    never changes, so the edition id known before the lock is the right one."""
    edition_id = answer.edition_id or Answer.objects.values_list("edition_id", flat=True).get(pk=answer.pk)
    edition = lock_edition(edition_id)
    current = Answer.objects.select_for_update(of=("self",)).select_related("parameter").get(pk=answer.pk)
    current.edition = edition
    return current


def lock_editions_of(answers) -> list[Answer]:
    """For a batch of answers: lock their editions (in pk order) and return the answers in pk order, the
    order in which the batch must then lock them one by one (`lock_answer`)."""
    answers = sorted(answers, key=lambda answer: answer.pk)
    for edition_id in sorted({answer.edition_id for answer in answers}):
        lock_edition(edition_id)
    return answers


def check_version(current: Answer | None, expected_version: int | None) -> None:
    """A write that read an older version (or expects an answer that does not exist yet) conflicts."""
    if expected_version is None:
        return
    if (current.version if current is not None else 0) != expected_version:
        raise ConflictError(current)


def check_transition(answer: Answer, to_status: str) -> None:
    if not answer.can_move_to(to_status):
        raise WorkflowError(
            _("Eine Antwort im Status „%(from)s“ kann nicht in den Status „%(to)s“ wechseln.")
            % {"from": Status(answer.status).label, "to": Status(to_status).label}
        )


def answer_transition(answer: Answer, to_status: str, *, user, reason: str = "") -> Answer:
    check_transition(answer, to_status)
    old_status, answer.status = answer.status, to_status
    answer.version += 1
    record_history(answer, user=user, reason=reason or Status(to_status).label)
    answer.save()
    webhook_events.answer_status_changed(answer, old_status=old_status)
    if Status.APPROVED in (old_status, to_status):  # last edition's approved answer of the later editions' jumps
        answer_flags_changed(answer, approval_changed=True)
    return answer


def missing_for_submit(answer: Answer) -> str | None:
    """Why a stored answer cannot be submitted (Answer.incomplete_reason; its files asked only if needed)."""
    return answer.incomplete_reason(has_files=answer.evidence_files.exists)


def check_editor(user) -> None:
    if not roles.is_editor(user):
        raise PermissionDenied(_("Nur die Redaktion kann Ausgaben und Katalog verwalten."))
