"""Celery tasks of the review workflow: sending the pending e-mail notifications (indicators/notifications.py),
the check window's reminders (indicators/services/checks.py), and reaping stored evidence files no row points
to (indicators/services/evidence.py), storing the review flags (indicators/services/review_flags.py)."""

from celery import shared_task

from indicators.services.checks import CHECKS_REMIND_TASK, checks_remind
from indicators.services.evidence import EVIDENCE_ORPHANS_REAP_TASK, evidence_orphans_reap
from indicators.services.notifications import NOTIFICATIONS_SEND_TASK, notifications_send
from indicators.services.review_flags import REVIEW_FLAGS_REFRESH_TASK, review_flags_refresh
from smartcity.task_queue import OUTBOX_TASK, started


@shared_task(name=NOTIFICATIONS_SEND_TASK, **OUTBOX_TASK)
def notifications_send_task() -> dict:
    """Send the due notifications (also periodic, via beat). Safe to run twice: sent rows are not due."""
    started(NOTIFICATIONS_SEND_TASK)
    return notifications_send()


@shared_task(name=EVIDENCE_ORPHANS_REAP_TASK, acks_late=True, soft_time_limit=1800, time_limit=1900)
def evidence_orphans_reap_task() -> dict:
    """Remove stored evidence files no row points to, after the grace period (periodic, via beat).
    Safe to run twice: a second run finds nothing left to remove."""
    started(EVIDENCE_ORPHANS_REAP_TASK)
    return {"removed": len(evidence_orphans_reap())}


@shared_task(name=CHECKS_REMIND_TASK, acks_late=True, soft_time_limit=600, time_limit=660)
def checks_remind_task() -> dict:
    """Remind the cities of values still to check before their check window closes (daily, via beat). Safe to
    run twice: a city gets each reminder once."""
    started(CHECKS_REMIND_TASK)
    return checks_remind()


@shared_task(name=REVIEW_FLAGS_REFRESH_TASK, acks_late=True, soft_time_limit=600, time_limit=660)
def review_flags_refresh_task(edition_id: int, parameter_id: int = 0, following: bool = False) -> dict:
    """Store the review flags of one parameter of an edition (0: all its parameters) from the one rule (after
    the answers' writers commit; coalesced). Safe to run twice: unchanged flags are not written."""
    started(REVIEW_FLAGS_REFRESH_TASK, (edition_id, parameter_id, following))
    changed = review_flags_refresh(edition_id=edition_id, parameter_id=parameter_id or None, following=following)
    return {"changed": changed}
