"""The rank uncertainty (robustness analysis) on the public site, in the API and in the open data.

The analysis rows are written directly here, so these tests do not depend on the engine that computes them.
"""

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from indicators.models import City, Edition
from scoring.models import CityScore, RankUncertainty, ScoreRun, UncertaintyAnalysis
from tests import factories
from tests.public.test_open_data import file_content, file_json
from tests.public.test_ranking import published_edition, set_totals

API = "/api/v1"

# name: (official rank, median, low, high, {domain: [median, low, high]}, names not distinguishable from it)
# Consistent data: two cities are indistinguishable exactly when their overall intervals overlap.
ANALYSED = {
    "München": (1, 1.0, 1, 1, {"verwaltung": [1.0, 1, 2], "mobilitaet": [5.0, 3, 6]}, []),
    "Köln": (2, 2.0, 2, 3, {"verwaltung": [3.0, 2, 4], "mobilitaet": [6.0, 5, 6]}, ["Aachen", "Berlin"]),
    "Aachen": (3, 3.0, 2, 4, {"verwaltung": [2.0, 1, 3], "mobilitaet": [2.0, 1, 3]}, ["Köln", "Berlin", "Würzburg"]),
    "Berlin": (
        4,
        4.5,
        3,
        6,
        {"verwaltung": [4.0, 3, 6], "mobilitaet": [1.5, 1, 2]},
        ["Aachen", "Würzburg", "Köln", "Bonn"],
    ),
    "Würzburg": (5, 5.0, 4, 6, {"verwaltung": [5.0, 4, 6], "mobilitaet": [4.0, 3, 5]}, ["Berlin", "Bonn", "Aachen"]),
    "Bonn": (6, 6.0, 5, 6, {"verwaltung": [6.0, 5, 6], "mobilitaet": [3.0, 2, 4]}, ["Würzburg", "Berlin"]),
}
ALTERNATIVES = {"normalisation": ["minmax", "zscore"], "missing_policy": ["worst", "exclude"]}


def run_of(edition: Edition) -> ScoreRun:
    return ScoreRun.objects.get(edition=edition, is_published=True)


def analyse(run: ScoreRun, rows: dict[int, tuple[float, int, int, dict, list[int]]]) -> UncertaintyAnalysis:
    """Store an analysis of `run`: city id -> (median, low, high, domain ranks, indistinguishable city ids)."""
    UncertaintyAnalysis.objects.filter(run=run).delete()  # whatever the services may have computed
    analysis = UncertaintyAnalysis.objects.create(
        run=run, draws=1000, seed=20240917, weight_spread=0.2, alternatives=ALTERNATIVES, duration_ms=1234
    )
    UncertaintyAnalysis.objects.filter(pk=analysis.pk).update(created_at=datetime(2040, 5, 4, 12, tzinfo=UTC))
    RankUncertainty.objects.bulk_create(
        RankUncertainty(
            analysis=analysis,
            city_id=city_id,
            median_rank=median,
            rank_low=low,
            rank_high=high,
            domain_ranks=domain_ranks,
            indistinguishable=neighbours,
        )
        for city_id, (median, low, high, domain_ranks, neighbours) in rows.items()
    )
    return analysis


def analyse_around_ranks(edition: Edition) -> UncertaintyAnalysis:
    """An analysis of any published edition: every interval is rank ± 1, its neighbours the adjacent ranks."""
    run = run_of(edition)
    scores = list(CityScore.objects.filter(run=run).order_by("rank", "city_id"))
    domains = list(edition.domains.values_list("key", flat=True))
    rows = {}
    for index, score in enumerate(scores):
        low, high = max(1, score.rank - 1), min(len(scores), score.rank + 1)
        neighbours = [s.city_id for s in scores[max(0, index - 1) : index + 2] if s.city_id != score.city_id]
        domain_ranks = {key: [float(score.rank), low, high] for key in domains}
        rows[score.city_id] = (float(score.rank), low, high, domain_ranks, neighbours)
    return analyse(run, rows)


def without_analysis(edition: Edition) -> None:
    UncertaintyAnalysis.objects.filter(run__edition=edition).delete()


@pytest.fixture
def analysed(editor):
    """A published 2040 edition of six named cities with fixed ranks (as in test_public_ranking) and a stored
    robustness analysis (ANALYSED)."""
    edition = published_edition(editor)
    names = list(ANALYSED)
    for index, city in enumerate(factories.cities_of(edition)):
        City.objects.filter(pk=city.pk).update(name=names[index], state="Bayern" if index % 2 else "Hessen")
    set_totals(edition, {name: (90.0 - 10 * row[0], row[0], None) for name, row in ANALYSED.items()})
    ids = dict(City.objects.filter(name__in=names).values_list("name", "pk"))
    analyse(
        run_of(edition),
        {
            ids[name]: (median, low, high, domains, [ids[other] for other in neighbours])
            for name, (_rank, median, low, high, domains, neighbours) in ANALYSED.items()
        },
    )
    return edition


