"""The questionnaire import: preview and confirm run the same writes through services.answer_save (the
service of the form and the API, so the same permission, phase, type, range and conflict rules hold); a
preview rolls them back, and a file with any broken row is never written in part. A row of a value the
city does not enter (an official or researched parameter or answer) is not taken, with its reason."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import Answer, City, Edition, Parameter
from indicators.questionnaire_io.reading import (
    ImportRow,
    cell_text,
    interpret_value,
    parse_date,
    parse_url,
    parse_version,
)
from indicators.services import AnswerInput, ConflictError, answer_save
from indicators.services.answers import check_entered_by_city
from indicators.workflow import WorkflowError
from smartcity import spreadsheet

Status = Answer.Status


WILL_SAVE, UNCHANGED, ERROR = "will_save", "unchanged", "error"
# A row of a value the city does not enter (services.answers.check_entered_by_city): nothing is written for it,
# and it does not stop the other rows (a template from before the parameter became official still imports).
NOT_TAKEN = "not_taken"


@dataclass
class RowOutcome:
    """What the import does (or did) with one row of the file, ready for a template."""

    row_number: int
    parameter_key: str
    parameter_name: str
    old_value: str
    new_value: str
    outcome: str  # WILL_SAVE, UNCHANGED, NOT_TAKEN or ERROR
    message: str = ""
    column: str = ""  # the file's column an error is in ("wert", "quelle_url", ...)

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
    def will_save(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.outcome == WILL_SAVE]

    @property
    def unchanged(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.outcome == UNCHANGED]

    @property
    def not_taken(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.outcome == NOT_TAKEN]

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
    error_column: str = ""
    outcome: RowOutcome | None = None


# The file's column of each answer field, for saying which cell an error is in.
COLUMN_OF_FIELD = {
    "value": "wert",
    "value_bool": "wert",
    "value_choice": "wert",
    "value_number": "wert",
    "evidence_url": "quelle_url",
    "note": "anmerkung",
    "as_of": "stand",
    "version": "version",
}


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
    plan.error_column = "parameter"
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
    plan.error_column = ""
    parameter = plan.parameter = candidates[0]
    plan.answer = answers.get(parameter.pk)
    if plan.answer is not None:
        plan.answer.parameter = parameter
    try:
        check_entered_by_city(plan.answer or Answer(parameter=parameter))
    except WorkflowError as refusal:
        plan.understood = False  # the row shows the file's cell as it is
        plan.outcome = _outcome(plan, NOT_TAKEN, " ".join([*refusal.messages, _("Die Zeile wird nicht übernommen.")]))
        return plan
    plan.value, plan.understood = interpret_value(parameter, row.value)
    problems = []
    for name, raw, parse in (
        ("evidence_url", row.evidence_url, parse_url),
        ("note", row.note, _note_text),
        ("as_of", row.as_of, parse_date),
        ("version", row.version, parse_version),
    ):
        if raw is None:  # the column is not in the file
            continue
        try:
            plan.fields[name] = parse(raw)
        except ValidationError as error:
            problems.extend(error.messages)
            plan.error_column = plan.error_column or COLUMN_OF_FIELD[name]
    plan.version = plan.fields.pop("version", None)
    if problems:
        plan.error = " ".join(problems)
    elif _matches(plan, plan.answer):
        plan.outcome = _outcome(plan, UNCHANGED)
    return plan


def _note_text(raw) -> str:
    """The note as typed: without the apostrophe the CSV export put before a note that looks like a formula."""
    return spreadsheet.unescape_cell(cell_text(raw))


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
        return _outcome(plan, ERROR, plan.error, column=plan.error_column)
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
            column="wert",
        )
    except ValidationError as error:  # WorkflowError included
        fields = list(getattr(error, "error_dict", {}))
        column = COLUMN_OF_FIELD.get(fields[0], "") if fields else ""
        return _outcome(plan, ERROR, " ".join(error.messages), column=column)
    except PermissionDenied as error:
        return _outcome(plan, ERROR, str(error))
    message = ""
    if answer is not None and answer.status == Status.APPROVED:
        message = _("Die Freigabe wird aufgehoben; die Antwort wird wieder ein Entwurf.")
    return _outcome(plan, WILL_SAVE, message)


def _outcome(plan: _Plan, outcome: str, message: str = "", *, column: str = "") -> RowOutcome:
    parameter, answer = plan.parameter, plan.answer
    if parameter is None:
        name, old, new = "", "", cell_text(plan.row.value)
    else:
        name = parameter.name
        old = parameter.format_value(answer.value) if answer is not None else parameter.format_value(None)
        new = parameter.format_value(plan.value) if plan.understood else cell_text(plan.row.value)
    return RowOutcome(
        row_number=plan.row.row_number,
        parameter_key=plan.row.parameter_key,
        parameter_name=name,
        old_value=old,
        new_value=new,
        outcome=outcome,
        message=message,
        column=column,
    )
