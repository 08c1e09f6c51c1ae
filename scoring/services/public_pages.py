"""The public page cache kept in step with what is published: every clear after a publish (or after the
analysis of a published run, or an archive import) is marked with a fingerprint of the published data, and
the periodic reconcile clears again when the cache's marker lags (a clear lost with its process)."""

import hashlib

from scoring.models import ScoreRun
from smartcity import task_queue
from smartcity.page_cache import page_cache_clear, page_cache_marker

# public.tasks.published_files_write_task, by name (scoring never imports public): the open data files of the
# published runs written to storage once (public.published_files).
PUBLISHED_FILES_WRITE_TASK = "public.tasks.published_files_write_task"


def published_fingerprint() -> str:
    """A short hash of what the public pages show of scoring: each published run (id, time of publishing)
    and its analysis, if any; "" while nothing is published. One query."""
    rows = list(
        ScoreRun.objects.filter(is_published=True).order_by("pk").values_list("pk", "published_at", "uncertainty")
    )
    if not rows:
        return ""
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def public_pages_refresh() -> None:
    """Clear the public page cache for the published data as committed now (run after a commit; never
    raises for the cache: page_cache_clear logs an outage, and the reconcile clears once it is back)."""
    page_cache_clear(marker=published_fingerprint())
    published_files_request()


def published_files_request() -> bool:
    """Request the writing of the published open data files that are not stored yet (coalesced; never
    raises). The files change exactly when the public pages are refreshed: a publish, the analysis of a
    published run, an archive import."""
    return task_queue.request(
        PUBLISHED_FILES_WRITE_TASK, coalesce=True, description="writing the published open data files"
    )


def public_pages_reconcile() -> bool:
    """Clear the public page cache when it was last cleared for other published data than today's, and request
    the published files missing from storage; returns whether it cleared. A cache that cannot be read is left
    alone (nothing to compare with)."""
    published_files_request()  # files missing from storage (a lost task, a restore) are written again
    marker = page_cache_marker()
    expected = published_fingerprint()
    if marker is None or marker == expected:
        return False
    page_cache_clear(marker=expected)
    return True
