"""Open data for people (issue 18): the German Excel variant of every CSV file, and the marking of demo data."""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest

from indicators.models import Answer, Domain, Edition, Indicator
from public import published_files
from tests import factories
from tests.public.test_open_data import file_content, file_json, published_edition, read_csv
from tests.scoring.test_services import answer_all, publish

EXCEL = {"variant": "excel-de"}


def read_excel_de(response) -> tuple[bytes, list[str], list[list[str]]]:
    """(the first three bytes, the header, the rows) of a German Excel CSV, read as Excel would: `;`-separated."""
    content = file_content(response)
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return content[:3], rows[0], rows[1:]


def published(number: str) -> str:
    """A number of the standard file rounded to one decimal, half up, with a decimal comma (as the pages show it)."""
    return str(Decimal(number).quantize(Decimal("0.1"), ROUND_HALF_UP)).replace(".", ",")


# --------------------------------------------------------------------------- the German Excel variant


def test_the_excel_variant_of_the_results_has_the_same_rows_german_headers_and_rounded_values(client, editor):
    # given
    edition = published_edition(editor, cities=5)
    Domain.objects.filter(edition=edition, key="mobilitaet").update(name_de="Mobilität")
    Indicator.objects.filter(domain__edition=edition, key="verkehr").update(name_de="Verkehr")
    published_files.published_files_write()
    _columns, standard = read_csv(client.get("/daten/2040/results.csv"))

    # when
    response = client.get("/daten/2040/results.csv", EXCEL)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="smart-city-index-2040-results-excel-de.csv"'
    bom, header, rows = read_excel_de(response)
    assert bom == b"\xef\xbb\xbf"
    assert header[:10] == [
        "Stadt",
        "Kürzel",
        "AGS",
        "Bundesland",
        "Einwohner",
        "Gesamtwert",
        "Rang",
        "Vorjahresrang",
        "Tendenz",
        "Datenvollständigkeit (%)",
    ]
    assert header[-1] == "Demodaten"
    assert "Verkehr: Wert" in header
    column = {name: index for index, name in enumerate(header)}
    assert [row[column["Stadt"]] for row in rows] == [row["city"] for row in standard]
    assert [row[column["Rang"]] for row in rows] == [row["rank"] for row in standard]
    assert [row[column["Gesamtwert"]] for row in rows] == [published(row["total"]) for row in standard]
    assert [row[column["Verkehr: Wert"]] for row in rows] == [
        published(row["indicator:verkehr:score"]) for row in standard
    ]
    assert [row[column["Datenvollständigkeit (%)"]] for row in rows] == [
        str(round(float(row["completeness"]) * 100)) for row in standard
    ]
    assert {row[column["Demodaten"]] for row in rows} == {"nein"}
    # the standard file keeps full precision: some total has more than one decimal there
    assert any(len(row["total"].split(".")[-1]) > 1 for row in standard)


def test_the_excel_variant_of_the_answers_writes_decimal_commas_and_the_same_rows(client, editor):
    # given
    edition = factories.small_edition(cities=2, year=2040)
    answer_all(edition)
    city = factories.cities_of(edition)[0]
    Answer.objects.filter(edition=edition, city=city, parameter__key="wartezeit").update(value_number=Decimal("12.5"))
    publish(edition, editor)
    _columns, standard = read_csv(client.get("/daten/2040/answers.csv"))

    # when
    bom, header, rows = read_excel_de(client.get("/daten/2040/answers.csv", EXCEL))

    # then
    assert bom == b"\xef\xbb\xbf"
    assert header[:6] == ["Stadt", "AGS", "Parameter", "Parametername", "Typ", "Wert"]
    assert len(rows) == len(standard) == 10
    column = {name: index for index, name in enumerate(header)}
    mine = {row[column["Parameter"]]: row for row in rows if row[column["AGS"]] == city.ags}
    assert mine["wartezeit"][column["Wert"]] == "12,5"
    assert mine["online-termine"][column["Wert"]] in {"ja", "nein"}
    assert [(row[column["AGS"]], row[column["Parameter"]]) for row in rows] == [
        (row["ags"], row["parameter"]) for row in standard
    ]


