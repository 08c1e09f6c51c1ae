"""Celery tasks of the webhooks: sending the due deliveries (webhooks/services.py)."""

from celery import shared_task
from django.core.cache import cache

from smartcity.task_queue import OUTBOX_TASK, enqueue
from webhooks.services import webhooks_deliver

PENDING_KEY = "webhooks:deliver-pending"


def request_webhooks_deliver() -> bool:
    """Enqueue a run of the due deliveries (called after commit); returns True if enqueued.

    A burst (the answers of a bulk approval) becomes one task. Never raises: the rows are committed,
    and the beat job "webhooks-deliver" sends them (and runs the retries) if this cannot be enqueued.
    """
    return enqueue(webhooks_deliver_task, pending_key=PENDING_KEY, description="delivering the webhooks")


@shared_task(**OUTBOX_TASK)
def webhooks_deliver_task() -> dict:
    """Send the due deliveries (also periodic, via beat). Safe to run twice: claimed and delivered rows are not due."""
    cache.delete(PENDING_KEY)
    return webhooks_deliver()
