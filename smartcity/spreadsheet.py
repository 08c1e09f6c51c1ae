"""Cells of the files people open in a spreadsheet program (every CSV the project writes, the XLSX template).

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel
and LibreOffice (`=HYPERLINK(…)` sending data away, `+cmd|…` starting programs): "CSV injection". The
rule lives here once. CSV cells that look like a formula get a leading apostrophe (`'=1+1`), which the
programs show as text; the XLSX template stores such cells as text instead. A number stays a number:
`-3.5`, `-3,5`, `+49`, `-1.234,5` are written as they are. Infrastructure: it imports no app.
"""

import csv
import re
from typing import Any

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
