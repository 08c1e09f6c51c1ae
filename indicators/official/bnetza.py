"""The Bundesnetzagentur's charging-point register (Ladesäulenregister, XLSX): stations or charging points
per city, placed by postcode and place name; the header row and the Stand found wherever the file has them."""

import re
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.official.base import (
    AmbiguousRow,
    CityValue,
    OfficialReading,
    Option,
    Profile,
    UnmatchedRow,
    column_key,
    register,
    xlsx_rows,
)
from indicators.official.places import place_row

# A register file holds ~10,000 stations in 13 parts unpacking to ~8 MB (2019); room for ten times that.
MAX_XLSX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_XLSX_ENTRIES = 200
MAX_SHEET_ROWS = 200_000

# The header and the Stand are looked for in the first rows only.
HEADER_SEARCH_ROWS = 30

# Columns by their header with case, spaces and punctuation removed, so that "Steckertypen 1" and
# "Steckertypen1" or "Anzahl  Ladepunkte" read alike.
COLUMN_POSTCODE_PLACE = "postleitzahlort"
COLUMN_POSTCODE = "postleitzahl"
COLUMN_PLACE = "ort"
COLUMN_POINTS = "anzahlladepunkte"
COLUMN_KIND = "artderladeeinrichtung"
COLUMN_COMMISSIONED = "inbetriebnahmedatum"

FAST_CHARGER = "schnellladeeinrichtung"

STAND_TEXT = re.compile(r"stand\W*(\d{1,2})\.(\d{1,2})\.(\d{4})", re.IGNORECASE)
POSTCODE_PLACE = re.compile(r"^(\d{5})\s+(\S.*)$")

STATIONS = "stations"
CHARGING_POINTS = "charging_points"


def _text(cell) -> str:
    return " ".join(str(cell).replace("\u00a0", " ").split()) if cell is not None else ""


@register
class ChargingPointRegister(Profile):
    key = "bnetza-ladesaeulen"
    name = gettext_lazy("Ladesäulenregister der Bundesnetzagentur")
    # 2: a postcode the table lacks is placed by the place name inside its postcode region
    # (places.place_unknown_postcode); the July 2019 register's unmatched rows fell from 109 to 43.
    version = 2
    options = (
        Option(
            "count", gettext_lazy("Gezählt werden"), str, default=CHARGING_POINTS, choices=(STATIONS, CHARGING_POINTS)
        ),
        Option("fast_only", gettext_lazy("Nur Schnellladeeinrichtungen"), bool, default=False),
        Option("in_operation_by", gettext_lazy("Nur in Betrieb genommen bis"), date, default=None),
    )

    def read_rows(self, data, *, reading: OfficialReading, cities, count, fast_only, in_operation_by):
        city_names = dict(cities)
        rows = _sheet_rows(data)
        stand, header_number, columns = _header_and_stand(rows)
        reading.stand = stand
        needed = {COLUMN_POINTS}
        if fast_only:
            needed.add(COLUMN_KIND)
        if in_operation_by:
            needed.add(COLUMN_COMMISSIONED)
        missing = [name for name in sorted(needed) if name not in columns]
        if missing:
            raise ValidationError(
                _("Der Datei fehlt die Spalte „%(column)s“.") % {"column": _HEADER_NAMES[missing[0]]},
                code="column_missing",
            )
        sums: dict[str, Decimal] = {}
        sources: dict[str, list[int]] = {}
        for number, cells in rows:
            if all(cell is None or _text(cell) == "" for cell in cells):
                continue
            reading.rows_read += 1
            row = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
            if COLUMN_POSTCODE_PLACE in row:
                said = _text(row[COLUMN_POSTCODE_PLACE])
            else:
                said = f"{_postcode(row[COLUMN_POSTCODE])} {_text(row[COLUMN_PLACE])}".strip()
            if fast_only and column_key(row[COLUMN_KIND]) != FAST_CHARGER:
                reading.rows_left_out += 1
                continue
            commissioned = row.get(COLUMN_COMMISSIONED)
            if (
                in_operation_by
                and isinstance(commissioned, datetime | date)
                and _as_date(commissioned) > in_operation_by
            ):
                reading.rows_left_out += 1
                continue
            ags = _city_of(number, said, reading=reading, city_names=city_names)
            if ags is None:
                continue
            # Only a row of a city is checked further: a fault elsewhere in the country changes no value.
            if in_operation_by and not isinstance(commissioned, datetime | date):
                reading.unmatched.append(UnmatchedRow(number, said, _("Das Inbetriebnahmedatum fehlt.")))
                continue
            points = _count(row[COLUMN_POINTS])
            if count == CHARGING_POINTS and points is None:
                reading.unmatched.append(
                    UnmatchedRow(number, said, _("Die Anzahl der Ladepunkte fehlt oder ist keine ganze Zahl."))
                )
                continue
            sums[ags] = sums.get(ags, Decimal(0)) + (Decimal(points) if count == CHARGING_POINTS else 1)
            sources.setdefault(ags, []).append(number)
            reading.rows_counted += 1
        reading.values = {ags: CityValue(sums[ags], tuple(sources[ags])) for ags in sorted(sums)}


