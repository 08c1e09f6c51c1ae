"""Cells of the files people open in a spreadsheet program: text that would run as a formula is neutralised."""

import csv
import io

import pytest

from smartcity import spreadsheet


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("https://evil.example","Klick")', '\'=HYPERLINK("https://evil.example","Klick")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        # numbers stay numbers, text that starts otherwise stays as it is
        ("-3.5", "-3.5"),
        ("-3,5", "-3,5"),
        ("+49", "+49"),
        ("-1.234,5", "-1.234,5"),
        ("-1.5e-07", "-1.5e-07"),
        ("München", "München"),
        ("laut Bürgeramt; = Stichprobe", "laut Bürgeramt; = Stichprobe"),
        ("", ""),
    ],
)
def test_a_text_cell_that_would_run_as_a_formula_gets_a_leading_apostrophe(cell, written):
    assert spreadsheet.safe_cell(cell) == written


@pytest.mark.parametrize("cell", [None, 3, -3.5, True])
def test_cells_that_are_not_text_are_left_to_the_writer(cell):
    assert spreadsheet.safe_cell(cell) is cell


def test_the_csv_writer_neutralises_every_row_and_keeps_the_dialect():
    buffer = io.StringIO()
    writer = spreadsheet.csv_writer(buffer, delimiter=";", lineterminator="\r\n")

    writer.writerow(["name", "wert"])
    writer.writerows([["=1+1", "-3,5"], ["Bochum", None]])

    assert buffer.getvalue() == "name;wert\r\n'=1+1;-3,5\r\nBochum;\r\n"
    assert list(csv.reader(io.StringIO(buffer.getvalue()), delimiter=";")) == [
        ["name", "wert"],
        ["'=1+1", "-3,5"],
        ["Bochum", ""],
    ]


@pytest.mark.parametrize(
    ("cell", "read"),
    [("'=1+1", "=1+1"), ("'-2+3+cmd|x", "-2+3+cmd|x"), ("'Bochum", "'Bochum"), ("'-3,5", "'-3,5"), ("=1", "=1")],
)
def test_reading_back_drops_only_the_apostrophe_the_writer_added(cell, read):
    assert spreadsheet.unescape_cell(cell) == read


def test_no_module_writes_csv_without_the_helper():
    # given: every Python file of the project's apps
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    apps = ["indicators", "scoring", "public", "api", "webhooks", "smartcity"]
    offenders = [
        str(path.relative_to(root))
        for app in apps
        for path in (root / app).rglob("*.py")
        if path.name != "spreadsheet.py"
        and any(call in path.read_text() for call in ("csv.writer(", "csv.DictWriter("))
    ]

    assert offenders == []
