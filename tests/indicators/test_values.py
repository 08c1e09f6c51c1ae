"""indicators.values: the one reading of raw answer values, shared by the form, the import, the API and the
simulator (the entry points' own tests check that each of them uses it)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from indicators.models import Answer, Parameter
from indicators.values import assign_value, parse_number, to_number, to_yes_no


@pytest.mark.parametrize(
    ("text", "unit", "number"),
    [
        ("12", "", Decimal("12")),
        ("12,5", "", Decimal("12.5")),
        ("12.5", "", Decimal("12.5")),
        ("1.234,5", "", Decimal("1234.5")),
        ("1,234.5", "", Decimal("1234.5")),
        ("1.234.567", "", Decimal("1234567")),
        ("1 234", "", Decimal("1234")),
        ("1\u00a0234,5", "", Decimal("1234.5")),
        ("45 %", "%", Decimal("45")),
        ("45%", "", Decimal("45")),
        ("12 Tage", "Tage", Decimal("12")),
        ("1.497,8 kWp", "kWp", Decimal("1497.8")),
        ("-3,5", "", Decimal("-3.5")),
    ],
)
def test_numbers_are_read_with_german_and_english_separators_and_a_trailing_unit(text, unit, number):
    assert parse_number(text, unit=unit) == number
    assert to_number(text, unit=unit) == number


@pytest.mark.parametrize("text", ["viel", "", "12 Äpfel", "1,2,3", "NaN", "Infinity", "-inf"])
def test_what_is_no_finite_number_parses_to_none(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("viel", "„viel“ ist keine Zahl."),
        ("x" * 60, f"„{'x' * 40}“ ist keine Zahl."),
        (True, "Bitte eine Zahl angeben."),
        ("NaN", "Bitte eine endliche Zahl angeben."),
        ("Infinity", "Bitte eine endliche Zahl angeben."),
        (float("inf"), "Bitte eine endliche Zahl angeben."),
    ],
)
def test_to_number_says_what_is_wrong(value, message):
    with pytest.raises(ValidationError) as error:
        to_number(value)

    assert error.value.messages == [message]


@pytest.mark.parametrize(
    ("value", "number"),
    [(7, Decimal(7)), (2.5, Decimal("2.5")), (0.1, Decimal("0.1")), (Decimal("3.25"), Decimal("3.25"))],
)
def test_numbers_given_as_numbers_keep_their_value(value, number):
    assert to_number(value) == number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("ja", True),
        ("Ja ", True),
        ("yes", True),
        ("TRUE", True),
        ("1", True),
        ("j", True),
        ("nein", False),
        ("No", False),
        ("0", False),
        ("falsch", False),
        ("vielleicht", None),
        ("", None),
    ],
)
def test_yes_and_no_in_german_and_english(value, expected):
    assert to_yes_no(value) is expected


@pytest.mark.parametrize(
    ("kind", "raw", "field", "typed"),
    [
        (Parameter.Kind.YES_NO, "ja", "value_bool", True),
        (Parameter.Kind.YES_NO, False, "value_bool", False),
        (Parameter.Kind.CHOICE, " flaechendeckend ", "value_choice", "flaechendeckend"),
        (Parameter.Kind.PERCENTAGE, "45,5 %", "value_number", Decimal("45.5")),
        (Parameter.Kind.COUNT, "1.248.000", "value_number", Decimal("1248000")),
    ],
)
def test_assign_value_sets_the_typed_field_and_clears_the_others(kind, raw, field, typed):
    # given an answer holding a value in every field
    parameter = Parameter(kind=kind, unit="%" if kind == Parameter.Kind.PERCENTAGE else "")
    answer = Answer(value_bool=True, value_choice="alt", value_number=Decimal(1))

    # when
    assign_value(answer, parameter, raw)

    # then
    assert getattr(answer, field) == typed
    cleared = {"value_bool": None, "value_choice": "", "value_number": None}
    assert {name: getattr(answer, name) for name in cleared if name != field} == {
        name: value for name, value in cleared.items() if name != field
    }


@pytest.mark.parametrize("raw", [None, ""])
def test_assign_value_clears_on_nothing(raw):
    answer = Answer(value_number=Decimal(1))

    assign_value(answer, Parameter(kind=Parameter.Kind.PERCENTAGE), raw)

    assert (answer.value_bool, answer.value_choice, answer.value_number) == (None, "", None)


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (Parameter.Kind.YES_NO, "vielleicht", "Bitte „ja“ oder „nein“ angeben."),
        (Parameter.Kind.PERCENTAGE, "viel", "„viel“ ist keine Zahl."),
        (Parameter.Kind.COUNT, True, "Bitte eine Zahl angeben."),
    ],
)
def test_assign_value_refuses_the_wrong_type_with_a_message_for_the_value_field(kind, raw, message):
    with pytest.raises(ValidationError) as error:
        assign_value(Answer(), Parameter(kind=kind), raw)

    assert error.value.message_dict == {"value": [message]}


@pytest.mark.parametrize(
    ("language", "text", "whole", "number"),
    [
        # one separator and three digits: the language decides
        ("de", "1.234", False, Decimal("1234")),
        ("de", "1,234", False, Decimal("1.234")),
        ("de", "1.234", True, Decimal("1234")),
        ("en", "1,234", False, Decimal("1234")),
        ("en", "1.234", False, Decimal("1.234")),
        ("en", "1,234", True, Decimal("1234")),
        # anything else reads the same in both languages
        ("de", "0,125", False, Decimal("0.125")),
        ("en", "0.125", False, Decimal("0.125")),
        ("de", "1.2345", False, Decimal("1.2345")),
        ("en", "12,5", False, Decimal("12.5")),
        ("de", "12.5", False, Decimal("12.5")),
        ("en", "1.234,5", False, Decimal("1234.5")),
        ("de", "1,234.5", False, Decimal("1234.5")),
        ("de", "1,234,567", True, Decimal("1234567")),
        ("en", "1.234.567", True, Decimal("1234567")),
        ("de", "1.497,8 kWp", False, Decimal("1497.8")),
        ("en", "1,248 Gateways", True, Decimal("1248")),
    ],
)
def test_separators_are_read_in_the_readers_language_where_they_could_mean_either(language, text, whole, number):
    unit = text.split(" ")[1] if " " in text else ""
    with translation.override(language):
        assert to_number(text, unit=unit, whole=whole) == number


@pytest.mark.parametrize(
    ("language", "text", "message"),
    [
        ("de", "1,234", "„1,234“ ist nicht eindeutig: eine Anzahl bitte als 1.234 oder 1234 schreiben."),
        ("en", "1.234", "“1.234” is ambiguous: please write a count as 1,234 or 1234."),
    ],
)
def test_a_count_that_could_be_a_decimal_is_refused_with_how_to_write_it(language, text, message):
    with translation.override(language), pytest.raises(ValidationError) as error:
        to_number(text, whole=True)

    assert error.value.messages == [message]


@pytest.mark.parametrize("text", ["1,2,3", "12.34,5", "1.23.456", "1,2.5"])
def test_separators_out_of_place_are_no_number(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("language", "kind", "unit", "value", "shown"),
    [
        ("de", Parameter.Kind.NUMBER, "kWp", Decimal("1497.800000"), "1.497,8 kWp"),
        ("de", Parameter.Kind.COUNT, "Gateways", Decimal("1248"), "1.248 Gateways"),
        ("de", Parameter.Kind.PERCENTAGE, "%", Decimal("75.900000"), "75,9 %"),
        ("en", Parameter.Kind.NUMBER, "kWp", Decimal("1497.8"), "1,497.8 kWp"),
        ("en", Parameter.Kind.COUNT, "Gateways", Decimal("1248"), "1,248 Gateways"),
    ],
)
def test_numbers_are_shown_with_the_languages_separators_and_the_unit(language, kind, unit, value, shown):
    with translation.override(language):
        assert Parameter(kind=kind, unit=unit).format_value(value) == shown


def test_a_files_numbers_read_the_same_whatever_the_page_language():
    with translation.override("en"):
        assert parse_number("1,234", language="de") == Decimal("1.234")
        assert parse_number("1.234", language="de") == Decimal("1234")
        assert parse_number("1,234") == Decimal("1234")
