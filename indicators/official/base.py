"""What every official-source profile shares: the Profile base class, the registry of profiles by key, the
result of reading a file (OfficialReading with its per-city values, unmatched and ambiguous rows), and the
place-name rule that says whether a row's place is a municipality."""

import copy
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.values import to_yes_no
from smartcity.zip_limits import check_zip

XLSX_MAGIC = b"PK\x03\x04"
MAX_COLUMNS = 60


@dataclass(frozen=True)
class CityValue:
    """A city's value from an official file and the file's row numbers it came from (1-based, as Excel
    numbers them)."""

    value: Decimal
    rows: tuple[int, ...]


@dataclass(frozen=True)
class UnmatchedRow:
    """A row that could not be placed in any municipality or read at all."""

    row_number: int
    text: str
    reason: str


@dataclass(frozen=True)
class AmbiguousRow:
    """A row that might belong to more than one municipality (candidates as "AGS Name"); never guessed."""

    row_number: int
    text: str
    candidates: tuple[str, ...]
    reason: str


@dataclass
class OfficialReading:
    """Everything a profile read from one official file, before anything is stored.

    `values` holds the cities passed in (by AGS) that the file has a value for. `rows_read` counts the data
    rows, `rows_counted` those that went into a value of `values`; `rows_elsewhere` those placed in a
    municipality that is none of the cities (most of a national register), listed nowhere; `rows_left_out`
    those the profile's options leave out (not a fast charger, in operation after the cut-off).
    """

    stand: date
    sha256: str
    profile: str
    version: int
    values: dict[str, CityValue] = field(default_factory=dict)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    ambiguous: list[AmbiguousRow] = field(default_factory=list)
    rows_read: int = 0
    rows_counted: int = 0
    rows_elsewhere: int = 0
    rows_left_out: int = 0


@dataclass(frozen=True)
class Option:
    """An option a profile takes: its name, label, Python type and default."""

    name: str
    label: str
    kind: type
    default: Any = None
    choices: tuple[str, ...] = ()


# The last readings of this process by (profile, version, file SHA-256, options, cities, Stand): the same file
# is read for the preview and again for the confirmation (a register takes seconds), and the demo imports one
# register into several editions. A reading depends on nothing else (the postcode table is fixed), so a kept
# one is the same as a new one.
READINGS_KEPT = 4
_READINGS: dict[tuple, OfficialReading] = {}


class Profile:
    """A way of reading one kind of official file. Subclasses set key, name, version and options and
    implement `read_rows`; `read` checks the options and fills in the file's fingerprint.

    `cities` is a list of (ags, name) pairs: the municipalities values are wanted for. Nothing here reads
    the database, so a profile can be tested with any city list.
    """

    key: ClassVar[str]
    name: ClassVar[str]
    # Raised whenever the same file could read differently: stored with every imported value.
    version: ClassVar[int]
    options: ClassVar[tuple[Option, ...]] = ()
    # Whether the Stand comes from the caller (a generic table) or from the file (a register).
    needs_stand: ClassVar[bool] = False

    def read(
        self, data: bytes, *, cities: list[tuple[str, str]], stand: date | None = None, **options
    ) -> OfficialReading:
        """The file's values per city. Raises ValidationError (German message) for a file that cannot be
        read, an unknown option or a missing Stand; rows that cannot be placed are listed, not raised.
        A register that states its Stand (BNetzA) takes it from the file; `stand` is for a table that does
        not (needs_stand)."""
        if self.needs_stand and stand is None:
            raise ValidationError(_("Bitte geben Sie den Stand der Datei an."), code="stand_missing")
        chosen = self.clean_options(options)
        sha256 = hashlib.sha256(bytes(data)).hexdigest()
        # The language too: the reasons of unmatched and ambiguous rows are in it.
        key = (self.key, self.version, sha256, tuple(sorted(chosen.items())), tuple(cities), stand, get_language())
        cached = _READINGS.get(key)
        if cached is not None:
            return copy.deepcopy(cached)
        reading = OfficialReading(
            stand=stand,  # a register's profile sets it from the file
            sha256=sha256,
            profile=self.key,
            version=self.version,
        )
        self.read_rows(bytes(data), reading=reading, cities=list(cities), **chosen)
        _READINGS[key] = copy.deepcopy(reading)
        while len(_READINGS) > READINGS_KEPT:
            _READINGS.pop(next(iter(_READINGS)))
        return reading

    def clean_options(self, given: dict[str, Any]) -> dict[str, Any]:
        known = {option.name: option for option in self.options}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValidationError(
                _("Das Profil „%(profile)s“ kennt die Option „%(option)s“ nicht.")
                % {"profile": self.key, "option": unknown[0]},
                code="option_unknown",
            )
        chosen = {}
        for option in self.options:
            value = given.get(option.name, option.default)
            if value is not None and not isinstance(value, option.kind):
                raise ValidationError(
                    _("Die Option „%(option)s“ hat einen ungültigen Wert.") % {"option": option.name},
                    code="option_invalid",
                )
            if option.choices and value not in option.choices:
                raise ValidationError(
                    _("Die Option „%(option)s“ erlaubt nur: %(choices)s.")
                    % {"option": option.name, "choices": ", ".join(option.choices)},
                    code="option_invalid",
                )
            chosen[option.name] = value
        return chosen

    def read_rows(self, data: bytes, *, reading: OfficialReading, cities: list[tuple[str, str]], **options):
        raise NotImplementedError


PROFILES: dict[str, type[Profile]] = {}


