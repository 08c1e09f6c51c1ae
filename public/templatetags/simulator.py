"""Template helpers of the what-if simulator: changes as shown."""

import math

from django import template
from django.template.defaultfilters import floatformat

from public.templatetags.public import MINUS_SIGN

register = template.Library()


def _signed(value, places: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    shown = floatformat(abs(value), places)
    if shown == floatformat(0, places):
        return f"±{shown}"
    return f"+{shown}" if value > 0 else f"{MINUS_SIGN}{shown}"


@register.filter
def signed(value) -> str:
    """A change of a score with its sign and one decimal in the active language's format: "+2,9", "−1,3"
    (U+2212 minus), "±0,0" (also for a change that rounds to zero); "–" when there is no value."""
    return _signed(value, 1)


@register.filter
def signed_points(value) -> str:
    """A change of parameter points (0..1) with two decimals: "+0,75", "−0,25", "±0,00"."""
    return _signed(value, 2)
