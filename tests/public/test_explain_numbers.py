"""LanguageNumbers (smartcity.numbers, imported through public.explain): the city profile's and the review
queue's numbers with the language's separators looked up once, held to Django's own formatting (number_format,
floatformat) and the score filter, in German and English."""

import math
import random
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation
from django.utils.formats import number_format

from indicators.admin.review import format_change
from indicators.models import Parameter
from public.explain import LanguageNumbers
from public.templatetags.public import score

# Ties that rounding half up and binary rounding disagree on, whole numbers, tiny and large values, and a spread.
VALUES = [0.0, 0.005, 0.125, 0.625, 1.005, 2.675, 0.994999, 0.995, 1.0, 71.45, 71.96, 99.95, 100.0, 1e-7, 1234.5]
VALUES += [random.Random(seed).uniform(0, 100) for seed in range(200)]
VALUES += [random.Random(seed).uniform(0, 1) for seed in range(200)]


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_numbers_are_those_django_gives_in_the_language(language):
    with translation.override(language):
        numbers = LanguageNumbers()
        for value in VALUES:
            assert numbers(value) == number_format(value)
            assert numbers(round(value, 2), decimal_pos=2) == number_format(round(value, 2), decimal_pos=2)
            assert numbers.fixed(value, 1) == floatformat(value, 1), value
            assert numbers.fixed(value, 2) == floatformat(value, 2), value
            assert numbers.short(value) == floatformat(value, -1), value
            assert numbers.score(value) == score(value)
        assert numbers.score(None) == score(None) == "–"
        assert numbers.score(math.nan) == score(math.nan) == "–"


def test_the_separators_are_the_language_active_when_made():
    with translation.override("de"):
        german = LanguageNumbers()
    with translation.override("en"):
        english = LanguageNumbers()

    assert (german.fixed(1234.5, 2), english.fixed(1234.5, 2)) == ("1234,50", "1234.50")
    assert (german.short(71.96), english.short(71.96)) == ("72,0", "72.0")  # as floatformat(-1) rounds


@pytest.mark.parametrize("language", ["de", "en"])
def test_grouped_numbers_and_changes_are_those_django_gives_in_the_language(language):
    # The review queue's values ("1.497,8 kWp", Parameter.format_value) and changes ("+12,5 %", format_change)
    # with the page's LanguageNumbers, against number_format looked up per number.
    parameter = Parameter(kind=Parameter.Kind.NUMBER, unit="kWp")
    with translation.override(language):
        numbers = LanguageNumbers()
        for value in [*VALUES, 1234567.891, -98765.4321, 1e9]:
            decimal = Decimal(str(value))
            assert numbers(decimal, force_grouping=True) == number_format(decimal, force_grouping=True), value
            assert parameter.format_value(decimal, numbers) == parameter.format_value(decimal), value
            assert format_change(decimal - 50, numbers) == format_change(decimal - 50), value
        assert (
            parameter.format_value(Decimal("1497.8"), numbers) == {"de": "1.497,8 kWp", "en": "1,497.8 kWp"}[language]
        )