def _city_of(number: int, said: str, *, reading: OfficialReading, city_names: dict[str, str]) -> str | None:
    """The AGS of the city a row belongs to, or None: then the row is listed (unmatched, ambiguous) or
    counted as elsewhere in `reading`."""
    match = POSTCODE_PLACE.match(said)
    if not match:
        reading.unmatched.append(UnmatchedRow(number, said, _("Postleitzahl und Ort fehlen oder sind ungültig.")))
        return None
    placement = place_row(match.group(1), match.group(2), city_names=city_names)
    if placement.ags in city_names:
        return placement.ags
    if placement.ags is None and not placement.candidates:
        reading.unmatched.append(UnmatchedRow(number, said, placement.reason))
    elif placement.ags is None and any(candidate.split(" ", 1)[0] in city_names for candidate in placement.candidates):
        reading.ambiguous.append(AmbiguousRow(number, said, placement.candidates, placement.reason))
    else:
        reading.rows_elsewhere += 1  # a municipality that is no city of the index, or could only be one of those
    return None


def _postcode(cell) -> str:
    """A postcode column's cell: a number lost its leading zero (1067 is 01067)."""
    if isinstance(cell, int) and not isinstance(cell, bool) and 0 < cell < 100000:
        return f"{cell:05d}"
    return _text(cell)


def _count(cell) -> int | None:
    """A number of charging points: a whole number cell (2, 2.0) or text of digits ("2"); else None."""
    if isinstance(cell, str) and cell.strip().isdigit():
        return int(cell.strip())
    if isinstance(cell, bool) or not isinstance(cell, int | float) or cell < 0 or cell != int(cell):
        return None
    return int(cell)


_HEADER_NAMES = {
    COLUMN_POINTS: "Anzahl Ladepunkte",
    COLUMN_KIND: "Art der Ladeeinrichtung",
    COLUMN_COMMISSIONED: "Inbetriebnahmedatum",
}


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _sheet_rows(data: bytes) -> list:
    invalid = ValidationError(
        _(
            "Die Datei ist keine gültige XLSX-Datei. "
            "Das Ladesäulenregister wird als Excel-Arbeitsmappe (.xlsx) gelesen."
        ),
        code="format",
    )
    return xlsx_rows(
        data,
        invalid=invalid,
        max_bytes=MAX_XLSX_UNCOMPRESSED_BYTES,
        max_entries=MAX_XLSX_ENTRIES,
        max_rows=MAX_SHEET_ROWS,
    )


def _header_and_stand(rows: list) -> tuple[date, int, dict[str, int]]:
    """The Stand, the header's row number and its columns (key -> index); the data rows are removed from
    the front of `rows` up to and including the header. The Stand is the first date cell or "Stand: d.m.yyyy"
    text above the header."""
    stand = None
    for position, (number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [column_key(cell) for cell in cells]
        if COLUMN_POINTS in keys and (COLUMN_POSTCODE_PLACE in keys or {COLUMN_POSTCODE, COLUMN_PLACE} <= set(keys)):
            if stand is None:
                raise ValidationError(
                    _(
                        "Der Stand der Datei wurde nicht gefunden "
                        "(ein Datum oder „Stand: TT.MM.JJJJ“ über der Kopfzeile)."
                    ),
                    code="stand_missing",
                )
            columns = {}
            for index, key in enumerate(keys):
                columns.setdefault(key, index)
            del rows[: position + 1]
            return stand, number, columns
        if stand is None:
            stand = _stand_in(cells)
    raise ValidationError(
        _(
            "Die Kopfzeile des Ladesäulenregisters (mit „Postleitzahl Ort“ und „Anzahl Ladepunkte“) "
            "wurde in den ersten %(rows)s Zeilen nicht gefunden."
        )
        % {"rows": HEADER_SEARCH_ROWS},
        code="header_missing",
    )


def _stand_in(cells) -> date | None:
    for cell in cells:
        if isinstance(cell, datetime | date):
            return _as_date(cell)
        if isinstance(cell, str):
            match = STAND_TEXT.search(cell)
            if match:
                day, month, year = (int(part) for part in match.groups())
                try:
                    return date(year, month, day)
                except ValueError:
                    return None
    return None