def register(profile: type[Profile]) -> type[Profile]:
    """Class decorator: the profile becomes available under its key."""
    if profile.key in PROFILES:
        raise ValueError(f"two profiles with the key {profile.key!r}")
    PROFILES[profile.key] = profile
    return profile


def profile_for(key: str) -> Profile:
    """The profile registered under `key`; ValidationError for an unknown key."""
    try:
        return PROFILES[key]()
    except KeyError:
        raise ValidationError(_("Unbekanntes Profil „%(key)s“.") % {"key": key}, code="profile_unknown") from None


def options_from_text(profile_key: str, texts: dict[str, str]) -> dict[str, Any]:
    """A profile's options given as text (the command's `--option k=v`, the page's lines, the catalogue's
    `official_options`) in their types: yes/no words for a flag, YYYY-MM-DD for a date. ValidationError
    (German) for an unknown option or a value of the wrong form; empty texts are left out (the option's
    default)."""
    known = {option.name: option for option in profile_for(profile_key).options}
    options: dict[str, Any] = {}
    for name, text in texts.items():
        option = known.get(name)
        if option is None:
            raise ValidationError(
                _("Das Profil „%(profile)s“ kennt die Option „%(option)s“ nicht.")
                % {"profile": profile_key, "option": name}
            )
        text = str(text).strip()
        if text == "":
            continue
        if option.kind is bool:
            flag = to_yes_no(text)
            if flag is None:
                raise ValidationError(_("Die Option „%(option)s“ hat einen ungültigen Wert.") % {"option": name})
            options[name] = flag
        elif option.kind is date:
            try:
                options[name] = date.fromisoformat(text)
            except ValueError:
                raise ValidationError(
                    _("Die Option „%(option)s“ hat einen ungültigen Wert.") % {"option": name}
                ) from None
        else:
            options[name] = text
    return options


# Abbreviations official files use for a place's qualifier, written out before comparing.
_ABBREVIATIONS = (
    (r"\ba\.\s*d\.", " an der "),
    (r"\ba\.\s*m\.", " am main "),
    (r"\bi\.\s*d\.", " in der "),
    (r"\bb\.", " bei "),
    (r"\bst\.", " sankt "),
)


def column_key(header) -> str:
    """A column's header as a key that survives spelling changes: lower case, umlauts written out, spaces
    and punctuation dropped ("Steckertypen 1" and "Steckertypen1" -> "steckertypen1")."""
    text = str(header or "").lower()
    for umlaut, written in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, written)
    return re.sub(r"[^a-z0-9]", "", text)


def place_words(name: str) -> tuple[str, ...]:
    """A place name as comparable words: lower case, umlauts written out, accents and punctuation dropped,
    common abbreviations expanded. "Mülheim a.d. Ruhr" -> ("muelheim", "an", "der", "ruhr"),
    "Halle (Saale)" -> ("halle", "saale"), "Mülheim-Kärlich" -> ("muelheim", "kaerlich")."""
    text = str(name or "").replace("\u00a0", " ").lower()
    for umlaut, written in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, written)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    for pattern, written in _ABBREVIATIONS:
        text = re.sub(pattern, written, text)
    return tuple(re.findall(r"[a-z0-9]+", text))


def place_matches(place: str, municipality: str) -> bool:
    """Whether a row's place names the municipality: the same words, or the municipality's name with its
    qualifier left off ("Halle" for "Halle (Saale)", "Mülheim" for "Mülheim an der Ruhr"). A place that says
    more than the name is another place: "München Flughafen" is not München, "Mülheim-Kärlich" not Mülheim."""
    return words_match(place_words(place), place_words(municipality))


def words_match(row: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """place_matches over words already made comparable by place_words (for a lookup over many names)."""
    return bool(row) and name[: len(row)] == row


def too_many_rows(limit: int) -> ValidationError:
    return ValidationError(_("Die Tabelle hat mehr als %(max)s Zeilen.") % {"max": limit}, code="too_many_rows")


def xlsx_rows(
    data: bytes,
    *,
    invalid: ValidationError,
    max_bytes: int,
    max_entries: int,
    max_rows: int,
    max_columns: int = MAX_COLUMNS,
    too_many: ValidationError | None = None,
) -> list:
    """The first sheet's rows of an XLSX as (row number, cells), read into memory so that the workbook is
    closed before anything is placed. The zip's limits are checked before openpyxl inflates anything (a
    small file can unpack to gigabytes), and the rows are bounded while reading as well as by the sheet's
    declared size (a sheet may declare none). `invalid` is raised for anything openpyxl cannot read,
    `too_many` (default: too_many_rows) past `max_rows`. The one XLSX reader of official files and of the
    questionnaire import."""
    from openpyxl import load_workbook

    if not data.startswith(XLSX_MAGIC):
        raise invalid
    try:
        check_zip(io.BytesIO(data), max_bytes=max_bytes, max_entries=max_entries)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationError:
        raise
    except Exception:  # openpyxl raises many kinds (BadZipFile, KeyError, InvalidFileException, XML errors)
        raise invalid from None
    try:
        if not workbook.worksheets:
            raise invalid
        sheet = workbook.worksheets[0]
        too_many = too_many or too_many_rows(max_rows)
        if (sheet.max_row or 0) > max_rows:
            raise too_many
        rows = []
        for number, cells in enumerate(sheet.iter_rows(max_col=max_columns, values_only=True), start=1):
            if number > max_rows:
                raise too_many
            rows.append((number, cells))
        return rows
    except ValidationError:
        raise
    except Exception:
        raise invalid from None
    finally:
        workbook.close()
