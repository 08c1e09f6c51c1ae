"""The generic AGS table: a CSV or XLSX export (broadband atlas, KBA statistics, Marktstammdatenregister) with
an AGS or city-name column and a value column; the Stand is given by the editor."""

import csv
import io
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.official.base import (
    MAX_COLUMNS,
    XLSX_MAGIC,
    AmbiguousRow,
    CityValue,
    OfficialReading,
    Option,
    Profile,
    UnmatchedRow,
    column_key,
    place_words,
    register,
    too_many_rows,
    xlsx_rows,
)
from indicators.values import parse_number

MAX_XLSX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_XLSX_ENTRIES = 200
MAX_ROWS = 100_000
HEADER_SEARCH_ROWS = 30

# Header names (as column_key writes them) recognised when no column is named by option.
AGS_HEADERS = ("ags", "ags8", "gemeindeschluessel", "amtlichergemeindeschluessel", "municipalitykey")
NAME_HEADERS = ("stadt", "gemeinde", "gemeindename", "city", "municipality", "name")
VALUE_HEADERS = ("wert", "value")

AGS_TEXT = re.compile(r"^\d{7,8}$")


@register
class AgsTable(Profile):
    key = "ags-tabelle"
    name = gettext_lazy("Allgemeine AGS-Tabelle (CSV oder XLSX)")
    version = 1
    needs_stand = True
    options = (
        Option("ags_column", gettext_lazy("Spalte mit dem AGS"), str),
        Option("name_column", gettext_lazy("Spalte mit dem Namen der Stadt (wenn kein AGS)"), str),
        Option("value_column", gettext_lazy("Spalte mit dem Wert"), str),
        Option("number_format", gettext_lazy("Zahlenformat"), str, default="de", choices=("de", "en")),
    )

    def read_rows(
        self, data, *, reading: OfficialReading, cities, ags_column, name_column, value_column, number_format
    ):
        rows = _xlsx_rows(data) if data.startswith(XLSX_MAGIC) else _csv_rows(data)
        header_number, ags_index, name_index, value_index = _header(rows, ags_column, name_column, value_column)
        city_names = dict(cities)
        by_name: dict[tuple[str, ...], list[str]] = {}
        for ags, name in cities:
            by_name.setdefault(place_words(name), []).append(ags)
        found: dict[str, list[tuple[int, Decimal, str]]] = {}
        for number, cells in rows:
            if number <= header_number or all(cell is None or str(cell).strip() == "" for cell in cells):
                continue
            reading.rows_read += 1
            key_cell = _cell(cells, ags_index if ags_index is not None else name_index)
            said = " ".join(str(cell).strip() for cell in cells if cell is not None and str(cell).strip())[:200]
            value = _number(_cell(cells, value_index), number_format)
            if value is None:
                reading.unmatched.append(UnmatchedRow(number, said, _("Der Wert ist keine Zahl.")))
                continue
            if ags_index is not None:
                ags = _ags(key_cell)
                if ags is None:
                    reading.unmatched.append(UnmatchedRow(number, said, _("Der AGS fehlt oder hat nicht 8 Ziffern.")))
                    continue
                if ags not in city_names:
                    reading.unmatched.append(
                        UnmatchedRow(number, said, _("Der AGS %(ags)s ist keine Stadt des Index.") % {"ags": ags})
                    )
                    continue
            else:
                matching = by_name.get(place_words(key_cell), [])
                if not matching:
                    reading.unmatched.append(UnmatchedRow(number, said, _("Der Name passt zu keiner Stadt des Index.")))
                    continue
                if len(matching) > 1:
                    reading.ambiguous.append(
                        AmbiguousRow(
                            number,
                            said,
                            tuple(f"{ags} {city_names[ags]}" for ags in matching),
                            _("Der Name passt zu mehreren Städten des Index."),
                        )
                    )
                    continue
                ags = matching[0]
            found.setdefault(ags, []).append((number, value, said))
        _take_values(found, reading=reading, city_names=city_names)


