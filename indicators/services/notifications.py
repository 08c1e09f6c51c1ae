"""E-mail notifications of the review workflow: outbox rows written with each decision, sent after commit.

The `notify_*` functions run inside the service transaction of the decision (send back, resubmit,
approve): the decision and its notifications are saved together or not at all. After commit a task
runs `notifications_send`, which groups the pending rows into one mail per recipient, kind, edition
and city; a failing mail server only postpones a mail (backoff), it never loses the decision.
"""

import hashlib
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import Answer, Notification, Parameter, Participation
from smartcity import outbox, task_queue

logger = logging.getLogger(__name__)

Kind = Notification.Kind
User = get_user_model()

# At most this many rows per run (a later run takes the rest); enough for any bulk action.
CLAIM_LIMIT = 1000
# Claimed and sent in this order, so that one recipient's mails of one kind, edition and city are one group.
GROUP_ORDER = ("recipient_id", "kind", "edition_id", "city_id", "id")
# After a failed attempt: 1, 2, 4 ... minutes, at most an hour (smartcity.outbox.backoff).
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(minutes=60)


# --- Writing notifications (inside the decision's transaction) ---------------------------------


def notify_sent_back(*, answer: Answer) -> list[Notification]:
    """An answer was sent back: one row per active member of its city with an e-mail, with the reason. A
    researched or imported value is not the city's to revise: nobody of the city is told (the researcher
    finds it on the research page, filter "zurückgegeben")."""
    if not answer.is_entered_by_city:
        return []
    return _write_about(answer, Kind.SENT_BACK, _city_members(answer.city_id))


def notify_resubmitted(*, answer: Answer) -> list[Notification]:
    """A submitted answer that had been sent back (it still carries the review reason) tells the reviewers.

    The reviewer who sent it back gets it while they may still review the city (active, reviewer,
    not a member of it, with an e-mail); otherwise every such reviewer does. An ordinary first
    submission writes nothing.
    """
    if answer.status != Answer.Status.SUBMITTED or not answer.review_reason:
        return []
    reviewer = answer.reviewed_by
    if (
        reviewer is not None
        and reviewer.is_active
        and reviewer.email
        and roles.is_reviewer(reviewer)
        and not roles.belongs_to_city(reviewer, answer)
    ):
        recipients = [reviewer]
    else:
        recipients = (
            User.objects.filter(is_active=True, groups__name=roles.REVIEWERS_GROUP)
            .exclude(email="")
            .exclude(city_memberships__city_id=answer.city_id)
            .distinct()
            .order_by("pk")
        )
    return _write_about(answer, Kind.RESUBMITTED, recipients)


def notify_if_fully_approved(*, answer: Answer) -> list[Notification]:
    """After `answer` was approved: if that completed its city's questionnaire, one row per member.

    Fully approved means no answer of the city in the edition is anything but approved, and every
    parameter of the edition is answered or the city's participation is signed off. The approval
    just made was the last one missing, so this fires once per completion (in a bulk approval only
    for the last answer). Approvals of one edition are serialised by the edition's row lock
    (services.lock_edition), so two parallel "last" approvals cannot both see a complete set.
    """
    if answer.status != Answer.Status.APPROVED:
        return []
    answers = Answer.objects.filter(edition_id=answer.edition_id, city_id=answer.city_id)
    if answers.exclude(status=Answer.Status.APPROVED).exists():
        return []
    every_parameter = (
        answers.count() == Parameter.objects.filter(indicator__domain__edition_id=answer.edition_id).count()
    )
    if (
        not every_parameter
        and not Participation.objects.filter(
            edition_id=answer.edition_id, city_id=answer.city_id, signed_off_at__isnull=False
        ).exists()
    ):
        return []
    return _write(
        Notification(kind=Kind.FULLY_APPROVED, recipient=member, edition_id=answer.edition_id, city_id=answer.city_id)
        for member in _city_members(answer.city_id)
    )


def notify_check_reminder(*, edition, city_id: int, days_before: int) -> list[Notification]:
    """The city still has values to check and the check window closes in `days_before` days: one row per
    active member with an e-mail (the caller writes it once per city and day count)."""
    return _write(
        Notification(
            kind=Kind.CHECK_REMINDER, recipient=member, edition=edition, city_id=city_id, days_before=days_before
        )
        for member in _city_members(city_id)
    )


def notify_objection_decided(*, answer: Answer, outcome: str) -> list[Notification]:
    """A reviewer decided the city's objection to a value: one row per active member of the city with an e-mail,
    carrying the outcome as the city reads it (`outcome`, e.g. "Wert beibehalten – Begründung: …")."""
    return _write(
        Notification(
            kind=Kind.OBJECTION_DECIDED,
            recipient=member,
            edition_id=answer.edition_id,
            city_id=answer.city_id,
            answer=answer,
            reason=outcome,
        )
        for member in _city_members(answer.city_id)
    )


def _city_members(city_id: int):
    """Active members of the city (any role) who have an e-mail address."""
    return User.objects.filter(is_active=True, city_memberships__city_id=city_id).exclude(email="").order_by("pk")


def _write_about(answer: Answer, kind: str, recipients) -> list[Notification]:
    """One row per recipient about `answer`, carrying its review reason."""
    return _write(
        Notification(
            kind=kind,
            recipient=recipient,
            edition_id=answer.edition_id,
            city_id=answer.city_id,
            answer=answer,
            reason=answer.review_reason,
        )
        for recipient in recipients
    )


NOTIFICATIONS_SEND_TASK = "indicators.tasks.notifications_send_task"


def notifications_send_enqueue() -> bool:
    """Request a send of the pending notifications (called after commit); returns True if enqueued.

    A burst (the many answers of a bulk action) becomes one task. Never raises: the rows are
    committed, and the beat job "notifications-send" sends them if this cannot be enqueued.
    """
    return task_queue.request(NOTIFICATIONS_SEND_TASK, coalesce=True, description="sending the notifications")


