"""Bulk questionnaire of a city: the XLSX/CSV template, parsing a filled-in upload, preview and import.

The import writes through `services.answer_save`, the service the form and the API use, so the same
permission, phase, type, range and conflict rules hold. A preview runs the very same writes and rolls
them back; a file with any broken row is never written in part.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators import roles, selectors
from indicators.models import Answer, City, Edition, Parameter, plain_number
from indicators.services import AnswerInput, ConflictError, answer_save
from indicators.values import parse_number, to_yes_no

Kind = Parameter.Kind
Status = Answer.Status

# The file's columns, in this order. Headers are German and fixed: they are the file format, not UI text.
COLUMNS = (
    "parameter",
    "themenbereich",
    "indikator",
    "name",
    "typ",
    "einheit",
    "erlaubt",
    "vorjahr",
    "wert",
    "quelle_url",
    "anmerkung",
    "stand",
    "version",
    "status",
)
REQUIRED_COLUMNS = ("parameter", "wert")
# What the import reads besides the parameter key; everything else is information for people.
EDITABLE_COLUMNS = ("wert", "quelle_url", "anmerkung", "stand")
COLUMN_WIDTHS = {
    "parameter": 28,
    "themenbereich": 22,
    "indikator": 26,
    "name": 48,
    "typ": 12,
    "einheit": 12,
    "erlaubt": 40,
    "vorjahr": 14,
    "wert": 14,
    "quelle_url": 40,
    "anmerkung": 40,
    "stand": 12,
    "version": 9,
    "status": 18,
}
YES, NO = "ja", "nein"
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")

# Bounds for an upload (a questionnaire has ~160 rows): larger files are refused, not read.
MAX_ROWS = 2000
MAX_COLUMNS = 50
MAX_XLSX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Excel format (OLE2)

WILL_SAVE, UNCHANGED, ERROR = "will_save", "unchanged", "error"


# --- The template ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionnaireRow:
    """One parameter of the template: the city's answer now and its approved answer last edition."""

    parameter: Parameter
    answer: Answer | None
    previous: Answer | None

    @property
    def version(self) -> int:
        return self.answer.version if self.answer else 0

    @property
    def value(self):
        return self.answer.value if self.answer else None

    @property
    def previous_value(self):
        return self.previous.value if self.previous else None

    def cells(self, *, text: bool) -> list:
        """The row's cells in COLUMNS order; `text` renders everything as CSV text (decimal comma)."""
        parameter, answer = self.parameter, self.answer
        previous = file_value(self.previous.parameter, self.previous_value, text=text) if self.previous else empty(text)
        as_of = answer.as_of if answer else None
        return [
            parameter.key,
            parameter.indicator.domain.name,
            parameter.indicator.name,
            parameter.name,
            parameter.kind,
            parameter.unit,
            allowed_text(parameter),
            previous,
            file_value(parameter, self.value, text=text),
            answer.evidence_url if answer else "",
            answer.note if answer else "",
            (as_of.isoformat() if as_of else "") if text else as_of,
            self.version,
            answer.get_status_display() if answer else "",
        ]


def questionnaire_rows(*, edition: Edition, city: City) -> list[QuestionnaireRow]:
    """Every parameter of the edition in questionnaire order, with the city's answer and last year's.

    Four queries whatever the number of parameters. Last year's value is the city's approved answer to
    the parameter with the same key in the previous (non-draft) edition, as on the questionnaire page.
    The caller checks that the user may see the city (selectors.questionnaire_or_404).
    """
    parameters = list(
        Parameter.objects.filter(indicator__domain__edition=edition)
        .select_related("indicator__domain")
        .order_by(
            "indicator__domain__position",
            "indicator__domain__id",
            "indicator__position",
            "indicator__id",
            "position",
            "id",
        )
    )
    answers = {answer.parameter_id: answer for answer in Answer.objects.filter(edition=edition, city=city)}
    previous = selectors.previous_answers(edition=edition.previous(), city=city)
    rows = []
    for parameter in parameters:
        answer = answers.get(parameter.pk)
        if answer is not None:
            answer.parameter = parameter  # typed values need it; no query per answer
        rows.append(QuestionnaireRow(parameter=parameter, answer=answer, previous=previous.get(parameter.key)))
    return rows


