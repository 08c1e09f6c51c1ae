"""Celery task of the public site: the published open data files written to storage (public.published_files)."""

from celery import shared_task

from public.published_files import published_files_write
from smartcity.task_queue import started

# The name scoring.services.public_pages requests it by (scoring does not import public).
PUBLISHED_FILES_WRITE_TASK = "public.tasks.published_files_write_task"


@shared_task(name=PUBLISHED_FILES_WRITE_TASK, acks_late=True, soft_time_limit=600, time_limit=660)
def published_files_write_task() -> list[str]:
    """Store every missing published file. Safe to run twice: stored files stay as they are."""
    started(PUBLISHED_FILES_WRITE_TASK)
    return published_files_write()
