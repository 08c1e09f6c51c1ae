"""Template helpers of the public site: how trends are shown, in German and English."""

import pytest
from django.utils import translation

from public.templatetags.public import trend

NAN = float("nan")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(3, "+3", id="climbed"),
        pytest.param(-6, "\u22126", id="fell"),
        pytest.param(0, "0", id="held"),
        pytest.param(2.6, "+3", id="rounded"),
        pytest.param(NAN, "neu", id="new as NaN"),
        pytest.param(None, "neu", id="new as None"),
    ],
)
def test_a_trend_is_shown_signed_with_a_true_minus_and_new_cities_as_neu(value, text):
    with translation.override("de"):
        assert trend(value) == text


def test_a_new_city_is_new_in_english():
    with translation.override("en"):
        assert (trend(None), trend(-2)) == ("new", "\u22122")
