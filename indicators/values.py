"""Raw answer values as people and files give them, read once: for the portal form, the XLSX/CSV import,
the admin, the API and the simulator. A raw value is a bool, a number, an option key or text ("12,5",
"1.234,5", "45 %", "ja"); what comes out is the answer's typed field, or a ValidationError whose message
says what to write instead.

Below the services (no locks, no writes): `assign_value` only sets fields of an unsaved answer.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.models import Answer, Parameter

# Words for yes and no (any case), in German and English, as cells and forms give them.
YES_WORDS = frozenset({"ja", "yes", "1", "true", "wahr", "j", "y"})
NO_WORDS = frozenset({"nein", "no", "0", "false", "falsch", "n"})
# How much of a refused input a message repeats.
ECHO_CHARS = 40


# One separator followed by exactly three digits, after one to three digits: "1.234" or "1,234". In German
# "." groups thousands and "," is the decimal comma; in English the other way round.
GROUPED_OR_DECIMAL = re.compile(r"^[+-]?[1-9]\d{0,2}([.,])\d{3}$")


class AmbiguousNumber(ValueError):
    """A whole number written so that it could also be read as a decimal ("1,234" in German)."""


def _is_grouped(text: str, separator: str) -> bool:
    """Digits grouped by threes with `separator`, with an optional sign: "1.234.567", "-12,345"."""
    group = re.escape(separator) + r"\d{3}"
    return re.fullmatch(rf"[+-]?\d{{1,3}}({group})*", text) is not None


def _separators(language: str | None = None) -> tuple[str, str]:
    """(thousands, decimal) separator of `language` (default: the active one): German unless English."""
    return (",", ".") if (language or get_language() or "de").startswith("en") else (".", ",")


def _number_text(text: str, unit: str, *, whole: bool = False, language: str | None = None) -> str:
    """The text of a typed number with spaces, a trailing unit or "%" and thousands separators removed and a
    decimal point: "1.234,5 kWp" -> "1234.5".

    With both separators the last one is the decimal separator; a repeated one groups thousands
    ("1.234.567", "1,234,567"). A single one is the decimal separator ("12,5", "12.5"), unless three digits
    follow it after at most three ("1.234", "1,234"): then the active language decides (German: "1.234" is
    1234 and "1,234" is 1,234). For a `whole` number (a count), the reading that is no whole number raises
    AmbiguousNumber instead, so "1,234" is never silently 1,234 or 1234."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    for suffix in (unit, "%"):
        if suffix and text.lower().endswith(suffix.lower()):
            text = text[: -len(suffix)].strip()
    text = text.replace(" ", "").replace("'", "")
    if "," in text and "." in text:
        thousands, decimal = (".", ",") if text.rfind(",") > text.rfind(".") else (",", ".")
        whole_part, _sep, fraction = text.rpartition(decimal)
        if not _is_grouped(whole_part, thousands) or not fraction.isdigit():
            return text  # "12.34,5", "1,2.3": no number
        return whole_part.replace(thousands, "") + "." + fraction
    for separator in (".", ","):
        if text.count(separator) > 1:
            # 1.234.567 or 1,234,567; anything else ("1,2,3") is no number
            return text.replace(separator, "") if _is_grouped(text, separator) else text
    grouped = GROUPED_OR_DECIMAL.match(text)
    if grouped:
        thousands, _decimal = _separators(language)
        if grouped.group(1) == thousands:
            return text.replace(thousands, "")
        if whole:
            raise AmbiguousNumber(text)
    return text.replace(",", ".")


def parse_number(text: str, *, unit: str = "", whole: bool = False, language: str | None = None) -> Decimal | None:
    """A number typed by a person, or None: "12,5", "12.5", "1.234,5", "1,234.5", "12 %", "12 Tage".
    None for anything else, including NaN, infinity and an ambiguous whole number (see _number_text).
    `language` fixes how "1.234" reads (a file's format); by default the active language decides."""
    try:
        number = Decimal(_number_text(text, unit, whole=whole, language=language))
    except (InvalidOperation, AmbiguousNumber):
        return None
    return number if number.is_finite() else None


def to_number(value: Any, *, unit: str = "", whole: bool = False) -> Decimal:
    """A raw value as a finite Decimal (a Decimal, int, float or text as `parse_number` reads it). Raises
    ValidationError with the message for a bool, for text that is no number or an ambiguous whole number (the
    message says how to write it), and for NaN or infinity."""
    if isinstance(value, bool):
        raise ValidationError(_("Bitte eine Zahl angeben."))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = str(value).strip()
        try:
            number = Decimal(_number_text(text, unit, whole=whole))
        except AmbiguousNumber as ambiguous:
            digits = str(ambiguous).replace(".", "").replace(",", "")
            thousands, _decimal = _separators()
            grouped = f"{digits[:-3]}{thousands}{digits[-3:]}"
            raise ValidationError(
                _("„%(value)s“ ist nicht eindeutig: eine Anzahl bitte als %(grouped)s oder %(plain)s schreiben.")
                % {"value": text[:ECHO_CHARS], "grouped": grouped, "plain": digits}
            ) from None
        except InvalidOperation:
            raise ValidationError(_("„%(value)s“ ist keine Zahl.") % {"value": text[:ECHO_CHARS]}) from None
    if not number.is_finite():
        raise ValidationError(_("Bitte eine endliche Zahl angeben."))
    return number


def to_yes_no(value: Any) -> bool | None:
    """A raw yes/no (a bool, or one of YES_WORDS / NO_WORDS in any case), or None when it is neither."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def assign_value(answer: Answer, parameter: Parameter, value: Any) -> None:
    """Put a raw value into the answer's typed field (the others cleared). None or "" clears the value.
    Raises ValidationError({"value": message}) for the wrong type; the allowed range, the option keys and the
    digits are the model's checks (`full_clean`)."""
    answer.value_bool, answer.value_choice, answer.value_number = None, "", None
    if value is None or value == "":
        return
    kind = parameter.kind
    if kind == Parameter.Kind.YES_NO:
        answer.value_bool = to_yes_no(value)
        if answer.value_bool is None:
            raise ValidationError({"value": _("Bitte „ja“ oder „nein“ angeben.")})
    elif kind == Parameter.Kind.CHOICE:
        answer.value_choice = str(value).strip()
    else:
        try:
            whole = kind == Parameter.Kind.COUNT
            answer.value_number = to_number(value, unit=parameter.unit, whole=whole)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from None
