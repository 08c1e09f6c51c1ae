"""The methodology page of a published edition: how it was computed and how robust its ranks are."""

from django.http import Http404
from django.shortcuts import render

from public import methodology, opendata
from scoring import selectors
from smartcity.page_cache import public_page


@public_page
def methodology_view(request, year: int | None = None):
    """How a published edition was computed (the newest by default), where its values came from and how
    robust its ranks are; 9 queries whatever the number of cities.

    Without any published edition the latest page says so; an unpublished or unknown year is 404.
    """
    edition, run, editions = selectors.published(year)
    if edition is None:
        if year is not None or editions:
            raise Http404
        return render(request, "public/methodology.html", {"edition": None, "editions": editions})
    description = methodology.describe(edition, run, opendata.load_catalogue(edition))
    uncertainty = methodology.describe_uncertainty(selectors.uncertainty_analysis(run))
    provenance_summary = methodology.provenance_summary(edition, run)
    return render(
        request,
        "public/methodology.html",
        {
            "edition": edition,
            "run": run,
            "editions": editions,
            "methodology": description,
            "uncertainty": uncertainty,
            "check_share": methodology.describe_check_share(edition),
            "provenance_summary": provenance_summary,
        },
    )
