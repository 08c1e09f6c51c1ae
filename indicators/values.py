"""Raw answer values as people and files give them, read once: for the portal form, the XLSX/CSV import,
the admin, the API and the simulator. A raw value is a bool, a number, an option key or text ("12,5",
"1.234,5", "45 %", "ja"); what comes out is the answer's typed field, or a ValidationError whose message
says what to write instead.

Below the services (no locks, no writes): `assign_value` only sets fields of an unsaved answer.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.models import Answer, Parameter

# Words for yes and no (any case), in German and English, as cells and forms give them.
YES_WORDS = frozenset({"ja", "yes", "1", "true", "wahr", "j", "y"})
NO_WORDS = frozenset({"nein", "no", "0", "false", "falsch", "n"})
# How much of a refused input a message repeats.
ECHO_CHARS = 40


def _number_text(text: str, unit: str) -> str:
    """The text of a typed number with spaces, a trailing unit or "%" and thousands separators removed and a
    decimal point: "1.234,5 kWp" -> "1234.5". A single separator is the decimal separator ("1.234" is 1.234,
    as in the form); with both, the last one is."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    for suffix in (unit, "%"):
        if suffix and text.lower().endswith(suffix.lower()):
            text = text[: -len(suffix)].strip()
    text = text.replace(" ", "").replace("'", "")
    if "," in text and "." in text:
        thousands, decimal = (".", ",") if text.rfind(",") > text.rfind(".") else (",", ".")
        text = text.replace(thousands, "").replace(decimal, ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(".") > 1 and "," not in text:
        text = text.replace(".", "")  # 1.234.567
    return text


def parse_number(text: str, *, unit: str = "") -> Decimal | None:
    """A number typed by a person, or None: "12,5", "12.5", "1.234,5", "1,234.5", "12 %", "12 Tage".
    None for anything else, including NaN and infinity."""
    try:
        number = Decimal(_number_text(text, unit))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_number(value: Any, *, unit: str = "") -> Decimal:
    """A raw value as a finite Decimal (a Decimal, int, float or text as `parse_number` reads it). Raises
    ValidationError with the message for a bool, for text that is no number and for NaN or infinity."""
    if isinstance(value, bool):
        raise ValidationError(_("Bitte eine Zahl angeben."))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = str(value).strip()
        try:
            number = Decimal(_number_text(text, unit))
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
            answer.value_number = to_number(value, unit=parameter.unit)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from None