@pytest.fixture
def api():
    return APIClient()


def slug(name: str) -> str:
    return City.objects.get(name=name).slug


def squash(content: str) -> str:
    return re.sub(r"\s+", " ", content)


# A row: rank, city, total, then the interval (the span after the columns a phone shows first).
INTERVAL_ROW = re.compile(
    r'<td class="rank">(?P<rank>\d+)</td>\s*<th scope="row"><a href="[^"]+">(?P<name>[^<]+)</a></th>'
    r'\s*<td class="total[^"]*">[^<]*</td>\s*<td class="interval">(?P<interval>[^<]*)</td>',
)


def interval_rows(response) -> list[tuple[int, str, str]]:
    return [
        (int(row["rank"]), row["interval"], row["name"]) for row in INTERVAL_ROW.finditer(response.content.decode())
    ]


# --------------------------------------------------------------------------- ranking page


def test_the_ranking_shows_each_citys_interval_beside_its_rank(client, analysed):
    response = client.get("/ranking/2040/")

    assert response.status_code == 200
    content = response.content.decode()
    assert interval_rows(response) == [
        (1, "1–1", "München"),
        (2, "2–3", "Köln"),
        (3, "2–4", "Aachen"),
        (4, "3–6", "Berlin"),
        (5, "4–6", "Würzburg"),
        (6, "5–6", "Bonn"),
    ]
    header = re.search(r'<th scope="col" class="interval">(.*?)</th>', content, re.S).group(1)
    assert header.startswith("Spanne (5–95 %) ")
    assert 'href="/methodik/2040/#unsicherheit"' in header
    assert 'id="interval-note"' in content and "In 90 % der Rechenvarianten" in content


def test_sorted_by_a_domain_the_ranking_shows_the_domains_interval(client, analysed):
    response = client.get("/ranking/2040/?sortierung=mobilitaet")

    shown = {name: interval for _rank, interval, name in interval_rows(response)}
    assert shown == {name: "{1}–{2}".format(*row[4]["mobilitaet"]) for name, row in ANALYSED.items()}
    assert shown["Berlin"] == "1–2" and shown["München"] == "3–6"


def test_a_filtered_ranking_keeps_the_intervals(client, analysed):
    response = client.get("/ranking/2040/?land=Bayern")

    assert interval_rows(response) == [(2, "2–3", "Köln"), (4, "3–6", "Berlin"), (6, "5–6", "Bonn")]


def test_without_an_analysis_the_ranking_has_no_interval_column(client, analysed):
    without_analysis(analysed)

    content = client.get("/ranking/2040/").content.decode()

    assert "Spanne" not in content
    assert 'class="interval"' not in content
    assert "#unsicherheit" not in content
    assert content.count('<td class="rank">') == 6


# --------------------------------------------------------------------------- city profile


def test_the_profile_says_where_the_rank_plausibly_lies_and_from_whom_it_is_not_distinguishable(client, analysed):
    response = client.get(f"/stadt/{slug('Berlin')}/2040/")

    assert response.status_code == 200
    content = squash(response.content.decode())
    assert '<dt>Rang</dt><dd><strong>4</strong> von 6, <span class="interval">plausibel 3–6</span></dd>' in content
    neighbours = re.search(r'<p class="uncertainty">(.*?)</p>', content).group(1)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', neighbours)
    assert neighbours.startswith("Nicht unterscheidbar von: ")
    assert links == [
        *[(f"/stadt/{slug(name)}/2040/", name) for name in ("Aachen", "Würzburg", "Köln", "Bonn")],
        ("/methodik/2040/#unsicherheit", "Was die Spanne bedeutet"),
    ]


def test_the_profile_shows_each_domains_interval(client, analysed):
    content = squash(client.get(f"/stadt/{slug('Berlin')}/2040/").content.decode())

    table = re.search(r'<table class="domains">(.*?)</table>', content).group(1)
    assert '<th scope="col">Rang</th><th scope="col">Spanne (5–95 %)</th>' in table
    assert re.findall(r'<td class="interval">([^<]*)</td>', table) == ["3–6", "1–2"]


def test_a_city_whose_interval_overlaps_no_other_is_said_to_be_distinguishable(client, analysed):
    content = squash(client.get(f"/stadt/{slug('München')}/2040/").content.decode())

    assert '<span class="interval">plausibel 1–1</span>' in content
    assert "Nicht unterscheidbar" not in content
    assert "Die Spanne überschneidet sich mit keiner anderen Stadt: Der Rang ist eindeutig." in content


