"""Template helpers of the public site: scores and trends as shown, language links, charts."""

import math

from django import template
from django.template.defaultfilters import floatformat
from django.urls import translate_url
from django.utils.translation import gettext as _

from scoring.engine import NEW_CITY, format_trend

register = template.Library()


@register.filter
def score(value) -> str:
    """A score with one decimal in the active language's format ("88,3" / "88.3"); "–" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return floatformat(value, 1)


@register.filter
def trend(rank_change) -> str:
    """ "+3", "−6", "0", or "neu"/"new" for a city new to the index (CityScore.trend)."""
    shown = format_trend(rank_change)
    return _("neu") if shown == NEW_CITY else shown


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
