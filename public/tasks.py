"""Celery tasks of the public site: the published open data files written to storage (public.published_files), the
accessibility feedback mailed to the operator (public.feedback)."""

from celery import shared_task

from public.feedback import FEEDBACK_MAIL_SEND_TASK, feedback_mail_send
from public.published_files import published_files_write
from smartcity.task_queue import OUTBOX_TASK, started

# The name scoring.services.public_pages requests it by (scoring does not import public).
PUBLISHED_FILES_WRITE_TASK = "public.tasks.published_files_write_task"


@shared_task(name=PUBLISHED_FILES_WRITE_TASK, acks_late=True, soft_time_limit=600, time_limit=660)
def published_files_write_task() -> list[str]:
    """Store every missing published file. Safe to run twice: stored files stay as they are."""
    started(PUBLISHED_FILES_WRITE_TASK)
    return published_files_write()


@shared_task(name=FEEDBACK_MAIL_SEND_TASK, **OUTBOX_TASK)
def accessibility_feedback_send_task() -> dict:
    """Mail the due accessibility feedback to the operator (also periodic, via beat). Safe to run twice: mailed
    rows are not due."""
    started(FEEDBACK_MAIL_SEND_TASK)
    return feedback_mail_send()
