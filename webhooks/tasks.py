"""Celery tasks of the webhooks: sending the due deliveries (webhooks/services.py)."""

from celery import shared_task

from smartcity.task_queue import OUTBOX_TASK, started
from webhooks.services import WEBHOOKS_DELIVER_TASK, webhooks_deliver


@shared_task(name=WEBHOOKS_DELIVER_TASK, **OUTBOX_TASK)
def webhooks_deliver_task() -> dict:
    """Send the due deliveries (also periodic, via beat). Safe to run twice: claimed and delivered rows are not due."""
    started(WEBHOOKS_DELIVER_TASK)
    return webhooks_deliver()
