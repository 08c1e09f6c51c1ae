"""Public home page and rankings (overall, by domain, by indicator) of published editions."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render

from public import filters
from public.forms import RankingFilterForm
from scoring import selectors
from smartcity.page_cache import public_page

# The filters of RankingFilterForm with a bounded set of values (each is its own cache entry); a free-text
# search is computed for its reader and not stored.
RANKING_QUERY = ("land", "groesse")
SEARCH = ("suche",)


def _query(params: dict[str, str]) -> str:
    """A query string ("?a=1&b=2", "" without any) of the non-empty params; links put the page's path before it."""
    kept = {name: value for name, value in params.items() if value}
    return "?" + urlencode(kept) if kept else ""


def _filtered(request, rows: list, *, sort_keys: list[str] | None = None):
    """The filter form bound to the request, the city filter it gives, and the response status (400 when
    a parameter was invalid: that parameter is then ignored and the form shows why)."""
    form = RankingFilterForm(request.GET, states=filters.states(rows), sort_keys=sort_keys)
    status = 200 if form.is_valid() else 400
    return form, form.city_filter(), status


@public_page
def home(request):
    """What the index is, the top ten and the biggest climbers of the newest published edition."""
    edition, run, _editions = selectors.published()
    summary = filters.home_summary(run) if run is not None else None
    context = {"edition": edition, "summary": summary, "top_count": filters.TOP_COUNT}
    return render(request, "public/home.html", context)


@public_page(query=RANKING_QUERY + ("sortierung",), uncached=SEARCH)
def ranking_view(request, year: int | None = None):
    """The ranking of a published edition (the newest by default), sortable by domain and filterable.

    An unpublished or unknown year is 404; without any published edition the newest ranking says so.
    """
    edition, run, editions = selectors.published(year)
    if run is None:
        if year is not None:
            raise Http404
        return render(request, "public/ranking.html", {"edition": None})
    domains, scores = selectors.ranking(run)
    form, city_filter, status = _filtered(request, scores, sort_keys=[domain.key for domain in domains])
    sort_key = form.sort_key()
    sort_domain = next((domain for domain in domains if domain.key == sort_key), None)
    rows = selectors.ranking_rows(domains, scores, by=sort_domain)
    shown = city_filter.apply(rows)
    filters = city_filter.as_query()
    columns = [
        {"domain": domain, "query": _query({**filters, "sortierung": domain.key}), "sorted": domain == sort_domain}
        for domain in domains
    ]
    context = {
        "edition": edition,
        "run": run,
        "editions": editions,
        "year_query": _query(filters),
        "domains": selectors.catalogue(domains),
        "columns": columns,
        "total_query": _query(filters),
        "sort_domain": sort_domain,
        "form": form,
        "filter_active": city_filter.is_active,
        "reset_query": _query({"sortierung": sort_domain.key if sort_domain else ""}),
        "rows": shown,
        "city_count": len(rows),
        # The interval column only once the run's robustness analysis is computed.
        "show_intervals": any(score.uncertainty is not None for score in scores),
    }
    return render(request, "public/ranking.html", context, status=status)


@public_page(query=RANKING_QUERY, uncached=SEARCH)
def indicator_ranking_view(request, year: int, key: str):
    """All cities of a published edition by one indicator's score; unknown year or key is 404."""
    edition, run, _editions = selectors.published(year)
    if run is None:
        raise Http404
    indicator = selectors.published_indicator(run, key)
    if indicator is None:
        raise Http404
    rows = selectors.indicator_ranking(run, indicator)
    form, city_filter, status = _filtered(request, rows)
    context = {
        "edition": edition,
        "indicator": indicator,
        "form": form,
        "filter_active": city_filter.is_active,
        "reset_query": "",
        "rows": city_filter.apply(rows),
        "city_count": len(rows),
    }
    return render(request, "public/indicator_ranking.html", context, status=status)
