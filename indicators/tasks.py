"""Celery tasks of the review workflow: sending the pending e-mail notifications (indicators/notifications.py)."""

from celery import shared_task
from django.core.cache import cache

from indicators.notifications import notifications_send
from smartcity.task_queue import OUTBOX_TASK, enqueue

PENDING_KEY = "notifications:send-pending"


def request_notifications_send() -> bool:
    """Enqueue a send of the pending notifications (called after commit); returns True if enqueued.

    A burst (the many answers of a bulk action) becomes one task. Never raises: the rows are
    committed, and the beat job "notifications-send" sends them if this cannot be enqueued.
    """
    return enqueue(notifications_send_task, pending_key=PENDING_KEY, description="sending the notifications")


@shared_task(**OUTBOX_TASK)
def notifications_send_task() -> dict:
    """Send the due notifications (also periodic, via beat). Safe to run twice: sent rows are not due."""
    cache.delete(PENDING_KEY)
    return notifications_send()