def empty(text: bool):
    return "" if text else None


def number_text(number: Decimal) -> str:
    """A number as German Excel reads it: decimal comma, no thousands separator, no trailing zeros."""
    return plain_number(number).replace(".", ",")


def file_value(parameter: Parameter, value, *, text: bool):
    """A typed value as the file holds it: "ja"/"nein", the option key, or the number.

    The words are fixed German (the file format), not translated. In XLSX numbers stay numbers.
    """
    if value is None or value == "":
        return empty(text)
    if parameter.kind == Kind.YES_NO:
        return YES if value else NO
    if parameter.kind == Kind.CHOICE:
        return value
    if text:
        return number_text(value)
    return int(value) if value == value.to_integral_value() else Decimal(plain_number(value))


def allowed_text(parameter: Parameter) -> str:
    """What the value may be: "ja | nein", "key=label | …", or the number range "0–100"."""
    if parameter.kind == Kind.YES_NO:
        return f"{YES} | {NO}"
    if parameter.kind == Kind.CHOICE:
        return " | ".join(f"{option['key']}={parameter.option_label(option['key'])}" for option in parameter.options)
    low, high = parameter.min_value, parameter.max_value
    if low is not None and high is not None:
        return f"{number_text(low)}–{number_text(high)}"
    if low is not None:
        return f"≥ {number_text(low)}"
    if high is not None:
        return f"≤ {number_text(high)}"
    return ""


def questionnaire_filename(*, edition: Edition, city: City, extension: str) -> str:
    return f"fragebogen-{city.slug}-{edition.year}.{extension}"


