"""Whole-page caching of the public site for anonymous readers, dropped at once when an edition is published.

Every cached page is keyed by a *generation* token kept in the cache itself; `public_cache_clear()`
replaces the token, so every process (all sharing Redis in production) stops using the old pages
at the same moment, and the old entries expire on their own. Signed-in users always get a fresh
page (their header differs). A cache outage never fails a page: it is then served uncached.
"""

import hashlib
import logging
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

GENERATION_KEY = "public:generation"
CACHE_ERRORS = (RedisError, OSError)


def public_cache_clear() -> None:
    """Forget every cached public page (called after an edition is published)."""
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except CACHE_ERRORS:
        logger.warning("could not clear the public page cache", exc_info=True)


def _generation() -> str:
    return cache.get_or_set(GENERATION_KEY, lambda: uuid.uuid4().hex, timeout=None)


def _key(request) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"public:page:{_generation()}:{get_language()}:{request.method == 'HEAD'}:{path}"


def public_page(view):
    """Cache the view's successful responses to anonymous GET/HEAD requests for PUBLIC_CACHE_SECONDS."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            key = _key(request)
            cached = cache.get(key)
        except CACHE_ERRORS:
            logger.warning("public page cache unavailable; serving uncached", exc_info=True)
            return view(request, *args, **kwargs)
        if cached is not None:
            cached["X-Cache"] = "hit"
            return cached
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            try:
                cache.set(key, response, settings.PUBLIC_CACHE_SECONDS)
            except CACHE_ERRORS:
                logger.warning("could not store a public page in the cache", exc_info=True)
        response["X-Cache"] = "miss"
        return response

    return wrapper
