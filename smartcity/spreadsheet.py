"""Cells of the files people open in a spreadsheet program (every CSV the project writes, the XLSX template).

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel
and LibreOffice (`=HYPERLINK(…)` sending data away, `+cmd|…` starting programs): "CSV injection". The
rule lives here once. CSV cells that look like a formula get a leading apostrophe (`'=1+1`), which the
programs show as text; the XLSX template stores such cells as text instead. A number stays a number:
`-3.5`, `-3,5`, `+49`, `-1.234,5` are written as they are. Infrastructure: it imports no app.

The German Excel variant of a CSV file (`?variant=excel-de` beside every CSV download): German Excel reads a
CSV as Windows-1252 with `;` between cells and a decimal comma unless told otherwise, so the variant starts
with a UTF-8 byte order mark, separates cells with `;`, writes numbers with a decimal comma (rounded as the
pages publish them where the caller says so), yes/no as „ja“/„nein“, and has German headers (the caller's).
"""

import csv
import io
import math
import re
from decimal import Decimal
from typing import Any

from django.utils import translation

from smartcity.numbers import LanguageNumbers

# The query parameter and its one value that ask for the German Excel variant of a CSV file.
VARIANT_PARAMETER = "variant"
EXCEL_DE = "excel-de"
BOM = "\ufeff"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number, German or English separators, optionally with an exponent: nothing a program would run.
_NUMBER = re.compile(r"[+-]?\d[\d.,]*(?:[eE][+-]?\d+)?")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet program would read the text cell as a formula (a plain number excepted)."""
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def safe_cell(value: Any) -> Any:
    """The cell as a CSV writer should get it: text that looks like a formula with a leading apostrophe;
    anything else (numbers, None, other text) unchanged."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """A cell read back from a CSV the project wrote: the apostrophe safe_cell added is dropped again
    (only where what follows looks like a formula, so "'Bochum" stays as typed)."""
    if text.startswith("'") and looks_like_formula(text[1:]):
        return text[1:]
    return text


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(buffer, **dialect) -> _SafeWriter:
    """`csv.writer(buffer, **dialect)` whose rows go through safe_cell: the one way the project writes CSV."""
    return _SafeWriter(csv.writer(buffer, **dialect))


def excel_de_requested(query) -> bool | None:
    """True for `?variant=excel-de`, False without `variant` (or empty), None for any other value (a 400)."""
    value = query.get(VARIANT_PARAMETER, "")
    if not value:
        return False
    return True if value == EXCEL_DE else None


class ExcelDeCells:
    """Cells of the German Excel variant: numbers with a decimal comma (floats rounded to `places` half up as
    the pages show them, full precision without), Decimals as entered, „ja“/„nein“, empty for None or NaN."""

    def __init__(self):
        with translation.override("de"):
            self.numbers = LanguageNumbers()

    def cell(self, value, places: int | None = None) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "ja" if value else "nein"
        if isinstance(value, float):
            if math.isnan(value):
                return ""
            return self.numbers.fixed(value, places) if places is not None else repr(value).replace(".", ",")
        if isinstance(value, Decimal):
            return format(value.normalize(), "f").replace(".", ",")
        return str(value)


def excel_de_text(header: list[str], rows: list[list[str]]) -> str:
    """The variant's text: byte order mark, `;` between cells, CRLF line ends, formula-looking text neutralised."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv_writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
