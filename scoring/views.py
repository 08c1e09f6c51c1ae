"""Public ranking page (the full public site is built on top of it)."""

from django.http import Http404
from django.shortcuts import render

from scoring import selectors


def ranking_view(request, year: int | None = None):
    """The ranking of a published edition (the newest by default); unpublished years are 404."""
    editions = list(selectors.public_editions())
    if year is None:
        edition = editions[0] if editions else None
    else:
        edition = next((e for e in editions if e.year == year), None)
        if edition is None:
            raise Http404
    run = selectors.published_run(edition) if edition else None
    if edition is not None and run is None:
        raise Http404
    domains, rows = selectors.ranking(run) if run else ([], [])
    return render(
        request,
        "scoring/ranking.html",
        {"edition": edition, "editions": editions, "domains": domains, "rows": rows, "run": run},
    )
