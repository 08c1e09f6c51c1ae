"""Open data of published editions: the download page and the files."""

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from public import opendata, published_files
from scoring import selectors
from scoring.models import ScoreRun
from smartcity import spreadsheet
from smartcity.page_cache import accepts_gzip, public_page

FILE_BLOCK_SIZE = 256 * 1024


@public_page
def open_data_view(request):
    """Every published edition with its files, the licence and how to recompute the ranking (2 queries)."""
    editions = list(selectors.public_editions())
    runs = {run.edition_id: run for run in ScoreRun.objects.filter(edition__in=editions, is_published=True)}
    published = [(edition, runs[edition.pk]) for edition in editions if edition.pk in runs]
    return render(
        request,
        "public/open_data.html",
        {
            "published": [
                {
                    "edition": edition,
                    "run": run,
                    "files": [
                        {
                            "dataset": dataset,
                            "fmt": fmt,
                            "filename": opendata.filename(edition.year, dataset, fmt),
                            "excel_filename": opendata.filename(edition.year, dataset, opendata.EXCEL_DE)
                            if fmt == "csv"
                            else None,
                        }
                        for dataset in opendata.DATASETS
                        for fmt in opendata.FORMATS
                    ],
                }
                for edition, run in published
            ],
            "licence": settings.OPEN_DATA_LICENSE,
            "licence_url": settings.OPEN_DATA_LICENSE_URL,
            "excel_variant": f"{spreadsheet.VARIANT_PARAMETER}={spreadsheet.EXCEL_DE}",
        },
    )


def open_data_file(request, year: int, dataset: str, fmt: str):
    """A results or answers file of a published edition as CSV or JSON, streamed from storage as written at
    publish (public.published_files) with its ETag (304 for a matching If-None-Match, by
    ConditionalGetMiddleware), its gzipped copy for clients that accept it, and its length; no query while its
    description is remembered in this process (until the public pages are next cleared), else 1 (the published
    run's id, time of publishing and analysis: its storage name); a file missing from storage is built and
    stored once (+ 1 for the run and edition, + build_file's). 404 for an unpublished edition, an unknown dataset
    or format. Not in the page cache: the stored file already is what a cached page was, at no gzip per miss.

    `?variant=excel-de` gives a CSV file's German Excel variant (stored beside it, served the same way); any other
    variant, or one of a JSON file, is a 400. A demo edition's file has the header `X-Demo-Data: true`."""
    if dataset not in opendata.DATASETS or fmt not in opendata.FORMATS:
        raise Http404
    excel_de = spreadsheet.excel_de_requested(request.GET)
    kind = opendata.kind_of(fmt, excel_de) if excel_de is not None else None
    if kind is None:
        return HttpResponseBadRequest(
            _("Unbekannte Variante: nur „%(variant)s“ für eine CSV-Datei.") % {"variant": spreadsheet.EXCEL_DE},
            content_type="text/plain; charset=utf-8",
        )
    fmt = kind
    for attempt in range(2):  # a second time only for a file whose bytes went missing behind its meta
        stored, content = published_files.remembered(year, dataset, fmt), None
        if stored is None:
            found = published_files.stored_file(year, dataset, fmt)
            if found is None:
                raise Http404
            stored, content = found
            published_files.remember(year, dataset, fmt, stored)
        if stored is None:  # being written by another process right now: this once from memory
            response = HttpResponse(content, content_type=opendata.CONTENT_TYPES[fmt])
            filename = opendata.filename(year, dataset, fmt)
            break
        gzipped = stored.gzip_size is not None and accepts_gzip(request)
        try:
            body = published_files.storage().open(stored.gzip_name if gzipped else stored.name, "rb")
        except FileNotFoundError:  # deleted since its meta was read: built and stored again (once)
            if attempt:
                raise
            published_files.forget(year, dataset, fmt)
            published_files.discard(stored.name)
            continue
        response = FileResponse(body, content_type=stored.content_type)
        # Read in larger pieces where the server does not send the file itself (gunicorn uses sendfile): a
        # 3 MB file in 4 KB blocks is 750 reads and chunks.
        response.block_size = FILE_BLOCK_SIZE
        response["Content-Length"] = str(stored.gzip_size if gzipped else stored.size)
        response["ETag"] = f"W/{stored.etag}" if gzipped else stored.etag
        if stored.gzip_size is not None:
            patch_vary_headers(response, ("Accept-Encoding",))
        if gzipped:
            response["Content-Encoding"] = "gzip"
        filename = stored.filename
        if stored.is_demo:
            response[opendata.DEMO_HEADER] = "true"
        break
    disposition = "inline" if fmt == "json" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