def questionnaire_csv(*, edition: Edition, city: City) -> str:
    """The template as CSV the way German Excel opens it: UTF-8 with BOM, `;`, decimal comma, CRLF."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in questionnaire_rows(edition=edition, city=city):
        writer.writerow(row.cells(text=True))
    return buffer.getvalue()


def questionnaire_xlsx(*, edition: Edition, city: City) -> bytes:
    """The template as an Excel workbook: bold frozen header, widths, ja/nein and option pick-lists."""
    # openpyxl is imported where it is used, so the CSV path works where it is not installed yet.
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Fragebogen"
    workbook.properties.title = f"{edition.title} – {city.name}"
    sheet.append(COLUMNS)
    editable_fill = PatternFill("solid", fgColor="FFF2CC")
    for name, cell in zip(COLUMNS, sheet[1], strict=True):
        cell.font = Font(bold=True)
        if name in EDITABLE_COLUMNS:
            cell.fill = editable_fill
    for name in COLUMNS:
        sheet.column_dimensions[column_letter(name)].width = COLUMN_WIDTHS[name]

    lists: dict[str, DataValidation] = {}
    value_column, as_of_column = column_letter("wert"), column_letter("stand")
    for row_number, row in enumerate(questionnaire_rows(edition=edition, city=city), start=2):
        sheet.append(row.cells(text=False))
        for cell in sheet[row_number]:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # a note starting with "=" is text, never a formula
        sheet[f"{as_of_column}{row_number}"].number_format = "DD.MM.YYYY"
        choices = pick_list(row.parameter)
        if choices:
            if choices not in lists:
                lists[choices] = DataValidation(
                    type="list",
                    formula1=f'"{choices}"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorStyle="warning",
                    errorTitle=_("Unbekannter Wert"),
                    error=_("Bitte einen der Werte der Liste wählen (siehe Spalte „erlaubt“)."),
                )
                sheet.add_data_validation(lists[choices])
            lists[choices].add(f"{value_column}{row_number}")
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{sheet.max_row}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_letter(name: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(COLUMNS.index(name) + 1)


def pick_list(parameter: Parameter) -> str:
    """The comma-separated values of an Excel list validation, or "" when there is none (or too long)."""
    if parameter.kind == Kind.YES_NO:
        return f"{YES},{NO}"
    if parameter.kind == Kind.CHOICE:
        keys = [str(option["key"]) for option in parameter.options]
        text = ",".join(keys)
        # Excel limits an inline list to 255 characters and cannot quote commas or quotes in it.
        if len(text) <= 255 and not any("," in key or '"' in key for key in keys):
            return text
    return ""


# --- Reading an upload -------------------------------------------------------------------------


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
    from openpyxl import load_workbook

    invalid = ValidationError(_("Die Datei ist keine gültige XLSX-Datei."), code="format")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # A small file can unpack to gigabytes: refuse before openpyxl inflates it.
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED_BYTES:
                raise ValidationError(_("Die Datei ist zu groß."), code="too_large")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationError:
        raise
    except Exception:  # openpyxl raises many kinds (BadZipFile, KeyError, InvalidFileException, XML errors)
        raise invalid from None
    try:
        if not workbook.worksheets:
            raise invalid
        sheet = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
    finally:
        workbook.close()


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


def _rows_of(table) -> list[ImportRow]:
    columns: dict[str, int] | None = None
    rows = []
    for number, cells in table:
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


# --- Interpreting cells per parameter ----------------------------------------------------------


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
        text = _cell_text(raw)
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
    number = parse_number(text, unit=parameter.unit)
    return (number, True) if number is not None else (text, False)


def _cell_text(raw) -> str:
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
    return forms.URLField(required=False, max_length=500, assume_scheme="https").clean(_cell_text(raw))


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


# --- The import --------------------------------------------------------------------------------


@dataclass
class RowOutcome:
    """What the import does (or did) with one row of the file, ready for a template."""

    row_number: int
    parameter_key: str
    parameter_name: str
    old_value: str
    new_value: str
    outcome: str  # WILL_SAVE, UNCHANGED or ERROR
    message: str = ""

    @property
    def is_error(self) -> bool:
        return self.outcome == ERROR


@dataclass
class ImportResult:
    """The per-row outcome of a preview or an import; `saved` > 0 only when it was written."""

    rows: list[RowOutcome] = field(default_factory=list)
    saved: int = 0
    confirmed: bool = False

    @property
    def errors(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.outcome == ERROR]

    @property
    def has_errors(self) -> bool:
        return any(row.outcome == ERROR for row in self.rows)

    @property
    def will_save_count(self) -> int:
        return sum(row.outcome == WILL_SAVE for row in self.rows)

    @property
    def unchanged_count(self) -> int:
        return sum(row.outcome == UNCHANGED for row in self.rows)


@dataclass
class _Plan:
    """A row on its way through the import: interpreted fields, or the error that stops it."""

    row: ImportRow
    parameter: Parameter | None = None
    answer: Answer | None = None
    value: Any = None
    understood: bool = True
    fields: dict[str, Any] = field(default_factory=dict)  # the present optional columns, cleaned
    version: int | None = None
    error: str = ""
    outcome: RowOutcome | None = None


def questionnaire_import(*, user, edition: Edition, city: City, rows: list[ImportRow], confirm: bool) -> ImportResult:
    """Preview (confirm=False) or import a filled-in questionnaire of a city.

    Every changed row goes through services.answer_save in its own savepoint, with the file's version
    as expected_version; unchanged rows are not written. Unknown or doubled parameters are errors. The
    whole transaction is rolled back for a preview and whenever any row has an error, so only a
    confirmed, error-free file is written (and follow-up work such as a recompute is only enqueued then).

    A row whose answer someone else changed since the export, but which the file leaves as it was at
    the exported version, is skipped as unchanged (with a note) instead of blocking the whole file.
    Raises PermissionDenied when the user does not work for the city.
    """
    if not roles.belongs_to_city(user, city):
        raise PermissionDenied(_("Sie können nur Antworten Ihrer eigenen Stadt bearbeiten."))
    # Keys are unique per indicator in the schema but used as the id of a parameter in an edition
    # (portal URLs, last year's value); a key that is not unique in the edition is refused, not guessed.
    parameters: dict[str, list[Parameter]] = {}
    for parameter in Parameter.objects.filter(indicator__domain__edition=edition).select_related("indicator__domain"):
        parameters.setdefault(parameter.key, []).append(parameter)
    answers = {answer.parameter_id: answer for answer in Answer.objects.filter(edition=edition, city=city)}
    plans = [_plan(row, parameters, answers) for row in rows]
    _mark_duplicates(plans)
    _skip_untouched_stale_rows(plans)

    result = ImportResult()
    with transaction.atomic():
        for plan in plans:
            result.rows.append(plan.outcome or _write(plan, user=user, city=city))
        if confirm and not result.has_errors:
            result.saved, result.confirmed = result.will_save_count, True
        else:
            transaction.set_rollback(True)
    return result


def _plan(row: ImportRow, parameters: dict[str, list[Parameter]], answers: dict[int, Answer]) -> _Plan:
    plan = _Plan(row=row)
    if not row.parameter_key:
        plan.error = _("In dieser Zeile fehlt der Parameter.")
        return plan
    candidates = parameters.get(row.parameter_key, [])
    if not candidates:
        plan.error = _("Den Parameter „%(key)s“ gibt es in dieser Ausgabe nicht.") % {"key": row.parameter_key}
        return plan
    if len(candidates) > 1:
        plan.error = _("Der Schlüssel „%(key)s“ ist in dieser Ausgabe nicht eindeutig.") % {"key": row.parameter_key}
        return plan
    parameter = plan.parameter = candidates[0]
    plan.answer = answers.get(parameter.pk)
    if plan.answer is not None:
        plan.answer.parameter = parameter
    plan.value, plan.understood = interpret_value(parameter, row.value)
    problems = []
    for name, raw, parse in (
        ("evidence_url", row.evidence_url, parse_url),
        ("note", row.note, _cell_text),
        ("as_of", row.as_of, parse_date),
        ("version", row.version, parse_version),
    ):
        if raw is None:  # the column is not in the file
            continue
        try:
            plan.fields[name] = parse(raw)
        except ValidationError as error:
            problems.extend(error.messages)
    plan.version = plan.fields.pop("version", None)
    if problems:
        plan.error = " ".join(problems)
    elif _matches(plan, plan.answer):
        plan.outcome = _outcome(plan, UNCHANGED)
    return plan


def _matches(plan: _Plan, stored) -> bool:
    """Whether the file's row says what `stored` (an answer, a historical record of one, or None) says.

    Only the columns the file has are compared; a value the import does not understand never matches.
    """
    if not plan.understood:
        return False
    current = plan.parameter.typed_value(stored) if stored is not None else None
    if plan.value != current:
        return False
    for name, value in plan.fields.items():
        if value != (getattr(stored, name) if stored is not None else ("" if name != "as_of" else None)):
            return False
    return True


def _mark_duplicates(plans: list[_Plan]) -> None:
    rows_of: dict[str, list[int]] = {}
    for plan in plans:
        if plan.row.parameter_key:
            rows_of.setdefault(plan.row.parameter_key, []).append(plan.row.row_number)
    for plan in plans:
        numbers = rows_of.get(plan.row.parameter_key, [])
        if len(numbers) > 1:
            plan.error = _("Der Parameter „%(key)s“ steht mehrfach in der Datei (Zeilen %(rows)s).") % {
                "key": plan.row.parameter_key,
                "rows": ", ".join(str(number) for number in numbers),
            }
            plan.outcome = None


def _skip_untouched_stale_rows(plans: list[_Plan]) -> None:
    """Rows whose answer moved on since the export but which the file does not change are skipped.

    Without this, a colleague's edit to any answer would make every later upload of an older file
    conflict. The file's row is compared with the answer as it was at the file's version (its audit
    record): one query for all such rows.
    """
    stale = [
        plan
        for plan in plans
        if not plan.error
        and plan.outcome is None
        and plan.version is not None
        and plan.version != (plan.answer.version if plan.answer else 0)
    ]
    wanted = {(plan.answer.pk, plan.version) for plan in stale if plan.answer is not None and plan.version > 0}
    records = {}
    if wanted:
        for record in Answer.history.filter(
            id__in={pk for pk, _version in wanted}, version__in={version for _pk, version in wanted}
        ).order_by("history_date", "history_id"):
            records[(record.id, record.version)] = record  # the last record of each version
    for plan in stale:
        if plan.version == 0:
            as_exported, known = None, True
        else:
            key = (plan.answer.pk, plan.version) if plan.answer else None
            as_exported, known = records.get(key), key in records
        if known and _matches(plan, as_exported):
            outcome = _outcome(plan, UNCHANGED)
            outcome.message = _(
                "Inzwischen von jemand anderem geändert (aktuell: %(value)s); die Zeile der Datei ändert "
                "nichts und wird übersprungen."
            ) % {"value": outcome.old_value}
            plan.outcome = outcome


def _write(plan: _Plan, *, user, city: City) -> RowOutcome:
    """Save one row through answer_save in its own savepoint; the outcome carries its message."""
    if plan.error:
        return _outcome(plan, ERROR, plan.error)
    answer = plan.answer
    data = AnswerInput(
        value=plan.value,
        evidence_url=plan.fields.get("evidence_url", answer.evidence_url if answer else ""),
        note=plan.fields.get("note", answer.note if answer else ""),
        as_of=plan.fields.get("as_of", answer.as_of if answer else None),
    )
    try:
        with transaction.atomic():
            answer_save(
                user=user,
                city=city,
                parameter=plan.parameter,
                data=data,
                expected_version=plan.version,
                reason=_("aus Datei importiert"),
            )
    except ConflictError as conflict:
        current = conflict.current.value if conflict.current else None
        return _outcome(
            plan,
            ERROR,
            _("Die Antwort wurde inzwischen geändert (aktuell: %(value)s).")
            % {"value": plan.parameter.format_value(current)},
        )
    except ValidationError as error:  # WorkflowError included
        return _outcome(plan, ERROR, " ".join(error.messages))
    except PermissionDenied as error:
        return _outcome(plan, ERROR, str(error))
    message = ""
    if answer is not None and answer.status == Status.APPROVED:
        message = _("Die Freigabe wird aufgehoben; die Antwort wird wieder ein Entwurf.")
    return _outcome(plan, WILL_SAVE, message)


def _outcome(plan: _Plan, outcome: str, message: str = "") -> RowOutcome:
    parameter, answer = plan.parameter, plan.answer
    if parameter is None:
        name, old, new = "", "", _cell_text(plan.row.value)
    else:
        name = parameter.name
        old = parameter.format_value(answer.value) if answer is not None else parameter.format_value(None)
        new = parameter.format_value(plan.value) if plan.understood else _cell_text(plan.row.value)
    return RowOutcome(
        row_number=plan.row.row_number,
        parameter_key=plan.row.parameter_key,
        parameter_name=name,
        old_value=old,
        new_value=new,
        outcome=outcome,
        message=message,
    )


__all__ = [
    "COLUMNS",
    "ImportResult",
    "ImportRow",
    "QuestionnaireRow",
    "RowOutcome",
    "parse_questionnaire",
    "questionnaire_csv",
    "questionnaire_filename",
    "questionnaire_import",
    "questionnaire_rows",
    "questionnaire_xlsx",
]
