"""Whole-page caching of the public site for anonymous readers, dropped at once when an edition is published.

Every cached page is stored with the *generation* token kept in the cache itself; `page_cache_clear()`
replaces the token, so every process (all sharing Redis in production) stops using the old pages (this
process at once, the others within a second, see below); an old page is overwritten by its next rendering
or expires on its own. A clear may carry a marker (what it was for) inside the new token, so a periodic check
can tell a clear that was lost (`page_cache_marker`; scoring.services.public_pages). Signed-in
users always get a fresh page (their header differs). A cache outage never fails a page: it is then
served uncached.

A hit costs no round trip: each process keeps its last LOCAL_PAGES pages in memory and, with a cache shared
between processes (Redis), trusts the generation it last read for GENERATION_TRUST_SECONDS; so another
process serves the old pages for at most that long after a publish (this process: not at all). Pages are
40-160 KB and a Redis command costs ~0.4 ms here, about as much as the rest of a hit. What a hit needs is
computed once, when the page is stored: its ETag, and a gzipped body for clients that accept it (every
browser; a 160 KB city profile becomes ~20 KB), like WhiteNoise's precompressed static files.

The cache is bounded: a view names the query parameters it reads (`query`, `query_lists`), and only
those enter the key; every other parameter (utm_*, junk) is dropped before the view runs, so it can
neither create a new entry nor be echoed into a shared page (the language links show the full path).
Parameters whose values are unbounded (free-text search, the simulator's hypothetical answers) are
named in `uncached`: a page with such a value is computed for its reader and never stored.
"""

import gzip
import hashlib
import logging
import pickle
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import QueryDict
from django.utils.cache import patch_vary_headers, set_response_etag
from django.utils.translation import get_language
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

GENERATION_KEY = "public:generation"
# Between a clear's marker and the random part of the generation token (neither contains it).
MARKER_SEPARATOR = "."
CACHE_ERRORS = (RedisError, OSError)
# Pages each process keeps in memory in front of the shared cache (pickled; the largest are ~160 KB).
LOCAL_PAGES = 32
# How long a process trusts the generation it read from a shared cache (a publish reaches it this late).
GENERATION_TRUST_SECONDS = 1.0
# Smaller pages are not worth compressing (as in Django's GZipMiddleware).
GZIP_MIN_BYTES = 200
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class _LocalPages:
    """The process's recently served pages: key -> (generation, expiry as time.time(), pickled response,
    gzipped body or None)."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, tuple[str, float, bytes, bytes | None]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, generation: str):
        """(a fresh response object: middleware changes headers, the gzipped body), or None."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != generation or entry[1] <= time.time():
                return None
            self.entries.move_to_end(key)
        return pickle.loads(entry[2]), entry[3]

    def put(self, key: str, generation: str, expires: float, page: bytes, gzipped: bytes | None) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.entries[key] = (generation, expires, page, gzipped)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_local = _LocalPages(LOCAL_PAGES)


