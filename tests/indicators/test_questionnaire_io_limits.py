"""Bounds of the questionnaire import (issue 15, item 7): a small file that would tie up a worker (millions of
empty rows, a huge declared sheet, gigabytes unpacked, endless reading) is refused with a message before or
while it is read, and nothing is imported."""

import io
import itertools
import re
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Answer
from indicators.questionnaire_io import parse_questionnaire, reading

TOO_MANY_ROWS = (
    "Die Tabelle reicht über mehr als 5000 Zeilen (leere mitgezählt). Bitte entfernen Sie leere Zeilen oder "
    "füllen Sie eine frisch heruntergeladene Vorlage aus."
)
TOO_SLOW = (
    "Das Lesen der Datei hat zu lange gedauert (mehr als 10 Sekunden). Bitte laden Sie nur die ausgefüllte "
    "Vorlage hoch."
)
SHEET = "xl/worksheets/sheet1.xml"


def template_xlsx() -> bytes:
    """A filled-in template of two rows (header and one answer)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["parameter", "wert"])
    workbook.active.append(["wartezeit", 12])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML replaced by change(xml)."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            archive.writestr(info.filename, change(content.decode()).encode() if info.filename == SHEET else content)
    return target.getvalue()


def empty_rows(first: int, count: int) -> str:
    """`count` rows from row `first` on, each padded with 10 empty styled cells (the attack file had 50)."""
    letters = [openpyxl.utils.get_column_letter(column) for column in range(1, 11)]
    return "".join(
        f'<row r="{row}">' + "".join(f'<c r="{letter}{row}" s="0"/>' for letter in letters) + "</row>"
        for row in range(first, first + count)
    )


def test_a_template_within_the_bounds_is_read():
    assert [(row.row_number, row.parameter_key) for row in parse_questionnaire(template_xlsx(), "f.xlsx")] == [
        (2, "wartezeit")
    ]


def test_an_xlsx_whose_sheet_declares_three_million_rows_is_refused_before_reading_any():
    # given: 2 rows of content, a dimension of 50 columns × 3 million rows
    data = with_sheet(
        template_xlsx(), lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:AX3000000"', xml)
    )
    assert len(data) < 10_000

    # when
    with pytest.raises(ValidationError) as error:
        parse_questionnaire(data, "f.xlsx")

    # then
    assert error.value.messages == [TOO_MANY_ROWS]


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(lambda: empty_rows(3, 5000), id="5000-padded-empty-rows"),
        # a single row far down: the reader fills the gap with empty rows it never parsed
        pytest.param(lambda: '<row r="3000000"><c r="A3000000" t="inlineStr"><is><t>x</t></is></c></row>', id="gap"),
    ],
)
def test_an_xlsx_with_many_empty_rows_is_refused_while_reading(rows):
    # given: no dimension to warn, the empty rows after the answer
    def change(xml: str) -> str:
        xml = re.sub(r"<dimension [^>]*/>", "", xml)
        return xml.replace("</sheetData>", rows() + "</sheetData>")

    data = with_sheet(template_xlsx(), change)
    assert len(data) < 200_000

    # when
    with pytest.raises(ValidationError) as error:
        parse_questionnaire(data, "f.xlsx")

    # then
    assert error.value.messages == [TOO_MANY_ROWS]


def test_a_csv_with_many_blank_lines_is_refused():
    # given: the answer, then 5,000 rows of empty cells (the 2,000-row limit counts only filled rows)
    data = b"parameter;wert\r\nwartezeit;12\r\n" + b";;;;;;;;;;;;;;;;;;;;\r\n" * 5000

    with pytest.raises(ValidationError) as error:
        parse_questionnaire(data, "f.csv")

    assert error.value.messages == [TOO_MANY_ROWS]


def test_a_file_of_exactly_5000_rows_with_blank_ones_is_read():
    data = b"parameter;wert\r\nwartezeit;12\r\n" + b";\r\n" * 4998

    assert [row.parameter_key for row in parse_questionnaire(data, "f.csv")] == ["wartezeit"]


def test_an_xlsx_that_unpacks_beyond_10_mb_is_refused_before_openpyxl_reads_it():
    # given: 11 MB of spaces in the sheet, a few kilobytes packed
    data = with_sheet(
        template_xlsx(), lambda xml: xml.replace("</worksheet>", " " * (11 * 1024 * 1024) + "</worksheet>")
    )
    assert len(data) < 50_000

    with pytest.raises(ValidationError) as error:
        parse_questionnaire(data, "f.xlsx")

    assert error.value.messages == ["Die Datei ist entpackt zu groß: erlaubt sind höchstens 10 MB."]


def test_reading_stops_when_it_takes_longer_than_10_seconds(monkeypatch):
    # given: a clock that advances 4 seconds each time it is read
    monkeypatch.setattr(reading, "monotonic", itertools.count(start=0, step=4).__next__)
    data = b"parameter;wert\r\nwartezeit;12\r\nbusse;3\r\nladepunkte;4\r\nsmart-meter;ja\r\n"

    # when
    with pytest.raises(ValidationError) as error:
        parse_questionnaire(data, "f.csv")

    # then
    assert error.value.messages == [TOO_SLOW]


def test_the_portal_refuses_such_a_file_with_the_message_and_imports_nothing(client, staff, edition, city):
    # given
    client.force_login(staff)
    data = with_sheet(
        template_xlsx(), lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:AX3000000"', xml)
    )

    # when
    response = client.post(
        f"/portal/{city.slug}/{edition.year}/import/", {"file": SimpleUploadedFile("fragebogen.xlsx", data)}
    )

    # then
    assert response.status_code == 400
    assert TOO_MANY_ROWS in response.content.decode()
    assert not Answer.objects.exists()
