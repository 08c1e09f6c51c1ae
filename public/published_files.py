"""The open data files of published editions kept in storage: written once per published state of a run (when
it is published, again when its robustness analysis arrives), each with its ETag and gzipped copy, and served
from there without recomputing; a missing file (a new analysis, a restored database, a lost task) is rebuilt
once, on demand or by the periodic reconcile.

A file's storage name holds what its bytes depend on besides the frozen run: the run, its time of publishing
and its analysis (`<year>/run-<id>-<published at>-a<analysis id or 0>/<file name>`), so a new publication or a
new analysis is a new name and an old file is never served for it. Beside each file: `<name>.gz` (when
gzipping shrinks it; the very bytes the page cache served before, smartcity.page_cache.gzip_body) and
`<name>.meta.json` (ETag, the byte sizes, whether the .gz exists), written last: a file whose meta can be read is
complete. Each dataset is stored in every kind of public.opendata.KINDS: CSV, JSON and the German Excel variant
of the CSV file, all written at publish. The meta also says whether the edition is demo data, so the view marks
the response (X-Demo-Data) without a query. FILE_FORMAT is part of the folder: a change of the files' content
(columns, variants) gets new names, so files written before it are rebuilt rather than served. The storage is
private (settings.STORAGES["published"]); only the open data view reads it.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import HttpResponse
from django.utils.cache import set_response_etag

from indicators.models import Edition
from public import opendata
from scoring.models import ScoreRun, UncertaintyAnalysis
from smartcity.page_cache import CACHE_ERRORS, gzip_body, page_cache_generation

logger = logging.getLogger(__name__)

# The version of the files' content in the storage names (2: the `is_demo` column, the Excel variant, issue 18).
FILE_FORMAT = 2

# How long one process may hold the right to write a missing file before another may try (seconds).
WRITE_CLAIM_SECONDS = 300


def storage():
    return storages["published"]


@dataclass(frozen=True)
class StoredFile:
    """A published file in storage: its name, ETag, size, and its gzipped copy's size (None without one)."""

    name: str
    etag: str
    size: int
    gzip_size: int | None
    content_type: str
    filename: str
    is_demo: bool = False

    @property
    def gzip_name(self) -> str:
        return f"{self.name}.gz"


def folder(edition: Edition, run: ScoreRun, analysis_id: int | None) -> str:
    """Where a run's files live as published now (see the module's docstring)."""
    return folder_of(edition.year, run.pk, run.published_at, analysis_id)


def folder_of(year: int, run_id: int, published_at, analysis_id: int | None) -> str:
    published = published_at.strftime("%Y%m%dT%H%M%S%f") if published_at else "0"
    return f"{year}/run-{run_id}-{published}-a{analysis_id or 0}-v{FILE_FORMAT}"


def storage_name(edition: Edition, run: ScoreRun, analysis_id: int | None, dataset: str, fmt: str) -> str:
    return f"{folder(edition, run, analysis_id)}/{opendata.filename(edition.year, dataset, fmt)}"


def analysis_id(run: ScoreRun) -> int | None:
    """The run's robustness analysis, if computed (1 query)."""
    return UncertaintyAnalysis.objects.filter(run=run).values_list("pk", flat=True).first()


def _meta_name(name: str) -> str:
    return f"{name}.meta.json"


def read_stored(name: str, dataset: str, fmt: str, year: int) -> StoredFile | None:
    """The stored file's description, or None when it is missing (or its meta unreadable: rebuilt then)."""
    try:
        with storage().open(_meta_name(name), "rb") as meta_file:
            meta = json.loads(meta_file.read())
    except (OSError, ValueError):
        return None
    return _described(name, meta, dataset, fmt, year)


# The descriptions the open data view read from storage, by storage name. A name's bytes never change (a new
# publication or analysis is a new name), so they are kept as long as the process lives (a handful of names);
# dropped by `discard` when the bytes went missing. Only the view trusts them; writers read the storage.
_read_by_name: dict[str, StoredFile] = {}


def discard(name: str) -> None:
    """Forget a stored file found incomplete (its bytes gone, its meta left): its meta deleted, so the next
    request builds and stores it again."""
    _read_by_name.pop(name, None)
    try:
        storage().delete(_meta_name(name))
    except OSError:
        logger.warning("could not delete the meta of the incomplete published file %s", name, exc_info=True)


def _described(name: str, meta: dict, dataset: str, fmt: str, year: int) -> StoredFile:
    return StoredFile(
        name=name,
        etag=meta["etag"],
        size=meta["size"],
        gzip_size=meta["gzip_size"],
        content_type=opendata.CONTENT_TYPES[fmt],
        filename=opendata.filename(year, dataset, fmt),
        is_demo=bool(meta.get("is_demo", False)),
    )


def write(name: str, content: bytes, dataset: str, fmt: str, year: int, *, is_demo: bool = False) -> StoredFile:
    """Store a file with its gzipped copy and meta (meta last); returns its description."""
    response = HttpResponse(content)
    set_response_etag(response)  # the ETag the page cache and ConditionalGetMiddleware gave these bytes
    gzipped = gzip_body(content)
    files = storage()
    files.save(name, ContentFile(content))
    if gzipped is not None:
        files.save(f"{name}.gz", ContentFile(gzipped))
    meta = {
        "etag": response["ETag"],
        "size": len(content),
        "gzip_size": len(gzipped) if gzipped else None,
        "is_demo": is_demo,
    }
    files.save(_meta_name(name), ContentFile(json.dumps(meta).encode()))
    return _described(name, meta, dataset, fmt, year)


