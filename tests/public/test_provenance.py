"""Where a published value comes from (issue 16, section 1): open data columns, the public API, the drill-down."""

import csv
import io
import re
from datetime import date

import pytest
from rest_framework.test import APIClient

from indicators.models import Answer, Parameter
from public.opendata import recompute_from_open_data
from scoring.models import CityScore
from tests import factories
from tests.public.test_open_data import file_content, file_json
from tests.scoring.test_services import answer_all, publish

Mode = Parameter.CollectionMode
SOURCE = "Bundesnetzagentur, Ladesäulenregister (Ladesaeulenregister.xlsx)"
RESEARCH_URL = "https://stadt.example/nahverkehrsplan.pdf"


def provenance_edition(editor, *, cities: int = 3):
    """A published edition: every city's `ladepunkte` imported from one official file (without an own as-of
    date, so the file's Stand counts), the first city's `busse` researched (Stand 1 March 2040), the rest
    the cities' own answers."""
    edition = factories.small_edition(cities=cities, year=2040)
    answer_all(edition)
    ladepunkte = factories.parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=ladepunkte.pk).update(collection_mode=Mode.OFFICIAL)
    imported = factories.OfficialImportFactory(parameter=ladepunkte)
    Answer.objects.filter(parameter=ladepunkte).update(
        source_kind=Mode.OFFICIAL, official_import=imported, source_rows=[7], evidence_url=""
    )
    first = factories.cities_of(edition)[0]
    Answer.objects.filter(parameter__key="busse", city=first, edition=edition).update(
        source_kind=Mode.RESEARCH,
        researched_by=factories.UserFactory(),
        evidence_url=RESEARCH_URL,
        as_of=date(2040, 3, 1),
    )
    publish(edition, editor)
    return edition, first


def test_the_answers_csv_says_where_each_value_comes_from(client, editor):
    edition, first = provenance_edition(editor)

    response = client.get("/daten/2040/answers.csv")

    rows = list(csv.DictReader(io.StringIO(file_content(response).decode("utf-8"))))
    mine = {row["parameter"]: row for row in rows if row["ags"] == first.ags}
    provenance = {key: (row["quelle_art"], row["quelle"], row["stand"]) for key, row in mine.items()}
    assert provenance == {
        "online-termine": ("stadt", "https://example.org/e", ""),
        "wartezeit": ("stadt", "https://example.org/e", ""),
        "smart-meter": ("stadt", "https://example.org/e", ""),
        "busse": ("recherche", RESEARCH_URL, "2040-03-01"),
        "ladepunkte": ("amtlich", SOURCE, "2019-07-19"),
    }
    assert sum(row["quelle_art"] == "amtlich" for row in rows) == 3
    assert list(rows[0])[-6:] == ["quelle_art", "quelle", "stand", "stand_veraltet", "population", "is_demo"]


def test_the_answers_json_carries_the_same_provenance_and_still_recomputes_the_ranking(client, editor):
    edition, first = provenance_edition(editor)

    data = file_json(client.get("/daten/2040/answers.json"))

    mine = {a["parameter"]: a for a in data["answers"] if a["ags"] == first.ags}
    assert (mine["ladepunkte"]["quelle_art"], mine["ladepunkte"]["quelle"], mine["ladepunkte"]["stand"]) == (
        "amtlich",
        SOURCE,
        "2019-07-19",
    )
    assert (mine["busse"]["quelle_art"], mine["busse"]["stand"]) == ("recherche", "2040-03-01")
    recomputed = recompute_from_open_data(data)
    stored = {
        s.city.ags: (s.total, s.rank) for s in CityScore.objects.filter(run__edition=edition).select_related("city")
    }
    assert {ags: rank for ags, (_total, rank) in recomputed.items()} == {
        ags: rank for ags, (_t, rank) in stored.items()
    }


def test_the_public_answers_api_has_the_provenance_fields(editor):
    edition, first = provenance_edition(editor)

    body = APIClient().get(f"/api/v1/answers/?edition=2040&city={first.slug}").json()

    fields = {row["parameter"]: (row["quelle_art"], row["quelle"], row["stand"]) for row in body["results"]}
    assert fields == {
        "online-termine": ("stadt", "https://example.org/e", None),
        "wartezeit": ("stadt", "https://example.org/e", None),
        "smart-meter": ("stadt", "https://example.org/e", None),
        "busse": ("recherche", RESEARCH_URL, "2040-03-01"),
        "ladepunkte": ("amtlich", SOURCE, "2019-07-19"),
    }


@pytest.mark.parametrize("cities", [3, 30])
def test_the_answers_api_with_official_values_runs_a_fixed_number_of_queries(
    editor, cities, django_assert_max_num_queries
):
    provenance_edition(editor, cities=cities)
    api = APIClient()
    plain = factories.small_edition(cities=cities, year=2041)
    answer_all(plain)
    publish(plain, editor)
    with django_assert_max_num_queries(100) as plain_queries:
        api.get("/api/v1/answers/?edition=2041&page_size=500")

    with django_assert_max_num_queries(len(plain_queries.captured_queries)):
        response = api.get("/api/v1/answers/?edition=2040&page_size=500")

    assert response.json()["count"] == cities * 5


def test_the_drill_down_shows_the_source_kind_and_stand(client, editor):
    edition, first = provenance_edition(editor)

    content = re.sub(r"\s+", " ", client.get(f"/stadt/{first.slug}/2040/").content.decode())

    articles = re.findall(r'<article class="parameter".*?</article>', content)
    by_kind = [re.search(r'<dd class="source-kind">(.*?)</dd>', article).group(1) for article in articles]
    assert by_kind == [
        "Angabe der Stadt",
        "Angabe der Stadt",
        "Angabe der Stadt",
        "Recherche",
        f"Amtliche Quelle: {SOURCE}",
    ]
    assert '<span class="note">(Stand 19.07.2019)</span>' in articles[4]
    assert '<span class="note">(Stand 01.03.2040)</span>' in articles[3]


@pytest.mark.parametrize("cities", [3, 30])
def test_the_profile_with_official_values_keeps_its_query_pin(client, editor, cities, django_assert_num_queries):
    edition, first = provenance_edition(editor, cities=cities)

    with django_assert_num_queries(18):  # as test_city's pin: the import is joined, not queried per answer
        response = client.get(f"/stadt/{first.slug}/2040/")

    assert response.content.decode().count('<dd class="source-kind">Amtliche Quelle: ') == 1
