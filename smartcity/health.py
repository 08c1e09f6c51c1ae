"""Health probes for load balancers and orchestrators: liveness (the process answers) and readiness
(the database and the cache answer). Outside the language prefix, no login, never cached."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

READY_CACHE_KEY = "healthz:ready"


@never_cache
@require_safe
def live(request):
    """A constant "ok": no database, no session, no cache. Also the floor of bench/load.sh."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not ready"; the probe itself must answer
        logger.warning("readiness probe: database unavailable", exc_info=True)
        return False


def _cache_ok() -> bool:
    try:
        cache.set(READY_CACHE_KEY, "ok", timeout=10)
        return cache.get(READY_CACHE_KEY) == "ok"
    except Exception:  # any failure means "not ready"; the probe itself must answer
        logger.warning("readiness probe: cache unavailable", exc_info=True)
        return False


@never_cache
@require_safe
def ready(request):
    """200 {"database": "ok", "cache": "ok"} when both answer; otherwise 503 naming what failed ("error")."""
    checks = {
        "database": "ok" if _database_ok() else "error",
        "cache": "ok" if _cache_ok() else "error",
    }
    status = 200 if all(value == "ok" for value in checks.values()) else 503
    return JsonResponse(checks, status=status)
