"""The public API for people (issue 18): the ranking CSV for German Excel, and demo editions marked in every
response (envelope or body, CSV column, X-Demo-Data header) and in the schema."""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from rest_framework.test import APIClient

from indicators.models import Edition
from tests.public.test_api import API, published_edition

EXCEL = {"format": "csv", "variant": "excel-de"}
CATALOGUE_LISTS = ("domains", "indicators", "parameters")


@pytest.fixture
def api():
    return APIClient()


def demo(edition: Edition) -> Edition:
    Edition.objects.filter(pk=edition.pk).update(is_demo=True)
    edition.refresh_from_db()
    return edition


def read_csv(response, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))


# --------------------------------------------------------------------------- the ranking for German Excel


def test_the_ranking_csv_for_excel_has_the_same_rows_with_german_headers_and_published_rounding(api, editor):
    # given
    published_edition(editor, cities=5)
    standard = read_csv(api.get(f"{API}/rankings/", {"format": "csv"}))

    # when
    response = api.get(f"{API}/rankings/", EXCEL)

    # then
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response["Content-Disposition"] == 'attachment; filename="smart-city-index-2040-ranking-excel-de.csv"'
    rows = read_csv(response, delimiter=";")
    german = "Rang Tendenz Stadt Kürzel AGS Bundesland Einwohner Gesamtwert".split()
    assert rows[0][:9] == [*german, "Datenvollständigkeit (%)"]
    assert rows[0][-1] == "Demodaten"
    assert len(rows) == len(standard) == 6
    header = standard[0]
    for german, original in zip(rows[1:], standard[1:], strict=True):
        assert german[2] == original[2]  # the city, same order
        expected = Decimal(original[header.index("total")]).quantize(Decimal("0.1"), ROUND_HALF_UP)
        assert german[7] == str(expected).replace(".", ",")
        assert german[-1] == "nein"


@pytest.mark.parametrize(
    ("query", "field"),
    [({"variant": "excel-de"}, "variant"), ({"format": "csv", "variant": "xlsx"}, "variant")],
)
def test_the_excel_variant_only_with_csv_and_only_excel_de_else_a_400(api, editor, query, field):
    published_edition(editor)

    response = api.get(f"{API}/rankings/", query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["errors"]


# --------------------------------------------------------------------------- demo editions


def test_the_ranking_of_a_demo_edition_says_so_in_its_envelope_its_csv_and_a_header(api, editor):
    demo(published_edition(editor))

    page = api.get(f"{API}/rankings/")
    table = api.get(f"{API}/rankings/", {"format": "csv"})
    excel = api.get(f"{API}/rankings/", EXCEL)

    assert page.json()["is_demo"] is True
    assert page["X-Demo-Data"] == table["X-Demo-Data"] == excel["X-Demo-Data"] == "true"
    rows = read_csv(table)
    assert rows[0][-1] == "is_demo"
    assert {row[-1] for row in rows[1:]} == {"true"}
    assert {row[-1] for row in read_csv(excel, delimiter=";")[1:]} == {"ja"}


def test_the_answers_and_city_scores_of_a_demo_edition_say_so(api, editor):
    demo(published_edition(editor))
    slug = api.get(f"{API}/rankings/").json()["results"][0]["city"]["slug"]

    answers = api.get(f"{API}/answers/")
    scores = api.get(f"{API}/cities/{slug}/scores/")
    history = api.get(f"{API}/cities/{slug}/history/")

    assert answers.json()["is_demo"] is True
    assert answers["X-Demo-Data"] == "true"
    assert scores.json()["is_demo"] is True
    assert scores["X-Demo-Data"] == "true"
    assert [entry["is_demo"] for entry in history.json()["history"]] == [True]


@pytest.mark.parametrize("demo_edition", [True, False])
def test_the_catalogue_of_an_edition_says_whether_it_is_demo_data(api, editor, demo_edition):
    # given
    edition = published_edition(editor)
    if demo_edition:
        demo(edition)

    # when
    lists = [api.get(f"{API}/{name}/", {"edition": edition.year}).json()["results"] for name in CATALOGUE_LISTS]

    # then: every domain, indicator and parameter of the edition
    assert all(lists)
    assert {item["is_demo"] for items in lists for item in items} == {demo_edition}


def test_a_real_edition_is_marked_as_not_demo_and_has_no_demo_header(api, editor):
    published_edition(editor)
    slug = api.get(f"{API}/rankings/").json()["results"][0]["city"]["slug"]

    ranking = api.get(f"{API}/rankings/")
    answers = api.get(f"{API}/answers/")
    scores = api.get(f"{API}/cities/{slug}/scores/")

    assert (ranking.json()["is_demo"], answers.json()["is_demo"], scores.json()["is_demo"]) == (False, False, False)
    assert not any("X-Demo-Data" in response for response in (ranking, answers, scores))


def test_an_error_of_a_demo_edition_has_no_demo_header(api, editor):
    demo(published_edition(editor))

    response = api.get(f"{API}/rankings/", {"domain": "unbekannt"})

    assert response.status_code == 400
    assert "X-Demo-Data" not in response


def test_the_schema_documents_the_demo_marking_and_the_excel_variant(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    components = schema["components"]["schemas"]
    for name in ("PaginatedPublicRankingRowList", "PaginatedPublicAnswerList"):
        assert components[name]["properties"]["is_demo"]["type"] == "boolean", name
        assert "is_demo" in components[name]["required"], name
    assert components["PublicCityScores"]["properties"]["is_demo"]["type"] == "boolean"
    assert components["PublicHistoryEntry"]["properties"]["is_demo"]["type"] == "boolean"
    parameters = schema["paths"]["/api/v1/rankings/"]["get"]["parameters"]
    (variant,) = [parameter for parameter in parameters if parameter["name"] == "variant"]
    assert variant["schema"]["enum"] == ["excel-de"]
    dcat = schema["paths"]["/api/v1/editions/{year}/dcat.jsonld"]["get"]["responses"]["200"]["content"]
    assert "application/ld+json" in dcat
