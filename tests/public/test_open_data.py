"""Open data: the download page and the results/answers files of published editions, and recomputing from them."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Answer, City, Domain, Edition, Indicator, Parameter, Participation
from public import published_files
from public.opendata import recompute_from_open_data
from scoring import engine
from scoring.models import CityScore, DomainScore, ScoreRun
from scoring.services import edition_publish, scores_recompute
from tests import factories
from tests.scoring.test_services import answer_all, publish

RESULT_COLUMNS = [
    "city",
    "slug",
    "ags",
    "state",
    "population",
    "total",
    "rank",
    "previous_rank",
    "trend",
    "completeness",
    "rank_low",
    "rank_high",
    "rank_median",
    "domain:verwaltung:score",
    "domain:verwaltung:rank",
    "domain:verwaltung:bonus",
    "domain:mobilitaet:score",
    "domain:mobilitaet:rank",
    "domain:mobilitaet:bonus",
    "indicator:serviceportal:score",
    "indicator:serviceportal:rank",
    "indicator:energie:score",
    "indicator:energie:rank",
    "indicator:verkehr:score",
    "indicator:verkehr:rank",
    "is_demo",
]
ANSWER_COLUMNS = [
    "city",
    "ags",
    "parameter",
    "parameter_name",
    "kind",
    "value",
    "unit",
    "evidence_url",
    "as_of",
    "quelle_art",
    "quelle",
    "stand",
    "stand_veraltet",
    "population",
    "is_demo",
]
FILES = [("results", "csv"), ("results", "json"), ("answers", "csv"), ("answers", "json")]


def published_edition(editor, *, cities: int = 4, year: int = 2040, **settings) -> Edition:
    edition = factories.small_edition(cities=cities, year=year)
    if settings:
        Edition.objects.filter(pk=edition.pk).update(**settings)
        edition.refresh_from_db()
    answer_all(edition)
    publish(edition, editor)
    return edition


def file_content(response) -> bytes:
    """The body of a served open data file (streamed from storage)."""
    return b"".join(response.streaming_content)


def file_json(response):
    return json.loads(file_content(response))


def read_csv(response) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(file_content(response).decode("utf-8")))
    return reader.fieldnames, list(reader)


def assert_every_row(response, dataset: str, fmt: str, cities: int) -> None:
    """A served file with a row per city (results) or per city and parameter of small_edition (answers)."""
    assert response.status_code == 200
    rows = read_csv(response)[1] if fmt == "csv" else file_json(response)[dataset]
    assert len(rows) == cities * (1 if dataset == "results" else 5)


def answer(edition: Edition, city: City, key: str) -> Answer:
    return Answer.objects.get(edition=edition, city=city, parameter__key=key)


# --------------------------------------------------------------------------- download page


def test_the_download_page_lists_every_published_edition_with_its_files_and_licence(client, editor):
    # given
    published_edition(editor, year=2039)
    published_edition(editor, year=2040)
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    # when
    response = client.get("/daten/")

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Offene Daten</h1>" in content
    for year in (2039, 2040):
        assert f'<h2 id="edition-{year}-heading">Smart City Index {year}</h2>' in content
        for dataset, fmt in FILES:
            assert f'href="/daten/{year}/{dataset}.{fmt}" download="smart-city-index-{year}-{dataset}.{fmt}"' in content
    assert "2041" not in content
    assert content.index("edition-2040-heading") < content.index("edition-2039-heading")
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in content
    assert "recompute_from_open_data" in content
    run = ScoreRun.objects.get(edition__year=2040, is_published=True)
    assert f"<code>{run.input_hash}</code>" in content


def test_the_licence_comes_from_the_settings(client, editor, settings):
    settings.OPEN_DATA_LICENSE, settings.OPEN_DATA_LICENSE_URL = "dl-de/by-2-0", "https://www.govdata.de/dl-de/by-2-0"
    published_edition(editor)

    page = client.get("/daten/").content.decode()
    header = file_json(client.get("/daten/2040/answers.json"))["header"]

    assert '<a href="https://www.govdata.de/dl-de/by-2-0" rel="license">dl-de/by-2-0</a>' in page
    assert header["licence"] == {"name": "dl-de/by-2-0", "url": "https://www.govdata.de/dl-de/by-2-0"}


def test_without_a_published_edition_the_download_page_says_so(client, db):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    response = client.get("/daten/")

    assert response.status_code == 200
    assert "Es ist noch keine Ausgabe veröffentlicht." in response.content.decode()
    assert "/daten/2041/" not in response.content.decode()


@pytest.mark.parametrize("cities", [3, 30])
def test_the_download_page_runs_a_fixed_number_of_queries(client, editor, cities, django_assert_num_queries):
    published_edition(editor, cities=cities, year=2039)
    published_edition(editor, cities=cities, year=2040)

    # public editions, their published runs
    with django_assert_num_queries(2):
        response = client.get("/daten/")

    assert f"{cities} Städte" in response.content.decode()


# --------------------------------------------------------------------------- results


def test_results_csv_has_stable_columns_and_one_row_per_city_in_rank_order(client, editor):
    # given
    edition = published_edition(editor, cities=5)
    run = ScoreRun.objects.get(edition=edition, is_published=True)
    city = CityScore.objects.filter(run=run).select_related("city").get(rank=1).city
    domain = DomainScore.objects.get(run=run, city=city, domain__key="mobilitaet")

    # when
    response = client.get("/daten/2040/results.csv")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="smart-city-index-2040-results.csv"'
    columns, rows = read_csv(response)
    assert columns == RESULT_COLUMNS
    assert len(rows) == 5
    stored = list(CityScore.objects.filter(run=run).order_by("rank", "city__name").values_list("city__ags", "rank"))
    assert [(row["ags"], int(row["rank"])) for row in rows] == stored
    first = rows[0]
    assert first["city"] == city.name and first["slug"] == city.slug and first["state"] == "Nordrhein-Westfalen"
    assert first["ags"] == city.ags and first["population"] == "200000"
    assert first["total"] == repr(CityScore.objects.get(run=run, city=city).total)
    assert first["previous_rank"] == "" and first["trend"] == ""
    assert first["completeness"] == "1.0"
    assert (first["rank_low"], first["rank_high"], first["rank_median"]) == ("", "", "")  # no analysis yet
    assert first["domain:mobilitaet:score"] == repr(domain.score)
    assert first["domain:mobilitaet:rank"] == str(domain.rank)
    assert first["domain:mobilitaet:bonus"] == "0.0"
    assert "," not in first["total"].replace(".", "")  # a dot, never a decimal comma


def test_results_carry_previous_rank_and_trend(client, editor):
    # given: the same three cities in 2039 and in 2040
    published_edition(editor, cities=3, year=2039)
    edition = factories.small_edition(cities=0, year=2040)
    for city in City.objects.filter(participations__edition__year=2039):
        Participation.objects.create(edition=edition, city=city)
    answer_all(edition, seed=7)
    publish(edition, editor)
    before = dict(CityScore.objects.filter(run__edition__year=2039).values_list("city__ags", "rank"))

    # when
    _columns, rows = read_csv(client.get("/daten/2040/results.csv"))
    records = file_json(client.get("/daten/2040/results.json"))["results"]

    # then
    assert len(rows) == 3
    for row in rows:
        assert int(row["previous_rank"]) == before[row["ags"]]
        assert int(row["trend"]) == before[row["ags"]] - int(row["rank"])
    assert [(r["previous_rank"], r["trend"]) for r in records] == [
        (int(row["previous_rank"]), int(row["trend"])) for row in rows
    ]


def test_results_json_has_a_header_to_recompute_from_and_every_score(client, editor):
    # given
    edition = published_edition(editor, cities=3, missing_policy="mean")
    Parameter.objects.filter(indicator__domain__edition=edition, key="wartezeit").update(
        goal_worst=Decimal(60), goal_best=Decimal(1)
    )
    run = ScoreRun.objects.get(edition=edition, is_published=True)

    # when
    response = client.get("/daten/2040/results.json")

    # then
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'inline; filename="smart-city-index-2040-results.json"'
    data = file_json(response)
    assert list(data) == ["header", "results"]
    header = data["header"]
    assert header["dataset"] == "results"
    assert header["edition"] == {"year": 2040, "title": "Smart City Index 2040", "is_demo": False}
    assert header["published_at"] == run.published_at.isoformat()
    assert header["licence"] == {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
    assert header["run"] == {
        "input_hash": run.input_hash,
        "code_version": run.code_version,
        "city_count": 3,
        "approved_answer_count": 15,
    }
    assert header["methodology"] == run.methodology
    assert header["methodology"]["missing_policy"] == "mean"
    catalogue = header["catalogue"]["domains"]
    assert [d["key"] for d in catalogue] == ["verwaltung", "mobilitaet"]
    assert [i["key"] for i in catalogue[0]["indicators"]] == ["serviceportal", "energie"]
    wartezeit = catalogue[0]["indicators"][0]["parameters"][1]
    assert wartezeit == {
        "key": "wartezeit",
        "name_de": Parameter.objects.get(indicator__domain__edition=edition, key="wartezeit").name_de,
        "name_en": "",
        "kind": "number",
        "unit": "Tage",
        "weight": 1.0,
        "per_capita": False,
        "higher_is_better": False,
        "min": 0.0,
        "max": 365.0,
        "goalposts": {"worst": 60.0, "best": 1.0},
        "options": [],
        "source_de": "",
        "source_en": "",
    }
    smart_meter = catalogue[0]["indicators"][1]["parameters"][0]
    assert [(o["key"], o["points"]) for o in smart_meter["options"]] == [
        ("none", 0.0),
        ("planned", 0.5),
        ("live", 1.0),
    ]
    assert catalogue[1]["indicators"][0]["parameters"][1]["per_capita"] is True
    cities = City.objects.filter(participations__edition=edition).order_by("ags")
    assert header["cities"] == [
        {"ags": c.ags, "name": c.name, "slug": c.slug, "state": c.state, "population": c.population} for c in cities
    ]
    first = data["results"][0]
    score = CityScore.objects.select_related("city").get(run=run, rank=first["rank"], city__ags=first["ags"])
    assert first["total"] == score.total
    assert first["completeness"] == 1.0
    assert set(first) == {
        "city",
        "slug",
        "ags",
        "state",
        "population",
        "total",
        "rank",
        "previous_rank",
        "trend",
        "completeness",
        "rank_low",
        "rank_high",
        "rank_median",
        "domains",
        "indicators",
    }
    assert (first["rank_low"], first["rank_high"], first["rank_median"]) == (None, None, None)  # no analysis
    assert list(first["domains"]) == ["verwaltung", "mobilitaet"]
    assert set(first["domains"]["verwaltung"]) == {"score", "rank", "bonus"}
    assert list(first["indicators"]) == ["serviceportal", "energie", "verkehr"]
    assert [r["rank"] for r in data["results"]] == sorted(r["rank"] for r in data["results"])


# --------------------------------------------------------------------------- answers


def test_answers_csv_writes_every_kind_machine_readably(client, editor):
    # given
    edition = factories.small_edition(cities=2, year=2040)
    answer_all(edition)
    city = factories.cities_of(edition)[0]
    Answer.objects.filter(pk=answer(edition, city, "online-termine").pk).update(value_bool=False)
    Answer.objects.filter(pk=answer(edition, city, "smart-meter").pk).update(value_choice="planned")
    Answer.objects.filter(pk=answer(edition, city, "wartezeit").pk).update(
        value_number=Decimal("12.5"), as_of=date(2040, 3, 31), evidence_url="https://stadt.example/termine"
    )
    Answer.objects.filter(pk=answer(edition, city, "ladepunkte").pk).update(value_number=Decimal(1200))
    publish(edition, editor)

    # when
    response = client.get("/daten/2040/answers.csv")

    # then
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="smart-city-index-2040-answers.csv"'
    columns, rows = read_csv(response)
    assert columns == ANSWER_COLUMNS
    assert len(rows) == 2 * 5
    mine = [row for row in rows if row["ags"] == city.ags]
    assert [row["parameter"] for row in mine] == ["online-termine", "wartezeit", "smart-meter", "busse", "ladepunkte"]
    by_key = {row["parameter"]: row for row in mine}
    name = Parameter.objects.get(indicator__domain__edition=edition, key="wartezeit").name_de
    assert by_key["wartezeit"] == {
        "city": city.name,
        "ags": city.ags,
        "parameter": "wartezeit",
        "parameter_name": name,
        "kind": "number",
        "value": "12.5",
        "unit": "Tage",
        "evidence_url": "https://stadt.example/termine",
        "as_of": "2040-03-31",
        "quelle_art": "stadt",
        "quelle": "https://stadt.example/termine",
        "stand": "2040-03-31",
        "stand_veraltet": "false",
        "population": "",  # not per capita
        "is_demo": "false",
    }
    assert by_key["ladepunkte"]["population"] == str(city.population)  # per capita: the city's (no figures)
    assert by_key["online-termine"]["value"] == "false"
    assert by_key["online-termine"]["kind"] == "yes_no"
    assert by_key["smart-meter"]["value"] == "planned"
    assert by_key["ladepunkte"]["value"] == "1200"
    assert by_key["ladepunkte"]["unit"] == "Ladepunkte"
    assert by_key["busse"]["as_of"] == ""


def test_answers_json_keeps_value_types_and_the_innovation_bonus(client, editor):
    # given
    edition = factories.small_edition(cities=2, year=2040)
    answer_all(edition)
    city = factories.cities_of(edition)[0]
    Answer.objects.filter(pk=answer(edition, city, "wartezeit").pk).update(value_number=Decimal("12.5"))
    mobilitaet = Domain.objects.get(edition=edition, key="mobilitaet")
    factories.InnovationProjectFactory(domain=mobilitaet, city=city, bonus_points=Decimal("3.5"))
    publish(edition, editor)

    # when
    data = file_json(client.get("/daten/2040/answers.json"))

    # then
    assert list(data) == ["header", "answers", "innovation_bonus"]
    assert data["header"]["dataset"] == "answers"
    assert len(data["answers"]) == 10
    mine = {a["parameter"]: a for a in data["answers"] if a["ags"] == city.ags}
    assert mine["wartezeit"]["value"] == 12.5
    assert isinstance(mine["online-termine"]["value"], bool)
    assert mine["smart-meter"]["value"] in {"none", "planned", "live"}
    assert isinstance(mine["busse"]["value"], int)
    assert set(mine["busse"]) == set(ANSWER_COLUMNS) - {"is_demo"}  # the JSON says it once, in its header
    assert data["innovation_bonus"] == [{"ags": city.ags, "domain": "mobilitaet", "points": 3.5}]


def test_unapproved_answers_never_appear_in_the_files(client, editor):
    # given: one answer of each unapproved status, with a recognisable evidence URL
    edition = factories.small_edition(cities=3, year=2040)
    answer_all(edition)
    cities = factories.cities_of(edition)
    statuses = [Answer.Status.DRAFT, Answer.Status.SUBMITTED, Answer.Status.CHANGES_REQUESTED]
    for city, status in zip(cities, statuses, strict=True):
        Answer.objects.filter(pk=answer(edition, city, "busse").pk).update(
            status=status, evidence_url=f"https://geheim.example/{status}"
        )
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
    edition.refresh_from_db()
    edition_publish(user=editor, edition=edition, reason="Eine Antwort ist noch offen.")

    # when
    files = {
        (dataset, fmt): file_content(client.get(f"/daten/2040/{dataset}.{fmt}")).decode() for dataset, fmt in FILES
    }

    # then
    for content in files.values():
        assert "geheim.example" not in content
    _columns, rows = read_csv(client.get("/daten/2040/answers.csv"))
    assert len(rows) == 3 * 5 - 3
    assert [row["ags"] for row in rows if row["parameter"] == "busse"] == []
    assert len(json.loads(files[("answers", "json")])["answers"]) == 12
    assert json.loads(files[("answers", "json")])["header"]["run"]["approved_answer_count"] == 12


# --------------------------------------------------------------------------- every file


@pytest.mark.parametrize(("dataset", "fmt"), FILES)
def test_the_files_do_not_depend_on_the_page_language(client, editor, dataset, fmt):
    published_edition(editor, cities=3)

    german = client.get(f"/daten/2040/{dataset}.{fmt}")
    english = client.get(f"/en/daten/2040/{dataset}.{fmt}")

    assert german.status_code == english.status_code == 200
    assert file_content(german) == file_content(english)


@pytest.mark.parametrize(("dataset", "fmt"), FILES)
def test_an_unpublished_edition_has_no_files(client, editor, dataset, fmt):
    # given: one published edition, one in review with a (not yet published) run
    published_edition(editor, year=2040)
    review = factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)
    answer_all(review)
    scores_recompute(edition=review)

    assert client.get(f"/daten/2041/{dataset}.{fmt}").status_code == 404
    assert client.get(f"/daten/2035/{dataset}.{fmt}").status_code == 404
    assert client.get(f"/daten/2040/{dataset}.{fmt}").status_code == 200


@pytest.mark.parametrize("path", ["ergebnisse.csv", "results.xml", "answers.xlsx", "runs.json", "results.CSV"])
def test_unknown_datasets_and_formats_are_not_found(client, editor, path):
    published_edition(editor, year=2040)

    assert client.get(f"/daten/2040/{path}").status_code == 404


@pytest.mark.parametrize("cities", [3, 30])
@pytest.mark.parametrize(
    ("dataset", "fmt", "queries"),
    [
        # the published run's storage name (run, time of publishing, analysis: one query), the run with its
        # edition to build, + domains, indicators, parameters, city scores, + domain and indicator scores, rank
        # uncertainties
        ("results", "csv", 9),
        ("results", "json", 9),
        # ... + approved answers and the population figures (CSV), + domain scores for the bonus (JSON)
        ("answers", "csv", 8),
        ("answers", "json", 9),
    ],
)
def test_a_file_missing_from_storage_is_built_with_a_fixed_number_of_queries(
    client, editor, cities, dataset, fmt, queries, django_assert_num_queries
):
    published_edition(editor, cities=cities)

    with django_assert_num_queries(queries):
        response = client.get(f"/daten/2040/{dataset}.{fmt}")

    assert_every_row(response, dataset, fmt, cities)


@pytest.mark.parametrize("cities", [3, 30])
@pytest.mark.parametrize(("dataset", "fmt"), FILES)
def test_a_stored_file_is_served_with_one_query_whatever_the_number_of_cities(
    client, editor, cities, dataset, fmt, django_assert_num_queries
):
    # given: the files written after the publish
    published_edition(editor, cities=cities)
    published_files.published_files_write()

    # when: the published run's id, time of publishing and analysis (its storage name), in one query
    with django_assert_num_queries(1):
        response = client.get(f"/daten/2040/{dataset}.{fmt}")

    # then
    assert_every_row(response, dataset, fmt, cities)


# --------------------------------------------------------------------------- recomputing from the answers


@pytest.mark.parametrize(
    ("policy", "normalisation", "aggregation"),
    [
        ("worst", "minmax", "arithmetic"),
        ("exclude", "zscore", "geometric"),
        ("mean", "target", "arithmetic"),
        ("exclude", "minmax", "arithmetic"),
    ],
)
def test_the_ranking_can_be_recomputed_from_the_published_answers_alone(
    client, editor, policy, normalisation, aggregation
):
    # given: weights, goalposts, different populations, a bonus, gaps and unapproved answers
    edition = factories.small_edition(cities=12, year=2040)
    Edition.objects.filter(pk=edition.pk).update(
        missing_policy=policy, normalisation=normalisation, aggregation=aggregation, bonus_cap=Decimal(4)
    )
    edition.refresh_from_db()
    Domain.objects.filter(edition=edition, key="verwaltung").update(weight=Decimal(3))
    Indicator.objects.filter(domain__edition=edition, key="energie").update(weight=Decimal("0.25"))
    Parameter.objects.filter(indicator__domain__edition=edition, key="wartezeit").update(
        weight=Decimal(2), goal_worst=Decimal(90), goal_best=Decimal(5)
    )
    answer_all(edition, seed=3)
    cities = factories.cities_of(edition)
    for index, city in enumerate(cities):
        City.objects.filter(pk=city.pk).update(population=100_000 + 37_000 * index)
    Answer.objects.filter(edition=edition, city=cities[0], parameter__indicator__key="verkehr").delete()
    Answer.objects.filter(edition=edition, city=cities[1], parameter__key="smart-meter").update(
        status=Answer.Status.DRAFT
    )
    Answer.objects.filter(edition=edition, city=cities[2], parameter__key="ladepunkte").update(
        value_number=Decimal("17.25")
    )
    mobilitaet = Domain.objects.get(edition=edition, key="mobilitaet")
    factories.InnovationProjectFactory(domain=mobilitaet, city=cities[3], bonus_points=Decimal(5))  # capped at 4
    factories.InnovationProjectFactory(domain=mobilitaet, city=cities[4], bonus_points=Decimal("1.5"))
    publish(edition, editor)

    # when: only the published files are used
    answers_file = file_content(client.get("/daten/2040/answers.json"))
    published = file_json(client.get("/daten/2040/results.json"))["results"]
    recomputed = recompute_from_open_data(answers_file)

    # then
    assert len(recomputed) == 12
    for record in published:
        total, rank = recomputed[record["ags"]]
        assert total == pytest.approx(record["total"], abs=1e-9)
        assert rank == record["rank"]
    stored = dict(CityScore.objects.filter(run__edition=edition).values_list("city__ags", "total"))
    assert {ags: total for ags, (total, _rank) in recomputed.items()} == pytest.approx(stored, abs=1e-9)
    bonus = {(b["ags"], b["domain"]): b["points"] for b in json.loads(answers_file)["innovation_bonus"]}
    assert bonus == {(cities[3].ags, "mobilitaet"): 4.0, (cities[4].ags, "mobilitaet"): 1.5}


def test_recomputing_with_another_methodology_shows_how_robust_the_ranking_is(client, editor):
    # given: the first city did not answer one parameter; the edition counts gaps as 0 points
    edition = factories.small_edition(cities=5, year=2040)
    answer_all(edition)
    gap = factories.cities_of(edition)[0]
    Answer.objects.filter(edition=edition, city=gap, parameter__key="ladepunkte").delete()
    Answer.objects.filter(edition=edition, city=gap, parameter__key="busse").update(value_number=Decimal(99))
    publish(edition, editor)
    answers_file = file_json(client.get("/daten/2040/answers.json"))

    # when
    as_published = recompute_from_open_data(answers_file)
    excluding_gaps = recompute_from_open_data(answers_file, engine.Methodology(missing_policy="exclude"))

    # then: under 'exclude' the city's transport score rests on its (best) bus share alone
    assert as_published[gap.ags][0] == pytest.approx(CityScore.objects.get(city=gap).total, abs=1e-9)
    assert excluding_gaps[gap.ags][0] > as_published[gap.ags][0] + 1


def test_open_data_csv_neutralises_text_that_would_run_as_a_formula_and_keeps_negative_numbers(client, editor):
    # given: a city whose name an editor typed as a formula, and a negative value
    edition = factories.small_edition(cities=2, year=2040)
    answer_all(edition)
    city = factories.cities_of(edition)[0]
    City.objects.filter(pk=city.pk).update(name="=cmd|' /C calc'!A0")
    Answer.objects.filter(pk=answer(edition, city, "wartezeit").pk).update(value_number=Decimal("-3.5"))
    publish(edition, editor)

    # when
    answers = read_csv(client.get("/daten/2040/answers.csv"))[1]
    results = read_csv(client.get("/daten/2040/results.csv"))[1]

    # then
    mine = {row["parameter"]: row for row in answers if row["ags"] == city.ags}
    assert mine["wartezeit"]["city"] == "'=cmd|' /C calc'!A0"
    assert mine["wartezeit"]["value"] == "-3.5"
    assert [row["city"] for row in results if row["ags"] == city.ags] == ["'=cmd|' /C calc'!A0"]