def _write(notifications: Iterable[Notification]) -> list[Notification]:
    created = Notification.objects.bulk_create(list(notifications))
    if created:
        transaction.on_commit(notifications_send_enqueue)
    return created


# --- Sending (the task's service) --------------------------------------------------------------


def notifications_send(*, now: datetime | None = None) -> dict:
    """Send every due notification, one mail per (recipient, kind, edition, city); never raises for mail errors.

    Claims the due rows (unsent, due, under NOTIFICATION_MAX_ATTEMPTS) with a lease, committed before
    anything is sent (smartcity.outbox.claim_due: a parallel or repeated run skips them while the lease
    holds), then sends group by group, each mail with a Message-ID stable across attempts (message_id).
    A sent group gets `sent_at`; a failing one gets attempts + 1, the error and its
    next attempt after 1, 2, 4 … minutes (at most an hour). A row at the maximum stays with its
    error and is not tried again. Returns {"sent": mails sent, "failed": mails failed, "rows": rows claimed}.
    """
    now = now or timezone.now()
    rows = _claim(now)
    groups: dict[tuple, list[Notification]] = defaultdict(list)
    for row in rows:
        groups[(row.recipient_id, row.kind, row.edition_id, row.city_id)].append(row)
    sent = failed = 0
    for group in groups.values():
        recipient = group[0].recipient
        if not recipient.is_active or not recipient.email:  # changed since the row was written
            _give_up(group, _("Empfänger ist inaktiv oder hat keine E-Mail-Adresse."))
            failed += 1
            continue
        try:
            _message(group).send()
        except SoftTimeLimitExceeded:
            raise  # out of time: the lease hands the rest to a later run
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("sending a notification to user %s failed: %s", group[0].recipient_id, error)
            _postpone(group, error, now)
            failed += 1
        except Exception as error:  # a bug must not stop the other groups; the row keeps the error
            logger.error("sending a notification to user %s failed", group[0].recipient_id, exc_info=True)
            _postpone(group, error, now)
            failed += 1
        else:
            Notification.objects.filter(pk__in=[row.pk for row in group]).update(sent_at=now, last_error="")
            sent += 1
    return {"sent": sent, "failed": failed, "rows": len(rows)}


def _claim(now: datetime) -> list[Notification]:
    ids = outbox.claim_due(
        Notification.objects.all(),
        done_field="sent_at",
        max_attempts=settings.NOTIFICATION_MAX_ATTEMPTS,
        now=now,
        order_by=GROUP_ORDER,
        limit=CLAIM_LIMIT,
    )
    return list(
        Notification.objects.filter(pk__in=ids)
        .select_related("recipient", "edition", "city", "answer__parameter__indicator__domain")
        .order_by(*GROUP_ORDER)
    )


def _postpone(group: list[Notification], error: Exception, now: datetime) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    for row in group:
        row.attempts += 1
        row.last_error = text
        row.next_attempt_at = now + outbox.backoff(row.attempts, first=BACKOFF_FIRST, cap=BACKOFF_CAP)
        if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            logger.error(
                "giving up notification %s to user %s after %s attempts: %s",
                row.pk,
                row.recipient_id,
                row.attempts,
                text,
            )
    Notification.objects.bulk_update(group, ["attempts", "last_error", "next_attempt_at"])


def _give_up(group: list[Notification], text: str) -> None:
    logger.warning("not sending %s notifications to user %s: %s", len(group), group[0].recipient_id, text)
    Notification.objects.filter(pk__in=[row.pk for row in group]).update(
        attempts=settings.NOTIFICATION_MAX_ATTEMPTS, last_error=text
    )


def _message(group: list[Notification]) -> EmailMessage:
    """The mail for one group, in the site's language (recipients have no language preference)."""
    first = group[0]
    recipient, city, edition = first.recipient, first.city, first.edition
    site = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        # The same answer twice in a group (sent back again before the first mail left): its latest reason.
        latest = {row.answer_id: row for row in group if row.answer_id is not None}
        items = [
            {
                "answer": row.answer,
                "parameter": row.answer.parameter,
                "reason": row.reason,
                "admin_url": site + reverse("admin:indicators_answer_change", args=[row.answer_id]),
            }
            for row in sorted(latest.values(), key=lambda row: _catalogue_position(row.answer.parameter))
        ]
        context = {
            "recipient": recipient,
            "city": city,
            "edition": edition,
            "items": items,
            "count": len(items),
            "questionnaire_url": site + reverse("indicators:questionnaire", args=[city.slug, edition.year]),
        }
        subject = render_to_string(f"indicators/mail/{first.kind}_subject.txt", context)
        body = render_to_string(f"indicators/mail/{first.kind}_body.txt", context)
    return EmailMessage(
        " ".join(subject.split()), body, to=[recipient.email], headers={"Message-ID": message_id(group)}
    )


def message_id(group: list[Notification]) -> str:
    """The mail's Message-ID, the same on every attempt to send the group: from its rows' ids and the site's domain.

    Sending is at least once (a worker that dies after the mail server took the mail but before the rows
    are marked sent leaves them to be sent again once the claim's lease ends); the repeated copy carries
    the same Message-ID, so mail servers and clients that drop duplicates show it once.
    """
    ids = sorted(row.pk for row in group)
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]
    domain = urlsplit(settings.SITE_URL).hostname
    return f"<notification.{ids[0]}.{digest}@{domain}>"


def _catalogue_position(parameter: Parameter) -> tuple:
    indicator = parameter.indicator
    return (indicator.domain.position, indicator.position, parameter.position, parameter.pk)