def test_without_an_analysis_the_profile_shows_no_interval(client, analysed):
    without_analysis(analysed)

    content = squash(client.get(f"/stadt/{slug('Berlin')}/2040/").content.decode())

    assert "<dt>Rang</dt><dd><strong>4</strong> von 6</dd>" in content
    assert "plausibel" not in content
    assert "unterscheidbar" not in content
    assert "Spanne" not in content and 'class="interval"' not in content


# --------------------------------------------------------------------------- API


def interval(median: float, low: int, high: int) -> dict:
    return {"median": median, "low": low, "high": high}


def test_the_api_ranking_gives_every_row_and_domain_its_interval(api, analysed):
    rows = api.get(f"{API}/rankings/").json()["results"]

    by_name = {row["city"]["name"]: row for row in rows}
    for name, (_rank, median, low, high, domains, _neighbours) in ANALYSED.items():
        assert by_name[name]["rank_interval"] == interval(median, low, high)
        assert [d["rank_interval"] for d in by_name[name]["domains"]] == [
            interval(*domains["verwaltung"]),
            interval(*domains["mobilitaet"]),
        ]
    assert by_name["Berlin"]["rank_interval"] == {"median": 4.5, "low": 3, "high": 6}


def test_an_api_domain_ranking_gives_the_domains_interval_and_an_indicator_ranking_none(api, analysed):
    domain = api.get(f"{API}/rankings/", {"domain": "mobilitaet"}).json()["results"]
    indicator = api.get(f"{API}/rankings/", {"indicator": "verkehr"}).json()["results"]

    assert {row["city"]["name"]: row["rank_interval"] for row in domain} == {
        name: interval(*row[4]["mobilitaet"]) for name, row in ANALYSED.items()
    }
    assert [row["rank_interval"] for row in indicator] == [None] * 6


def test_a_citys_api_scores_give_its_intervals_and_the_indistinguishable_cities(api, analysed):
    body = api.get(f"{API}/cities/{slug('Berlin')}/scores/").json()

    assert body["rank"] == 4
    assert body["rank_interval"] == {"median": 4.5, "low": 3, "high": 6}
    assert body["indistinguishable_from"] == [slug(name) for name in ("Aachen", "Würzburg", "Köln", "Bonn")]
    assert [(d["key"], d["rank_interval"]) for d in body["domains"]] == [
        ("verwaltung", interval(4.0, 3, 6)),
        ("mobilitaet", interval(1.5, 1, 2)),
    ]
    assert api.get(f"{API}/cities/{slug('München')}/scores/").json()["indistinguishable_from"] == []


def test_without_an_analysis_the_api_intervals_are_null(api, analysed):
    without_analysis(analysed)

    ranking = api.get(f"{API}/rankings/").json()["results"]
    scores = api.get(f"{API}/cities/{slug('Berlin')}/scores/").json()

    assert {row["rank_interval"] for row in ranking} == {None}
    assert {d["rank_interval"] for row in ranking for d in row["domains"]} == {None}
    assert (scores["rank_interval"], scores["indistinguishable_from"]) == (None, None)
    assert [d["rank_interval"] for d in scores["domains"]] == [None, None]


# --------------------------------------------------------------------------- methodology


def test_the_methodology_explains_the_analysis_from_its_stored_settings(client, analysed):
    response = client.get("/methodik/2040/")

    content = squash(response.content.decode())
    section = re.search(r'<section class="uncertainty" id="unsicherheit".*?</section>', content).group(0)
    text = squash(re.sub(r"<[^>]+>", " ", section))
    assert "Wie sicher sind die Ränge?" in text
    assert "Das Ranking wurde 1.000-mal neu berechnet" in text
    assert "Ziehungen (Neuberechnungen) 1.000" in text
    assert "Gewichte der Themenbereiche und Indikatoren je Ziehung zufällig um bis zu ±20 % verändert" in text
    assert "Normierung je Ziehung zufällig eine von: relativ zum Feld (Min-Max), z-Wert" in text
    assert (
        "Umgang mit fehlenden Daten je Ziehung zufällig eine von: schlechtester Wert (0 Punkte), "
        "ausschließen (Neugewichtung)" in text
    )
    assert "Startwert des Zufallsgenerators 20240917" in text
    assert "Berechnet am 4. Mai 2040" in text
    assert "vom 5. bis zum 95. Perzentil" in text
    assert "nicht unterscheidbar, wenn sich ihre Spannen überschneiden" in text
    assert "Der offizielle Rang wird allein mit der veröffentlichten Methodik dieser Ausgabe berechnet" in text
    assert "Mit dem Startwert 20240917 und denselben Eingaben" in text


