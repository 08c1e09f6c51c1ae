"""DRF's rate throttles, failing open when the cache (Redis) cannot be reached, keyed on the real client.

DRF asks the cache before every view; with Redis down that call raised and the API answered 500 for
reads and writes alike. A throttle is a protection, not a precondition of the answer: while the cache is
unreachable the request goes through unthrottled (as the public pages are then served uncached, see
smartcity.page_cache), and a warning is logged at most once per OUTAGE_LOG_SECONDS per process.

An anonymous caller is counted by the client address the login lockout uses (smartcity.client_address:
X-Forwarded-For only behind TRUSTED_PROXIES). DRF's own key takes any X-Forwarded-For as it comes, so a
caller who wrote a new one into each request was never throttled.
"""

import logging
import threading
import time

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from smartcity.client_address import client_ip
from smartcity.page_cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

# One warning per process and this many seconds while the outage lasts (not one per request).
OUTAGE_LOG_SECONDS = 60.0
_last_warning = {"at": None}
_lock = threading.Lock()


def _warn_outage(throttle) -> None:
    now = time.monotonic()
    with _lock:
        last = _last_warning["at"]
        if last is not None and now - last < OUTAGE_LOG_SECONDS:
            return
        _last_warning["at"] = now
    logger.warning("cache unreachable: API throttling skipped (%s)", throttle.scope, exc_info=True)


class FailOpenMixin:
    def get_ident(self, request) -> str:
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS:
            _warn_outage(self)
            return True


class AnonThrottle(FailOpenMixin, AnonRateThrottle):
    """`anon` rate (API_THROTTLE_ANON) per client address, failing open."""


class UserThrottle(FailOpenMixin, UserRateThrottle):
    """`user` rate (API_THROTTLE_USER) per user, failing open."""
