"""Public ranking page (the full public site is built on top of it)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from scoring import selectors


def ranking_view(request, year: int | None = None):
    """The ranking of a published edition (the newest by default); unpublished years are 404."""
    editions = list(selectors.public_editions())
    if year is None:
        edition = editions[0] if editions else None
    else:
        edition = get_object_or_404(selectors.public_editions(), year=year)
    run = selectors.published_run(edition) if edition else None
    if edition is not None and run is None:
        raise Http404
    domains, rows = selectors.ranking(run) if run else ([], [])
    return render(
        request,
        "scoring/ranking.html",
        {"edition": edition, "editions": editions, "domains": domains, "rows": rows, "run": run},
    )
