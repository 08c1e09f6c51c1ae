"""Open data of published editions: the download page and the files."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from public import opendata
from scoring import selectors
from scoring.models import ScoreRun
from smartcity.page_cache import public_page


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
                        {"dataset": dataset, "fmt": fmt, "filename": opendata.filename(edition.year, dataset, fmt)}
                        for dataset in opendata.DATASETS
                        for fmt in opendata.FORMATS
                    ],
                }
                for edition, run in published
            ],
            "licence": settings.OPEN_DATA_LICENSE,
            "licence_url": settings.OPEN_DATA_LICENSE_URL,
        },
    )


@public_page
def open_data_file(request, year: int, dataset: str, fmt: str):
    """A results or answers file of a published edition as CSV or JSON (9 queries or fewer, any number of
    cities); 404 for an unpublished edition, an unknown dataset or format."""
    if dataset not in opendata.DATASETS or fmt not in opendata.FORMATS:
        raise Http404
    edition, run, _editions = selectors.published(year)
    if edition is None:
        raise Http404
    built = opendata.build_file(edition, run, dataset, fmt)
    response = HttpResponse(built.content.encode("utf-8"), content_type=built.content_type)
    disposition = "attachment" if fmt == "csv" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{built.filename}"'
    return response