@pytest.mark.parametrize(
    ("address", "query"),
    [
        ("/daten/2040/results.csv", {"variant": "excel"}),
        ("/daten/2040/results.json", EXCEL),
    ],
)
def test_an_unknown_variant_or_one_of_a_json_file_is_a_clear_400(client, editor, address, query):
    published_edition(editor)

    response = client.get(address, query)

    assert response.status_code == 400
    assert "Unbekannte Variante" in response.content.decode()


@pytest.mark.parametrize(("dataset", "queries"), [("results", 9), ("answers", 8)])
def test_the_excel_variant_is_built_with_the_queries_of_the_standard_file_and_served_stored_with_one(
    client, editor, dataset, queries, django_assert_num_queries
):
    # given
    published_edition(editor, cities=6)

    # when: missing from storage (as the standard file: see test_open_data)
    with django_assert_num_queries(queries):
        built = client.get(f"/daten/2040/{dataset}.csv", EXCEL)
    published_files.forget(2040, dataset, "excel-de")
    with django_assert_num_queries(1):
        stored = client.get(f"/daten/2040/{dataset}.csv", EXCEL)

    # then
    assert file_content(built) == file_content(stored)
    assert stored["ETag"]


def test_the_download_page_offers_a_file_for_excel_beside_each_csv_file(client, editor):
    published_edition(editor)

    content = client.get("/daten/").content.decode()

    for dataset in ("results", "answers"):
        assert (
            f'href="/daten/2040/{dataset}.csv?variant=excel-de" '
            f'download="smart-city-index-2040-{dataset}-excel-de.csv">für Excel</a>'
        ) in content
    assert "/daten/2040/results.json?variant" not in content


# --------------------------------------------------------------------------- demo data


@pytest.mark.parametrize(
    ("address", "query", "marked"),
    [
        ("/daten/2040/results.csv", {}, "true"),
        ("/daten/2040/answers.csv", {}, "true"),
        ("/daten/2040/results.csv", EXCEL, "ja"),
        ("/daten/2040/answers.csv", EXCEL, "ja"),
    ],
)
def test_every_csv_file_of_a_demo_edition_says_so_on_every_row_and_in_a_header(client, editor, address, query, marked):
    published_edition(editor, is_demo=True)
    published_files.published_files_write()

    response = client.get(address, query)

    assert response[published_files.opendata.DEMO_HEADER] == "true"
    if query:
        _bom, header, rows = read_excel_de(response)
        values = {row[header.index("Demodaten")] for row in rows}
    else:
        _columns, rows = read_csv(response)
        values = {row["is_demo"] for row in rows}
    assert rows
    assert values == {marked}


def test_the_json_files_of_a_demo_edition_say_so_and_a_real_editions_files_have_no_demo_header(client, editor):
    published_edition(editor, is_demo=True, year=2040)
    published_edition(editor, year=2041)

    demo = client.get("/daten/2040/answers.json")
    real = client.get("/daten/2041/results.csv")

    assert file_json(demo)["header"]["edition"]["is_demo"] is True
    assert demo["X-Demo-Data"] == "true"
    assert "X-Demo-Data" not in real
    assert {row["is_demo"] for row in read_csv(real)[1]} == {"false"}
    assert Edition.objects.get(year=2041).is_demo is False


def test_the_english_download_page_offers_the_file_for_excel_and_the_metadata(client, editor):
    published_edition(editor)

    content = client.get("/en/daten/").content.decode()

    assert 'download="smart-city-index-2040-results-excel-de.csv">for Excel</a>' in content
    assert "Metadata after DCAT-AP.de (JSON-LD)" in content
    assert "numbers in full precision (not rounded)" in content
