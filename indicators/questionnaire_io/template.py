"""The questionnaire template of a city: one row per parameter the city answers, with the current answer, as
CSV or XLSX (German, fixed headers: they are the file format, not UI text; pick lists and help in the XLSX).
Official and researched values are left out: the city cannot write them (services.answers.check_entered_by_city)
and sees them read-only, with their source, in the questionnaire."""

import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from indicators import selectors
from indicators.models import Answer, City, Edition, Parameter, catalogue_order, city_enters, plain_number
from smartcity import spreadsheet

Kind = Parameter.Kind


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
            KIND_WORDS[parameter.kind],
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
    """Every parameter of the edition the city answers (models.city_enters: not an official or researched
    parameter or answer) in questionnaire order, with the city's answer and last year's.

    Four queries whatever the number of parameters. Last year's value is the city's approved answer to
    the parameter with the same key in the previous (non-draft) edition, as on the questionnaire page.
    The caller checks that the user may see the city (selectors.questionnaire_or_404).
    """
    parameters = list(
        Parameter.objects.filter(indicator__domain__edition=edition)
        .select_related("indicator__domain")
        .order_by(*catalogue_order())
    )
    answers = {answer.parameter_id: answer for answer in Answer.objects.filter(edition=edition, city=city)}
    previous = selectors.previous_answers(edition=edition.previous(), city=city)
    rows = []
    for parameter in parameters:
        answer = answers.get(parameter.pk)
        if not city_enters(parameter, answer):
            continue
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
    """A typed value as the file holds it: "ja"/"nein", the option's German label, or the number.

    The words are fixed German (the file format), not translated; the import also takes the option keys
    and English labels. In XLSX numbers stay numbers.
    """
    if value is None or value == "":
        return empty(text)
    if parameter.kind == Kind.YES_NO:
        return YES if value else NO
    if parameter.kind == Kind.CHOICE:
        return option_word(parameter, value)
    if text:
        return number_text(value)
    return int(value) if value == value.to_integral_value() else Decimal(plain_number(value))


# The file's word for a parameter's kind (fixed German, like the headers).
KIND_WORDS = {
    Kind.YES_NO: "Ja/Nein",
    Kind.CHOICE: "Auswahl",
    Kind.NUMBER: "Zahl",
    Kind.PERCENTAGE: "Prozent",
    Kind.COUNT: "Anzahl",
}


def option_word(parameter: Parameter, key: str) -> str:
    """An option as the file writes it: its German label (its key where it has none)."""
    option = next((option for option in parameter.options if option["key"] == key), None)
    return str(option.get("label_de") or key) if option else str(key)


def allowed_text(parameter: Parameter) -> str:
    """What the value may be: "ja | nein", the options' German labels "keine | geplant | im Betrieb", or the
    number range "0–100"."""
    if parameter.kind == Kind.YES_NO:
        return f"{YES} | {NO}"
    if parameter.kind == Kind.CHOICE:
        return " | ".join(option_word(parameter, option["key"]) for option in parameter.options)
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
    writer = spreadsheet.csv_writer(buffer, delimiter=";", lineterminator="\r\n")
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
            if isinstance(cell.value, str) and spreadsheet.looks_like_formula(cell.value):
                cell.data_type = "s"  # a note starting with "=" is text, never a formula (the CSV's rule)
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
        words = [option_word(parameter, option["key"]) for option in parameter.options]
        text = ",".join(words)
        # Excel limits an inline list to 255 characters and cannot quote commas or quotes in it.
        if len(text) <= 255 and not any("," in word or '"' in word for word in words):
            return text
    return ""
