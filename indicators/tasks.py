"""Celery tasks of the review workflow: sending the pending e-mail notifications (indicators/notifications.py)."""

from celery import shared_task

from indicators.services.notifications import NOTIFICATIONS_SEND_TASK, notifications_send
from smartcity.task_queue import OUTBOX_TASK, started


@shared_task(name=NOTIFICATIONS_SEND_TASK, **OUTBOX_TASK)
def notifications_send_task() -> dict:
    """Send the due notifications (also periodic, via beat). Safe to run twice: sent rows are not due."""
    started(NOTIFICATIONS_SEND_TASK)
    return notifications_send()