def built_bytes(edition: Edition, run: ScoreRun, dataset: str, fmt: str) -> bytes:
    """The file's bytes as public.opendata builds them (the only builder)."""
    return opendata.build_file(edition, run, dataset, fmt).content.encode("utf-8")


def published_file(
    edition: Edition, run: ScoreRun, dataset: str, fmt: str, *, analysis: int | None = None, known: bool = False
) -> tuple[StoredFile | None, bytes | None]:
    """(the stored file, None), building and storing it first when it is missing; (None, its bytes) when another
    process is writing it right now (served from memory rather than read half-written) or storing failed. 1 query
    when stored (the analysis; none when `known`, i.e. `analysis` is given), plus build_file's when not."""
    name = storage_name(edition, run, analysis if known else analysis_id(run), dataset, fmt)
    stored = read_stored(name, dataset, fmt, edition.year)
    if stored is not None:
        return stored, None
    content = built_bytes(edition, run, dataset, fmt)
    claim = f"published-file-write:{name}"
    if not cache.add(claim, 1, WRITE_CLAIM_SECONDS):
        return None, content
    try:
        return write(name, content, dataset, fmt, edition.year, is_demo=edition.is_demo), None
    except OSError:
        logger.exception("could not store the published file %s; served from memory", name)
        return None, content
    finally:
        cache.delete(claim)


class _Remembered:
    """The descriptions of the files this process served since the public pages were last cleared: (year,
    dataset, format) -> (the generation it was found in, StoredFile). Process-local, like the page cache's own
    copies: a hit costs no round trip, and a clear (a new generation: a publish, an analysis, an archive
    import, a withdrawal) reaches this process as it reaches its pages (at once here, within
    GENERATION_TRUST_SECONDS elsewhere). Bounded: only addresses of published files enter it."""

    def __init__(self):
        self.entries: dict[tuple[int, str, str], tuple[str, StoredFile]] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple[int, str, str], generation: str) -> StoredFile | None:
        entry = self.entries.get(key)
        return entry[1] if entry is not None and entry[0] == generation else None

    def put(self, key: tuple[int, str, str], generation: str, stored: StoredFile) -> None:
        with self.lock:
            # A new generation makes every older entry useless: drop them rather than let them pile up.
            stale = [other for other, (seen, _stored) in self.entries.items() if seen != generation]
            for other in stale:
                del self.entries[other]
            self.entries[key] = (generation, stored)

    def pop(self, key: tuple[int, str, str]) -> None:
        with self.lock:
            self.entries.pop(key, None)


_remembered = _Remembered()


def _generation() -> str | None:
    try:
        return page_cache_generation()
    except CACHE_ERRORS:
        return None


def remembered(year: int, dataset: str, fmt: str) -> StoredFile | None:
    """The description of the file the open data view served last for this address in this process, as long
    as the public pages have not been cleared since (a publish, an analysis, an archive import, a withdrawal:
    the generation changes, so an unpublished edition is never served from here); None otherwise, or when the
    cache holding the generation cannot be read. No query, no round trip while the generation is trusted."""
    generation = _generation()
    return _remembered.get((year, dataset, fmt), generation) if generation else None


def remember(year: int, dataset: str, fmt: str, stored: StoredFile | None) -> None:
    generation = _generation()
    if stored is not None and generation:
        _remembered.put((year, dataset, fmt), generation, stored)


def forget(year: int, dataset: str, fmt: str) -> None:
    _remembered.pop((year, dataset, fmt))


def stored_file(year: int, dataset: str, fmt: str) -> tuple[StoredFile | None, bytes | None] | None:
    """The file of the published run of the public edition of `year` as published_file gives it; None when
    there is none (an unknown year, an edition not public or without a published run: the view's 404).
    1 query (the run's id, time of publishing and analysis) while the file is stored, read from its storage
    name alone; the run and edition are loaded (1 more) only to build a missing file."""
    found = (
        ScoreRun.objects.filter(is_published=True, edition__year=year, edition__phase__in=Edition.PUBLIC_PHASES)
        .order_by("pk")
        .values_list("pk", "published_at", "uncertainty__id")
        .first()
    )
    if found is None:
        return None
    run_id, published_at, analysis = found
    name = f"{folder_of(year, run_id, published_at, analysis)}/{opendata.filename(year, dataset, fmt)}"
    stored = _read_by_name.get(name) or read_stored(name, dataset, fmt, year)
    if stored is None:
        run = ScoreRun.objects.select_related("edition").get(pk=run_id)
        stored, content = published_file(run.edition, run, dataset, fmt, analysis=analysis, known=True)
        if stored is None:
            return None, content
    _read_by_name[name] = stored
    return stored, None


def published_files_write() -> list[str]:
    """Store every missing file of every published run of a public edition (idempotent: what is stored stays);
    returns the names written. Run after a publish, an analysis of a published run, an archive import, and by
    the periodic reconcile."""
    written = []
    runs = ScoreRun.objects.filter(is_published=True, edition__phase__in=Edition.PUBLIC_PHASES).select_related(
        "edition"
    )
    for run in runs:
        analysis = analysis_id(run)
        for dataset in opendata.DATASETS:
            for fmt in opendata.KINDS:
                name = storage_name(run.edition, run, analysis, dataset, fmt)
                if read_stored(name, dataset, fmt, run.edition.year) is None:
                    stored, _content = published_file(run.edition, run, dataset, fmt, analysis=analysis, known=True)
                    if stored is not None:
                        written.append(stored.name)
    return written
