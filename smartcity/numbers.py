"""Numbers in the active language's format, its separators looked up once per page (the public city profile, the
review queue)."""

import math
from decimal import ROUND_HALF_UP, Context, Decimal, getcontext

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language

# The decimals a score is published with (the pages' `score` filter, the ranking, the German Excel files): the
# one rounding rule of what the public reads.
SCORE_PLACES = 1


class LanguageNumbers:
    """formats.number_format for the language active when it is made, its separators looked up once:
    number_format asks for the active language on every call (a thread-local read, most of its cost), and a
    city profile formats some 500 numbers, the review queue's page some 200. Same output."""

    def __init__(self):
        language = get_language()
        self.decimal_separator = get_format("DECIMAL_SEPARATOR", language)
        self.grouping = get_format("NUMBER_GROUPING", language)
        self.thousand_separator = get_format("THOUSAND_SEPARATOR", language)
        # fixed() and decimal() of the values seen on this page: a profile formats the same few points (0,00,
        # 1,00, 0,50 …) hundreds of times.
        self.formatted: dict[tuple, str] = {}

    def __call__(self, value, decimal_pos: int | None = None, force_grouping: bool = False) -> str:
        return numberformat.format(
            value,
            self.decimal_separator,
            decimal_pos,
            self.grouping,
            self.thousand_separator,
            force_grouping=force_grouping,
            use_l10n=True,
        )

    def fixed(self, value, places: int) -> str:
        """Django's floatformat(value, places) for a finite number and places >= 1 (rounded half up from the
        number's shortest decimal form, exactly `places` decimals), without its lookups per call.
        tests/public/test_explain_numbers.py holds it to floatformat. Remembered per value: equal numbers
        give the same text (-0.0 included: a zero is shown unsigned)."""
        key = ("fixed", value, places)
        text = self.formatted.get(key)
        if text is None:
            text = self.formatted[key] = self._fixed(value, places)
        return text

    def decimal(self, value, places: int) -> str:
        """The number rounded to `places` (Python's round of the float) with exactly `places` decimals
        ("0,62" / "0.62"), remembered per value; a negative number rounded to zero keeps its sign ("-0,00"),
        as number_format gives it."""
        rounded = round(float(value), places)
        key = ("decimal", rounded, places, math.copysign(1.0, rounded))
        text = self.formatted.get(key)
        if text is None:
            text = self.formatted[key] = self(rounded, decimal_pos=places)
        return text

    def _fixed(self, value, places: int) -> str:
        exact = Decimal(str(value))
        _sign, digits, exponent = exact.as_tuple()
        precision = max(getcontext().prec, places + len(digits) + abs(exponent) + 1)
        rounded = exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, Context(prec=precision))
        return self(rounded if rounded else abs(rounded), decimal_pos=places)  # never "-0,00"

    def short(self, value) -> str:
        """floatformat(value, -1): a whole number without decimals ("100"), else one decimal ("71,4")."""
        exact = Decimal(str(value))
        return self(int(exact), decimal_pos=0) if exact == int(exact) else self.fixed(value, 1)

    def score(self, value) -> str:
        """The `score` filter (public.templatetags.public): one decimal, "–" when missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return self.fixed(value, SCORE_PLACES)