def _shared_cache() -> bool:
    """Whether the cache is shared between processes (a process-local one is always asked: it is cheap)."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


class _TrustedGeneration:
    """The generation this process read last, and until when (time.monotonic()) it trusts it."""

    def __init__(self):
        self.value: str | None = None
        self.until = 0.0

    def get(self) -> str | None:
        value, until = self.value, self.until
        if value is not None and time.monotonic() < until and _shared_cache():
            return value
        value = cache.get(GENERATION_KEY)
        self.remember(value)
        return value

    def remember(self, value: str | None) -> None:
        self.value, self.until = value, time.monotonic() + GENERATION_TRUST_SECONDS


_generation = _TrustedGeneration()


def page_cache_clear(marker: str = "") -> None:
    """Forget every cached public page (called after an edition is published).

    `marker` (no ".") names what the pages are cleared for (scoring passes a fingerprint of the published
    data); it is kept in the new generation token, so `page_cache_marker()` can tell a periodic check
    whether a clear was lost (a process killed after its commit, the cache down at the time).
    """
    _local.clear()
    generation = f"{marker}{MARKER_SEPARATOR}{uuid.uuid4().hex}" if marker else uuid.uuid4().hex
    _generation.remember(generation)
    try:
        cache.set(GENERATION_KEY, generation, timeout=None)
    except CACHE_ERRORS:
        _generation.remember(None)
        logger.warning("could not clear the public page cache", exc_info=True)


def page_cache_generation() -> str | None:
    """The public pages' current generation as this process trusts it (see the module's docstring), for
    another entry that must be dropped with the pages (the published files' descriptions); None when there
    is none yet. Raises CACHE_ERRORS."""
    return _generation.get()


def page_cache_marker() -> str | None:
    """The marker of the shared cache's current generation ("" when it was cleared without one or has no
    generation yet), read from the cache itself (not this process's trusted copy); None when the cache
    cannot be read (logged)."""
    try:
        generation = cache.get(GENERATION_KEY)
    except CACHE_ERRORS:
        logger.warning("could not read the public page cache's generation", exc_info=True)
        return None
    return generation.rpartition(MARKER_SEPARATOR)[0] if generation else ""


def page_cache_forget_local() -> None:
    """Drop this process's own copies (its pages and the generation it trusts), not the shared cache's:
    for a process whose shared cache was emptied behind its back (`cache.clear()`, as between tests)."""
    _local.clear()
    _generation.remember(None)


def _new_generation() -> str:
    """The current generation token, created when there is none yet (first use, or evicted)."""
    generation = cache.get_or_set(GENERATION_KEY, lambda: uuid.uuid4().hex, timeout=None)
    _generation.remember(generation)
    return generation


def _cached_page(key: str):
    """(the current generation or None, the page stored for it or None, its gzipped body or None);
    raises CACHE_ERRORS."""
    generation = _generation.get()
    if generation is None:
        return None, None, None
    found = _local.get(key, generation)
    if found is None:
        stored = cache.get(key)  # (generation, expiry, pickled response, gzipped body or None)
        if stored is None or stored[0] != generation:
            return generation, None, None
        _local.put(key, *stored)
        found = pickle.loads(stored[2]), stored[3]
    return generation, *found


def gzip_body(content: bytes) -> bytes | None:
    """The body gzipped as every stored page is (level 6, no timestamp, so the same bytes every time); None
    when it is too small to be worth it or would not shrink."""
    if len(content) < GZIP_MIN_BYTES:
        return None
    gzipped = gzip.compress(content, compresslevel=6, mtime=0)
    return gzipped if len(gzipped) < len(content) else None


def accepts_gzip(request) -> bool:
    return bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def _store_page(key: str, generation: str, response) -> bytes | None:
    """Store the page with what a hit needs (ETag, gzipped body); returns the gzipped body (None: not worth it)."""
    # ConditionalGetMiddleware would hash the whole page on every hit; once is enough.
    set_response_etag(response)
    gzipped = None
    if not response.has_header("Content-Encoding"):
        gzipped = gzip_body(response.content)
        if gzipped is not None:
            patch_vary_headers(response, ("Accept-Encoding",))
    expires = time.time() + settings.PUBLIC_CACHE_SECONDS
    page = pickle.dumps(response, pickle.HIGHEST_PROTOCOL)
    cache.set(key, (generation, expires, page, gzipped), settings.PUBLIC_CACHE_SECONDS)
    _local.put(key, generation, expires, page, gzipped)
    return gzipped


def _encoded(request, response, gzipped: bytes | None):
    """The response with the gzipped body when there is one and the client accepts it (the ETag then weak,
    as Django's GZipMiddleware does: the bytes differ, the content does not)."""
    if gzipped is None or not accepts_gzip(request):
        return response
    response.content = gzipped
    response["Content-Length"] = str(len(gzipped))
    response["Content-Encoding"] = "gzip"
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response["ETag"] = "W/" + etag
    return response


def _canonical_query(request, *, query: frozenset[str], query_lists: frozenset[str]) -> str:
    """The query string as the view reads it: `query` names with their last value (what `QueryDict.get` and
    form fields take), `query_lists` names with their non-blank values in order (present but all blank: one
    empty value, so "given but empty" stays distinct from "absent"), sorted by name; nothing else."""
    canonical = QueryDict(mutable=True)
    for name in sorted(query | query_lists):
        if name not in request.GET:
            continue
        if name in query:
            canonical.setlist(name, [request.GET[name]])
        else:
            values = [value.strip() for value in request.GET.getlist(name) if value.strip()]
            canonical.setlist(name, values or [""])
    return canonical.urlencode()


def _use_query(request, query_string: str) -> None:
    """Let the view see only the canonical query (in place: the rest of the request cycle sees the same)."""
    if request.META.get("QUERY_STRING", "") != query_string:
        request.META["QUERY_STRING"] = query_string
        request.GET = QueryDict(query_string)


def _key(request) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"public:page:{get_language()}:{request.method == 'HEAD'}:{path}"


def public_page(
    view=None,
    *,
    query: Iterable[str] = (),
    query_lists: Iterable[str] = (),
    uncached: Iterable[str] = (),
):
    """Cache the view's successful responses to anonymous GET/HEAD requests for PUBLIC_CACHE_SECONDS.

    `@public_page` for a page that reads no query parameter; otherwise `@public_page(query=..., ...)`:
    `query`: parameters read as one value (the last one counts), each value a separate cache entry;
    `query_lists`: parameters read as a list whose blank entries the view ignores (`?stadt=a&stadt=b`);
    `uncached`: name prefixes of parameters that make a page personal: given with any non-blank value,
    the page is computed but not stored. The view must bound the values of the first two (invalid
    values answer 400, which is never stored). Other parameters are removed before the view runs.

    Long: a decorator with its options and the wrapped view; the steps are the module's helpers.
    """
    query = frozenset(query)
    query_lists = frozenset(query_lists)
    uncached = tuple(uncached)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if uncached and any(
                name.startswith(uncached) and any(value.strip() for value in values)
                for name, values in request.GET.lists()
            ):
                response = view(request, *args, **kwargs)
                response["X-Cache"] = "bypass"
                return response
            _use_query(request, _canonical_query(request, query=query, query_lists=query_lists))
            key = _key(request)
            try:
                generation, response, gzipped = _cached_page(key)
                if response is not None:
                    response["X-Cache"] = "hit"
                    return _encoded(request, response, gzipped)
                if generation is None:
                    generation = _new_generation()
            except CACHE_ERRORS:
                logger.warning("public page cache unavailable; serving uncached", exc_info=True)
                return view(request, *args, **kwargs)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            gzipped = None
            if response.status_code == 200 and not response.streaming and not response.cookies:
                try:
                    # The generation read before rendering: a publish meanwhile makes this page stale at once.
                    gzipped = _store_page(key, generation, response)
                except CACHE_ERRORS:
                    logger.warning("could not store a public page in the cache", exc_info=True)
            response["X-Cache"] = "miss"
            response = _encoded(request, response, gzipped)
            return response

        return wrapper

    if view is not None:  # used bare: @public_page
        return decorate(view)
    return decorate