def test_an_alternative_that_was_not_varied_is_named_as_such(client, analysed):
    UncertaintyAnalysis.objects.filter(run__edition=analysed).update(
        alternatives={"normalisation": ["minmax"], "missing_policy": []}, weight_spread=0.15
    )

    text = squash(re.sub(r"<[^>]+>", " ", client.get("/methodik/2040/").content.decode()))

    assert "Normierung nicht variiert: relativ zum Feld (Min-Max)" in text
    assert "Umgang mit fehlenden Daten nicht variiert" in text
    assert "±15 %" in text


def test_without_an_analysis_the_methodology_says_it_is_not_computed_yet(client, analysed):
    without_analysis(analysed)

    content = squash(client.get("/methodik/2040/").content.decode())

    section = re.search(r'<section class="uncertainty" id="unsicherheit".*?</section>', content).group(0)
    assert "Die Robustheitsanalyse dieser Berechnung ist noch nicht berechnet." in section
    assert "Startwert" not in content


# --------------------------------------------------------------------------- open data


def test_the_results_files_carry_each_citys_interval(client, analysed):
    rows = list(csv.DictReader(io.StringIO(file_content(client.get("/daten/2040/results.csv")).decode())))
    records = file_json(client.get("/daten/2040/results.json"))["results"]

    expected = {name: (str(low), str(high), repr(median)) for name, (_r, median, low, high, _d, _n) in ANALYSED.items()}
    assert {row["city"]: (row["rank_low"], row["rank_high"], row["rank_median"]) for row in rows} == expected
    assert {r["city"]: (r["rank_low"], r["rank_high"], r["rank_median"]) for r in records} == {
        name: (low, high, median) for name, (_r, median, low, high, _d, _n) in ANALYSED.items()
    }


def test_without_an_analysis_the_results_columns_are_empty(client, analysed):
    without_analysis(analysed)

    rows = list(csv.DictReader(io.StringIO(file_content(client.get("/daten/2040/results.csv")).decode())))
    records = file_json(client.get("/daten/2040/results.json"))["results"]

    assert {(row["rank_low"], row["rank_high"], row["rank_median"]) for row in rows} == {("", "", "")}
    assert {(r["rank_low"], r["rank_high"], r["rank_median"]) for r in records} == {(None, None, None)}


# --------------------------------------------------------------------------- queries: the same with an analysis

# The same pins as without an analysis (test_public_ranking, test_public_city, test_public_methodology,
# test_open_data, tests/public/test_api): reading the analysis costs the same whatever it holds.
PAGE_PINS = [
    ("/ranking/2040/", 7),
    ("/ranking/2040/?sortierung=mobilitaet&land=Nordrhein-Westfalen", 7),
    ("/stadt/{slug}/2040/", 18),  # the run's first visit: its baseline computed (test_city)
    ("/methodik/2040/", 9),  # + origins, official sources, the cities' checks (issue 16)
    # the files as built when missing from storage (the storage name in one query, then the run with its
    # edition, test_open_data); stored: 1
    ("/daten/2040/results.csv", 9),
    ("/daten/2040/results.json", 9),
    (f"{API}/rankings/", 6),
    (f"{API}/rankings/?domain=mobilitaet", 6),
    (f"{API}/cities/{{slug}}/scores/", 7),
]


@pytest.mark.parametrize("cities", [3, 30])
@pytest.mark.parametrize(("url", "queries"), PAGE_PINS)
def test_with_an_analysis_every_page_runs_the_same_fixed_number_of_queries(
    client, editor, cities, url, queries, django_assert_num_queries
):
    edition = published_edition(editor, cities=cities)
    analyse_around_ranks(edition)
    city = CityScore.objects.filter(run__edition=edition).order_by("rank", "city_id").select_related("city")[1].city

    with django_assert_num_queries(queries):
        response = client.get(url.format(slug=city.slug))

    assert response.status_code == 200
    content = (file_content(response) if response.streaming else response.content).decode()
    if url.startswith("/ranking/"):
        assert content.count('<td class="interval">') == content.count('<td class="rank">') > 0
    elif url.startswith("/stadt/"):
        assert '<span class="interval">plausibel ' in content and "Nicht unterscheidbar von:" in content
    elif url.startswith("/methodik/"):
        assert "Startwert des Zufallsgenerators" in content
    elif url.endswith(".csv"):
        assert all(row["rank_low"] for row in csv.DictReader(io.StringIO(content)))
    elif url.endswith(".json"):
        assert all(record["rank_low"] is not None for record in json.loads(content)["results"])
    elif "scores" in url:
        assert response.json()["rank_interval"] is not None and response.json()["indistinguishable_from"]
    else:
        assert all(row["rank_interval"] is not None for row in response.json()["results"])
