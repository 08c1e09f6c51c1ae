"""Template helpers of the public site: scores and trends as shown, language links, charts."""

import math

from django import template
from django.template.defaultfilters import floatformat
from django.urls import translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from smartcity.numbers import SCORE_PLACES

register = template.Library()

MINUS_SIGN = "\u2212"  # a true minus, as typesetting has it (not the hyphen)


@register.filter
def score(value) -> str:
    """A score with one decimal in the active language's format ("88,3" / "88.3"); "–" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return floatformat(value, SCORE_PLACES)


@register.filter
def trend(rank_change) -> str:
    """Places gained as shown (CityScore.trend, DomainScore.trend): "+3", "−6" (U+2212 minus), "0" (rounded
    to whole places), and "neu"/"new" for a city new to the index (None or NaN)."""
    if rank_change is None or math.isnan(float(rank_change)):
        return _("neu")
    places = round(float(rank_change))
    if places > 0:
        return f"+{places}"
    if places < 0:
        return f"{MINUS_SIGN}{-places}"
    return "0"


@register.filter
def rank_interval(interval) -> str:
    """A selectors.RankInterval as shown: "3–7" (also "1–1": always a range, never mistaken for a rank);
    "–" without one."""
    if interval is None:
        return "–"
    return f"{interval.low}\u2013{interval.high}"


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """The current page in every language: [{"code", "name", "url", "current"}] (links, so pages stay cacheable)."""
    from django.conf import settings

    request = context["request"]
    current = context.get("LANGUAGE_CODE")
    path = request.get_full_path()
    return [
        {"code": code, "name": name, "url": translate_url(path, code), "current": code == current}
        for code, name in settings.LANGUAGES
    ]


@register.simple_tag(takes_context=True)
def previous_page(context) -> str:
    """The page the reader came from (the Referer), for an error page's "back" link: only an address of this
    site and not the failing page itself; "" otherwise (no request, another site, no Referer)."""
    request = context.get("request")
    if request is None:
        return ""
    referer = request.headers.get("referer", "")
    if not referer or referer == request.build_absolute_uri():
        return ""
    own_site = {request.get_host()}
    return referer if url_has_allowed_host_and_scheme(referer, own_site, require_https=request.is_secure()) else ""
