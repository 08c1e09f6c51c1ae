"""Feedback on the site's accessibility (BITV 2.0 § 7): stored, then mailed to the operator through an outbox.

`feedback_submit` writes the row and requests the mail after commit; `feedback_mail_send` (the task's service,
also run by beat) claims the due rows with smartcity.outbox and mails each one to ACCESSIBILITY_FEEDBACK_EMAIL,
retrying a failing mail server with backoff. The public site's only write.
"""

import hashlib
import logging
import smtplib
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from public.models import AccessibilityFeedback, answer_due_from
from smartcity import outbox, task_queue
from smartcity.client_address import client_ip

logger = logging.getLogger(__name__)

FEEDBACK_MAIL_SEND_TASK = "public.tasks.accessibility_feedback_send_task"
CLAIM_LIMIT = 100
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(minutes=60)


def feedback_rate_limited(request) -> bool:
    """Counts this client's feedback in the current hour; True once it is over ACCESSIBILITY_FEEDBACK_PER_HOUR.

    The address is only part of a cache key (hashed), never stored with the feedback; a cache that cannot be
    reached lets the feedback through (a barrier report must not be lost to a cache outage).
    """
    address = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"a11y-feedback:{address}:{timezone.now():%Y%m%d%H}"
    try:
        cache.add(key, 0, timeout=3600)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001 - fail open, see docstring
        logger.warning("the feedback rate limit's cache is unreachable", exc_info=True)
        return False
    return count > settings.ACCESSIBILITY_FEEDBACK_PER_HOUR


def feedback_submit(*, name: str, email: str, message: str, page_url: str) -> AccessibilityFeedback:
    """Store a feedback message (checked with full_clean) and request its mail to the operator after commit."""
    now = timezone.now()
    feedback = AccessibilityFeedback(
        name=name, email=email, message=message, page_url=page_url, created_at=now, answer_due=answer_due_from(now)
    )
    feedback.full_clean()
    with transaction.atomic():
        feedback.save()
        transaction.on_commit(feedback_mail_enqueue)
    return feedback


def feedback_mail_enqueue() -> bool:
    """Request the mail task (after commit); never raises: beat's "accessibility-feedback-send" catches up."""
    return task_queue.request(FEEDBACK_MAIL_SEND_TASK, coalesce=True, description="mailing accessibility feedback")


def feedback_mail_send(*, now: datetime | None = None) -> dict:
    """Mail every due feedback row to ACCESSIBILITY_FEEDBACK_EMAIL, one mail each; never raises for mail errors.

    Rows are claimed with a lease (smartcity.outbox.claim_due), so parallel runs never mail one twice; a sent
    row gets `mailed_at`, a failing one attempts + 1 and its next attempt after 1, 2, 4 … minutes (at most an
    hour), up to NOTIFICATION_MAX_ATTEMPTS. Returns {"sent": …, "failed": …}.
    """
    now = now or timezone.now()
    ids = outbox.claim_due(
        AccessibilityFeedback.objects.all(),
        done_field="mailed_at",
        max_attempts=settings.NOTIFICATION_MAX_ATTEMPTS,
        now=now,
        order_by=("created_at", "id"),
        limit=CLAIM_LIMIT,
    )
    sent = failed = 0
    for feedback in AccessibilityFeedback.objects.filter(pk__in=ids).order_by("created_at", "id"):
        try:
            _message(feedback).send()
        except SoftTimeLimitExceeded:
            raise  # out of time: the lease hands the rest to a later run
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("mailing accessibility feedback %s failed: %s", feedback.pk, error)
            _postpone(feedback, error, now)
            failed += 1
        else:
            AccessibilityFeedback.objects.filter(pk=feedback.pk).update(mailed_at=now, last_error="")
            sent += 1
    return {"sent": sent, "failed": failed}


def _postpone(feedback: AccessibilityFeedback, error: Exception, now: datetime) -> None:
    attempts = feedback.attempts + 1
    AccessibilityFeedback.objects.filter(pk=feedback.pk).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        next_attempt_at=now + outbox.backoff(attempts, first=BACKOFF_FIRST, cap=BACKOFF_CAP),
    )


def _message(feedback: AccessibilityFeedback) -> EmailMessage:
    """The mail to the operator, in the site's language, with a reply-to of the sender and the admin's link."""
    site = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "feedback": feedback,
            "admin_url": site + reverse("admin:public_accessibilityfeedback_change", args=[feedback.pk]),
        }
        subject = render_to_string("public/mail/accessibility_feedback_subject.txt", context)
        body = render_to_string("public/mail/accessibility_feedback_body.txt", context)
    return EmailMessage(
        " ".join(subject.split()), body, to=[settings.ACCESSIBILITY_FEEDBACK_EMAIL], reply_to=[feedback.email]
    )
