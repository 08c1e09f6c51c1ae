"""Celery tasks of the webhooks: sending the due deliveries (webhooks/services.py)."""

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

from smartcity.task_queue import enqueue
from webhooks.services import webhooks_deliver

PENDING_KEY = "webhooks:deliver-pending"


def request_webhooks_deliver() -> bool:
    """Enqueue a run of the due deliveries (called after commit); returns True if enqueued.

    A burst (the answers of a bulk approval) becomes one task. Never raises: the rows are committed,
    and the beat job "webhooks-deliver" sends them (and runs the retries) if this cannot be enqueued.
    """
    return enqueue(webhooks_deliver_task, pending_key=PENDING_KEY, description="delivering the webhooks")


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def webhooks_deliver_task() -> dict:
    """Send the due deliveries (also periodic, via beat). Safe to run twice: claimed and delivered rows are not due."""
    cache.delete(PENDING_KEY)
    return webhooks_deliver()