def _take_values(found: dict, *, reading: OfficialReading, city_names: dict[str, str]) -> None:
    """Each city's value from its one row; a city with several rows is listed as ambiguous, none taken."""
    for ags in sorted(found):
        entries = found[ags]
        if len(entries) == 1:
            number, value, _said = entries[0]
            reading.values[ags] = CityValue(value, (number,))
            reading.rows_counted += 1
            continue
        # A table has one value per city: two rows for one city are listed, neither is taken.
        for number, _value, said in entries:
            reading.ambiguous.append(
                AmbiguousRow(
                    number,
                    said,
                    (f"{ags} {city_names[ags]}",),
                    _("Die Stadt steht mehrfach in der Datei (Zeilen %(rows)s).")
                    % {"rows": ", ".join(str(entry[0]) for entry in entries)},
                )
            )
    reading.ambiguous.sort(key=lambda row: row.row_number)


def _cell(cells, index):
    return cells[index] if index is not None and index < len(cells) else None


def _ags(cell) -> str | None:
    """An AGS as 8 digits: "05911000", 5911000 (a number lost its leading zero), "5911000"."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text.zfill(8) if AGS_TEXT.match(text) else None


def _number(cell, number_format: str) -> Decimal | None:
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        number = Decimal(repr(cell))
        return number if number.is_finite() else None
    return parse_number(str(cell), language=number_format)


def _header(rows, ags_column, name_column, value_column) -> tuple[int, int | None, int | None, int]:
    """The header's row number and the indexes of the AGS (or name) and value columns: named by option, else
    recognised by their header. ValidationError naming what is missing."""
    for number, cells in rows[:HEADER_SEARCH_ROWS]:
        keys = [column_key(cell) for cell in cells]
        ags_index = _find(keys, (column_key(ags_column),) if ags_column else AGS_HEADERS)
        name_index = None
        if ags_index is None:
            name_index = _find(keys, (column_key(name_column),) if name_column else NAME_HEADERS)
        if ags_index is None and name_index is None:
            continue
        if value_column:
            value_index = _find(keys, (column_key(value_column),))
        else:
            value_index = _find(keys, VALUE_HEADERS)
            others = [i for i, key in enumerate(keys) if key and i not in (ags_index, name_index)]
            if value_index is None and len(others) == 1:
                value_index = others[0]
        if value_index is None:
            raise ValidationError(
                _("Die Spalte mit dem Wert wurde nicht gefunden: bitte „Wert“ nennen oder die Spalte angeben."),
                code="column_missing",
            )
        return number, ags_index, name_index, value_index
    raise ValidationError(
        _("Keine Kopfzeile mit einer AGS- oder Stadt-Spalte gefunden (z. B. „AGS“ oder „Stadt“)."),
        code="header_missing",
    )


def _find(keys: list[str], wanted) -> int | None:
    for want in wanted:
        if want and want in keys:
            return keys.index(want)
    return None


def _xlsx_rows(data: bytes) -> list:
    invalid = ValidationError(_("Die Datei ist keine gültige XLSX-Datei."), code="format")
    return xlsx_rows(
        data,
        invalid=invalid,
        max_bytes=MAX_XLSX_UNCOMPRESSED_BYTES,
        max_entries=MAX_XLSX_ENTRIES,
        max_rows=MAX_ROWS,
    )


def _csv_rows(data: bytes) -> list:
    """A CSV's records (UTF-8 with or without BOM, else Windows-1252; `;`, `,` or tab as its first line uses)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text or not text.strip():
        raise ValidationError(_("Die Datei ist weder eine XLSX- noch eine lesbare CSV-Datei."), code="format")
    first_line = next(line for line in text.splitlines() if line.strip())
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if number > MAX_ROWS:
                raise too_many_rows(MAX_ROWS)
            rows.append((number, cells[:MAX_COLUMNS]))
    except csv.Error as error:
        raise ValidationError(_("Die CSV-Datei ist fehlerhaft: %(error)s") % {"error": error}, code="format") from None
    return rows
