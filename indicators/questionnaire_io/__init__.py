"""Bulk questionnaire of a city: the XLSX/CSV template, parsing a filled-in upload, preview and import.

The import writes through `services.answer_save`, the service the form and the API use, so the same
permission, phase, type, range and conflict rules hold. A preview runs the very same writes and rolls
them back; a file with any broken row is never written in part.

The package re-exports its modules' public names (`from indicators.questionnaire_io import ...` keeps working)."""

from indicators.questionnaire_io.importing import (
    ERROR,
    NOT_TAKEN,
    UNCHANGED,
    WILL_SAVE,
    ImportResult,
    RowOutcome,
    questionnaire_import,
)
from indicators.questionnaire_io.reading import (
    DATE_FORMATS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_XLSX_UNCOMPRESSED_BYTES,
    XLS_MAGIC,
    XLSX_MAGIC,
    ImportRow,
    interpret_value,
    parse_date,
    parse_questionnaire,
    parse_url,
    parse_version,
)
from indicators.questionnaire_io.template import (
    COLUMN_WIDTHS,
    COLUMNS,
    EDITABLE_COLUMNS,
    NO,
    REQUIRED_COLUMNS,
    YES,
    QuestionnaireRow,
    allowed_text,
    column_letter,
    empty,
    file_value,
    number_text,
    pick_list,
    questionnaire_csv,
    questionnaire_filename,
    questionnaire_rows,
    questionnaire_xlsx,
)

__all__ = [
    "COLUMNS",
    "COLUMN_WIDTHS",
    "DATE_FORMATS",
    "EDITABLE_COLUMNS",
    "ERROR",
    "ImportResult",
    "ImportRow",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MAX_XLSX_UNCOMPRESSED_BYTES",
    "NO",
    "NOT_TAKEN",
    "QuestionnaireRow",
    "REQUIRED_COLUMNS",
    "RowOutcome",
    "UNCHANGED",
    "WILL_SAVE",
    "XLSX_MAGIC",
    "XLS_MAGIC",
    "YES",
    "allowed_text",
    "column_letter",
    "empty",
    "file_value",
    "interpret_value",
    "number_text",
    "parse_date",
    "parse_questionnaire",
    "parse_url",
    "parse_version",
    "pick_list",
    "questionnaire_csv",
    "questionnaire_filename",
    "questionnaire_import",
    "questionnaire_rows",
    "questionnaire_xlsx",
]
