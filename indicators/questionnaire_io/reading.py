"""Reading a filled-in questionnaire: the upload's table (XLSX or CSV, bounded), its rows, and each cell as
the parameter's typed value (through indicators.values) or the text that could not be read."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from time import monotonic
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.models import Parameter
from indicators.official.base import xlsx_rows
from indicators.questionnaire_io.template import COLUMNS, REQUIRED_COLUMNS
from indicators.values import parse_number, to_yes_no

Kind = Parameter.Kind


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


# Bounds for an upload (a questionnaire has ~160 rows): larger files are refused, not read. A small file
# must not tie up a worker either (an 89 KB XLSX can hold 3 million empty rows), so besides the filled rows
# the rows read at all (blank ones too, and the rows a sheet declares) are bounded, as are the unpacked size
# of an XLSX, its parts, and the time reading takes.
MAX_ROWS = 2000


MAX_SHEET_ROWS = 5000


MAX_COLUMNS = 50


MAX_XLSX_UNCOMPRESSED_BYTES = 10 * 1024 * 1024


MAX_XLSX_ENTRIES = 500


MAX_READ_SECONDS = 10


XLSX_MAGIC = b"PK\x03\x04"


XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Excel format (OLE2)


@dataclass(frozen=True)
class ImportRow:
    """One filled-in row as the file has it (raw cells; the import interprets them per parameter).

    An optional column missing from the file is None (keep what is stored); a blank cell is "" (clear).
    """

    row_number: int
    parameter_key: str
    value: Any = ""
    evidence_url: Any = None
    note: Any = None
    as_of: Any = None
    version: Any = None


def parse_questionnaire(uploaded_bytes: bytes, filename: str) -> list[ImportRow]:
    """The rows of an uploaded XLSX or CSV template, blank rows skipped, each with its row number.

    XLSX is recognised by its zip signature, anything else is read as CSV (UTF-8 with or without BOM,
    UTF-16 with BOM, or Windows-1252 as German Excel saves it; `;`, `,` or tab, whichever the header
    uses). The header is matched case-insensitively in any order; unknown columns are ignored.
    Raises ValidationError with a German message for an unreadable file or a missing required column.
    """
    data = bytes(uploaded_bytes)
    if not data.strip():
        raise ValidationError(_("Die Datei ist leer."), code="empty")
    name = (filename or "").lower()
    if data.startswith(XLSX_MAGIC):
        table = _xlsx_table(data)
    elif data.startswith(XLS_MAGIC) or name.endswith((".xls", ".xlsx")):
        raise ValidationError(
            _("Die Datei ist keine gültige XLSX-Datei. Bitte als Excel-Arbeitsmappe (.xlsx) oder CSV speichern."),
            code="format",
        )
    else:
        table = _csv_table(data)
    return _rows_of(table)


def _xlsx_table(data: bytes):
    # A small file can unpack to gigabytes, a sheet can declare millions of blank rows: the shared reader
    # refuses both before openpyxl reads a row.
    return xlsx_rows(
        data,
        invalid=ValidationError(_("Die Datei ist keine gültige XLSX-Datei."), code="format"),
        max_bytes=MAX_XLSX_UNCOMPRESSED_BYTES,
        max_entries=MAX_XLSX_ENTRIES,
        max_rows=MAX_SHEET_ROWS,
        max_columns=MAX_COLUMNS,
        too_many=_too_many_rows(),
    )


def _csv_table(data: bytes):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ValidationError(_("Die Datei ist weder eine XLSX- noch eine CSV-Datei."), code="format")
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Numbered by record, not by physical line: a note with a line break is still one row in Excel.
        for number, cells in enumerate(reader, start=1):
            yield number, cells[:MAX_COLUMNS]
    except csv.Error as error:
        raise ValidationError(_("Die CSV-Datei ist fehlerhaft: %(error)s") % {"error": error}, code="format") from None


def _is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _too_many_rows() -> ValidationError:
    return ValidationError(
        _(
            "Die Tabelle reicht über mehr als %(max)s Zeilen (leere mitgezählt). Bitte entfernen Sie leere Zeilen "
            "oder füllen Sie eine frisch heruntergeladene Vorlage aus."
        )
        % {"max": MAX_SHEET_ROWS},
        code="too_many_sheet_rows",
    )


def _rows_of(table) -> list[ImportRow]:
    """The filled rows of the table; every row read counts against MAX_SHEET_ROWS, the reading against
    MAX_READ_SECONDS (checked per row: no single row can take long, the file's size bounds it)."""
    columns: dict[str, int] | None = None
    rows = []
    deadline = monotonic() + MAX_READ_SECONDS
    for number, cells in table:
        if number > MAX_SHEET_ROWS:
            raise _too_many_rows()
        if monotonic() > deadline:
            raise ValidationError(
                _(
                    "Das Lesen der Datei hat zu lange gedauert (mehr als %(seconds)s Sekunden). Bitte laden Sie nur "
                    "die ausgefüllte Vorlage hoch."
                )
                % {"seconds": MAX_READ_SECONDS},
                code="too_slow",
            )
        if all(_is_blank(cell) for cell in cells):
            continue
        if columns is None:
            columns = _header(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationError(_("Die Datei hat mehr als %(max)s Zeilen.") % {"max": MAX_ROWS}, code="too_many_rows")
        rows.append(
            ImportRow(
                row_number=number,
                parameter_key=str(_cell(cells, columns, "parameter")).strip(),
                value=_cell(cells, columns, "wert"),
                evidence_url=_cell(cells, columns, "quelle_url"),
                note=_cell(cells, columns, "anmerkung"),
                as_of=_cell(cells, columns, "stand"),
                version=_cell(cells, columns, "version"),
            )
        )
    if columns is None:
        raise ValidationError(_("Die Datei ist leer."), code="empty")
    return rows


def _cell(cells, columns: dict[str, int], name: str):
    """A cell of a data row: None when the column is not in the file, "" when the cell is blank."""
    index = columns.get(name)
    if index is None:
        return None
    value = cells[index] if index < len(cells) else None
    return "" if value is None else value


def _header(cells) -> dict[str, int]:
    """Column name -> index for the known columns; a missing required or doubled column is an error."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = str(cell or "").strip().lstrip("\ufeff").strip().lower()
        if name not in COLUMNS:
            continue
        if name in columns:
            raise ValidationError(
                _("Die Spalte „%(column)s“ steht mehrfach in der Kopfzeile.") % {"column": name}, code="header"
            )
        columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ValidationError(
            _("In der Kopfzeile fehlen die Spalten: %(columns)s.") % {"columns": ", ".join(missing)},
            code="header",
        )
    return columns


def interpret_value(parameter: Parameter, raw) -> tuple[Any, bool]:
    """(value, understood): a bool, option key or Decimal when the cell is understood, else its text.

    Text that is not understood goes to answer_save as it is, so the import reports exactly the
    message the form would ("„viel“ ist keine Zahl.", "… ist keine der erlaubten Optionen.").
    Float cells are rounded to the 6 decimals an answer stores (Excel's 0.1 + 0.2 is 0.30000000000000004).
    """
    if _is_blank(raw):
        return None, True
    if isinstance(raw, datetime | date):
        return str(raw), False
    kind = parameter.kind
    if kind == Kind.YES_NO:
        if isinstance(raw, bool):
            return raw, True
        if isinstance(raw, int | float) and raw in (0, 1):
            return bool(raw), True
        yes_no = to_yes_no(raw)
        return (yes_no, True) if yes_no is not None else (str(raw).strip(), False)
    if kind == Kind.CHOICE:
        text = cell_text(raw)
        return _option_key(parameter, text)
    if isinstance(raw, bool):
        return raw, False  # answer_save: "Bitte eine Zahl angeben."
    if isinstance(raw, int):
        return Decimal(raw), True
    if isinstance(raw, float):
        try:
            return Decimal(repr(raw)).quantize(Decimal("0.000001")).normalize(), True
        except InvalidOperation:
            return repr(raw), False
    text = str(raw).strip()
    # The file's format is German whatever the page's language: "1.234" is 1234, "0,125" a decimal.
    number = parse_number(text, unit=parameter.unit, whole=kind == Kind.COUNT, language="de")
    return (number, True) if number is not None else (text, False)


def cell_text(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _option_key(parameter: Parameter, text: str) -> tuple[str, bool]:
    """The option a cell names: its key, or (case-insensitively) its key or German or English label."""
    keys = [str(option["key"]) for option in parameter.options]
    if text in keys:
        return text, True
    folded = text.casefold()
    for option in parameter.options:
        names = (option["key"], option.get("label_de", ""), option.get("label_en", ""))
        if any(name and str(name).strip().casefold() == folded for name in names):
            return str(option["key"]), True
    return text, False


def parse_date(raw) -> date | None:
    """A date cell or text ("2024-03-31" or "31.03.2024"); None when blank. Raises ValidationError."""
    if _is_blank(raw):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    # A date cell saved back as text by a spreadsheet ("2024-03-31 00:00:00").
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("„%(value)s“ ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT).") % {"value": text}, code="date"
        ) from None
    return parsed.date()


def parse_url(raw) -> str:
    """The evidence link, cleaned as the form cleans it ("www.stadt.de/x" gets https://)."""
    return forms.URLField(required=False, max_length=500, assume_scheme="https").clean(cell_text(raw))


def parse_version(raw) -> int | None:
    """The answer version the file was exported with; None when blank (no conflict check)."""
    if _is_blank(raw):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit():
        raise ValidationError(_("„%(value)s“ ist keine gültige Version.") % {"value": text}, code="version")
    return int(text)
