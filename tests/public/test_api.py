"""The public, read-only API v1: content against the stored run, filters, ordering, CSV, pagination, errors,
unpublished data invisible, conditional GET, CORS, throttling and fixed query counts."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from indicators.models import Answer, City, Edition, Parameter, Participation
from scoring.models import CityScore, DomainScore, IndicatorScore, ScoreRun
from scoring.services import scores_recompute
from tests import factories
from tests.scoring.test_services import answer_all, publish

API = "/api/v1"
NAMED_CITIES = [  # name, slug, state, population (cities_of order)
    ("Aachen", "aachen", "Nordrhein-Westfalen", 250_000),
    ("Berlin", "berlin", "Berlin", 3_800_000),
    ("Bonn", "bonn", "Nordrhein-Westfalen", 330_000),
    ("Köln", "koeln", "Nordrhein-Westfalen", 1_080_000),
    ("München", "muenchen", "Bayern", 1_500_000),
    ("Würzburg", "wuerzburg", "Bayern", 127_000),
]
# name: (total, rank, previous rank)
TOTALS = {
    "München": (88.25, 1, 3),
    "Köln": (80.0, 2, 1),
    "Aachen": (70.0, 3, None),
    "Berlin": (60.0, 4, 2),
    "Würzburg": (50.0, 5, 6),
    "Bonn": (40.0, 6, 5),
}
# name: (mobility score, rank, previous rank, bonus)
MOBILITY = {  # in the expected order: ties share a rank and are listed by name
    "Bonn": (95.5, 1, 2, 3.0),
    "Aachen": (90.0, 2, 1, 0.0),
    "Berlin": (90.0, 2, None, 0.0),
    "Würzburg": (40.0, 4, 4, 0.0),
    "München": (30.0, 5, 3, 1.5),
    "Köln": (10.0, 6, 5, 0.0),
}
# name: (traffic indicator score, rank, raw)
TRAFFIC = {
    "Köln": (100.0, 1, 0.75),
    "Aachen": (62.5, 2, 0.5),
    "München": (62.5, 2, 0.5),
    "Bonn": (20.0, 4, 0.2),
    "Würzburg": (0.0, 5, 0.1),
    "Berlin": (None, 6, None),
}


def published_edition(editor, *, cities: int = 3, year: int = 2040, **parameter_changes) -> Edition:
    edition = factories.small_edition(cities=cities, year=year)
    for key, changes in parameter_changes.items():
        Parameter.objects.filter(indicator__domain__edition=edition, key=key.replace("_", "-")).update(**changes)
    answer_all(edition)
    publish(edition, editor)
    return edition


def run_of(edition: Edition) -> ScoreRun:
    return ScoreRun.objects.get(edition=edition, is_published=True)


def city_ref(city: City) -> dict:
    return {"slug": city.slug, "name": city.name, "ags": city.ags, "state": city.state, "population": city.population}


def error(message: str, code: str, errors: dict | None = None) -> dict:
    return {"message": message, "code": code, "errors": errors or {}}


def invalid(**errors) -> dict:
    return error("Die Eingaben sind ungültig.", "invalid", {field: [message] for field, message in errors.items()})


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def names(response) -> list[str]:
    return [row["city"]["name"] if "city" in row else row["name"] for row in response.json()["results"]]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def ranked(editor):
    """The published 2040 edition of six named cities with fixed totals, mobility scores and traffic scores,
    goalposts on "busse"; and an older published 2039 edition of three other cities."""
    published_edition(editor, year=2039)
    edition = published_edition(editor, cities=6, year=2040, busse={"goal_worst": 10, "goal_best": 90})
    for city, (name, slug, state, population) in zip(factories.cities_of(edition), NAMED_CITIES, strict=True):
        City.objects.filter(pk=city.pk).update(name=name, slug=slug, state=state, population=population)
    run = run_of(edition)
    for name, (total, rank, previous_rank) in TOTALS.items():
        CityScore.objects.filter(run=run, city__name=name).update(total=total, rank=rank, previous_rank=previous_rank)
    for name, (score, rank, previous_rank, bonus) in MOBILITY.items():
        DomainScore.objects.filter(run=run, city__name=name, domain__key="mobilitaet").update(
            score=score, rank=rank, previous_rank=previous_rank, bonus=bonus
        )
    for name, (score, rank, raw) in TRAFFIC.items():
        IndicatorScore.objects.filter(run=run, city__name=name, indicator__key="verkehr").update(
            score=score, rank=rank, raw=raw
        )
    return edition


@pytest.fixture
def hidden(db):
    """An edition in review (2041) with approved answers and a score run: none of it may be public."""
    edition = factories.small_edition(cities=2, year=2041)
    for number, city in enumerate(factories.cities_of(edition), start=1):
        City.objects.filter(pk=city.pk).update(name=f"Geheimstadt {number}", slug=f"geheimstadt-{number}")
    answer_all(edition)
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
    edition.refresh_from_db()
    run, _created = scores_recompute(edition=edition)
    assert run.city_count == 2 and run.is_published is False
    return edition


def city(slug: str) -> City:
    return City.objects.get(slug=slug)


# --------------------------------------------------------------------------- editions


def edition_links(year: int) -> dict:
    base = "http://testserver"
    return {
        "self": f"{base}{API}/editions/{year}/",
        "methodology": f"{base}{API}/editions/{year}/methodology/",
        "rankings": f"{base}{API}/rankings/?edition={year}",
        "answers": f"{base}{API}/answers/?edition={year}",
        "domains": f"{base}{API}/domains/?edition={year}",
        "indicators": f"{base}{API}/indicators/?edition={year}",
        "parameters": f"{base}{API}/parameters/?edition={year}",
        "page": f"{base}/ranking/{year}/",
        "results_csv": f"{base}/daten/{year}/results.csv",
        "results_json": f"{base}/daten/{year}/results.json",
        "answers_csv": f"{base}/daten/{year}/answers.csv",
        "answers_json": f"{base}/daten/{year}/answers.json",
        "results_csv_excel": f"{base}/daten/{year}/results.csv?variant=excel-de",
        "answers_csv_excel": f"{base}/daten/{year}/answers.csv?variant=excel-de",
        "dcat": f"{base}{API}/editions/{year}/dcat.jsonld",
    }


def test_editions_lists_the_published_editions_newest_first_with_links(api, ranked, hidden):
    # when
    response = api.get(f"{API}/editions/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    published_at = [datetime.fromisoformat(row.pop("published_at")) for row in body["results"]]
    assert published_at == [run_of(ranked).published_at, ScoreRun.objects.get(edition__year=2039).published_at]
    assert body["results"] == [
        {
            "year": 2040,
            "title": "Smart City Index 2040",
            "is_demo": False,
            "city_count": 6,
            "links": edition_links(2040),
        },
        {
            "year": 2039,
            "title": "Smart City Index 2039",
            "is_demo": False,
            "city_count": 3,
            "links": edition_links(2039),
        },
    ]


def test_an_edition_is_read_by_its_year(api, ranked):
    response = api.get(f"{API}/editions/2040/")

    assert response.status_code == 200
    body = response.json()
    assert datetime.fromisoformat(body.pop("published_at")) == run_of(ranked).published_at
    assert body == {
        "year": 2040,
        "title": "Smart City Index 2040",
        "is_demo": False,
        "city_count": 6,
        "links": edition_links(2040),
    }


@pytest.mark.parametrize("path", ["editions/{year}/", "editions/{year}/methodology/"])
@pytest.mark.parametrize("year", [2041, 1999])
def test_an_unpublished_or_unknown_edition_is_404_with_the_same_message(api, ranked, hidden, path, year):
    response = api.get(f"{API}/{path.format(year=year)}")

    assert response.status_code == 404
    assert response.json() == error(f"Es gibt keine veröffentlichte Ausgabe {year}.", "not_found")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("editions/null,null/", "Es gibt keine veröffentlichte Ausgabe null,null."),
        ("editions/-1/methodology/", "Es gibt keine veröffentlichte Ausgabe -1."),
        ("cities/K%C3%B6ln%20!/", "Keine Stadt „Köln !“ in einer veröffentlichten Ausgabe."),
        ("cities/%25/scores/", "Keine Stadt „%“ in einer veröffentlichten Ausgabe."),
    ],
)
def test_a_malformed_path_segment_is_a_404_in_the_error_shape(api, ranked, path, message):
    response = api.get(f"{API}/{path}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == error(message, "not_found")


def test_the_methodology_is_the_published_runs_as_data(api, ranked):
    # given
    run = run_of(ranked)

    # when
    response = api.get(f"{API}/editions/2040/methodology/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert datetime.fromisoformat(body.pop("published_at")) == run.published_at
    assert body == {
        "year": 2040,
        "input_hash": run.input_hash,
        "code_version": run.code_version,
        "city_count": 6,
        "approved_answer_count": 30,
        "normalisation": "minmax",
        "aggregation": "arithmetic",
        "missing_policy": "worst",
        "bonus_cap": 5.0,
        "domain_weights": {"verwaltung": 1.0, "mobilitaet": 1.0},
        "indicator_weights": {"serviceportal": 1.0, "energie": 1.0, "verkehr": 1.0},
        "parameters": {
            "online-termine": {
                "kind": "yes_no",
                "weight": 1.0,
                "higher_is_better": True,
                "per_capita": False,
                "goalposts": None,
            },
            "wartezeit": {
                "kind": "number",
                "weight": 1.0,
                "higher_is_better": False,
                "per_capita": False,
                "goalposts": None,
            },
            "smart-meter": {
                "kind": "choice",
                "weight": 1.0,
                "higher_is_better": True,
                "per_capita": False,
                "goalposts": None,
            },
            "busse": {
                "kind": "percentage",
                "weight": 1.0,
                "higher_is_better": True,
                "per_capita": False,
                "goalposts": [10.0, 90.0],
            },
            "ladepunkte": {
                "kind": "count",
                "weight": 1.0,
                "higher_is_better": True,
                "per_capita": True,
                "goalposts": None,
            },
        },
    }
    assert body["input_hash"] and len(body["input_hash"]) == 64


# --------------------------------------------------------------------------- catalogue


def test_domains_of_an_edition_in_order(api, ranked, hidden):
    response = api.get(f"{API}/domains/", {"edition": 2040})

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "edition": 2040,
                "is_demo": False,
                "key": "verwaltung",
                "name_de": "Verwaltung",
                "name_en": ranked.domains.get(key="verwaltung").name_en,
                "weight": 1.0,
                "position": 0,
            },
            {
                "edition": 2040,
                "is_demo": False,
                "key": "mobilitaet",
                "name_de": "Mobilität",
                "name_en": ranked.domains.get(key="mobilitaet").name_en,
                "weight": 1.0,
                "position": 1,
            },
        ],
    }


def test_catalogue_lists_cover_every_published_edition_newest_first_without_a_filter(api, ranked, hidden):
    domains = api.get(f"{API}/domains/").json()["results"]
    indicators = api.get(f"{API}/indicators/").json()["results"]
    parameters = api.get(f"{API}/parameters/").json()["results"]

    assert [(row["edition"], row["key"]) for row in domains] == [
        (2040, "verwaltung"),
        (2040, "mobilitaet"),
        (2039, "verwaltung"),
        (2039, "mobilitaet"),
    ]
    assert [(row["edition"], row["domain"], row["key"]) for row in indicators] == [
        (2040, "verwaltung", "serviceportal"),
        (2040, "verwaltung", "energie"),
        (2040, "mobilitaet", "verkehr"),
        (2039, "verwaltung", "serviceportal"),
        (2039, "verwaltung", "energie"),
        (2039, "mobilitaet", "verkehr"),
    ]
    keys = ["online-termine", "wartezeit", "smart-meter", "busse", "ladepunkte"]
    assert [(row["edition"], row["key"]) for row in parameters] == [(2040, key) for key in keys] + [
        (2039, key) for key in keys
    ]


def test_indicators_filtered_by_edition_and_domain(api, ranked):
    response = api.get(f"{API}/indicators/", {"edition": 2040, "domain": "verwaltung"})

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "edition": 2040,
            "is_demo": False,
            "domain": "verwaltung",
            "key": "serviceportal",
            "name_de": "Serviceportal",
            "name_en": "",
            "description_de": "",
            "description_en": "",
            "weight": 1.0,
            "position": 0,
        },
        {
            "edition": 2040,
            "is_demo": False,
            "domain": "verwaltung",
            "key": "energie",
            "name_de": "Energie",
            "name_en": "",
            "description_de": "",
            "description_en": "",
            "weight": 1.0,
            "position": 1,
        },
    ]


def parameter_row(edition: Edition, key: str, **fields) -> dict:
    parameter = factories.parameter(edition, key)
    row = {
        "edition": edition.year,
        "is_demo": edition.is_demo,
        "domain": parameter.indicator.domain.key,
        "indicator": parameter.indicator.key,
        "key": key,
        "name_de": parameter.name_de,
        "name_en": "",
        "help_de": "",
        "help_en": "",
        "unit": "",
        "weight": 1.0,
        "per_capita": False,
        "direction": "higher_is_better",
        "min": None,
        "max": None,
        "goalposts": None,
        "options": [],
        "source_de": "",
        "source_en": "",
        "position": parameter.position,
    }
    return {**row, **fields}


def test_parameters_carry_kind_unit_weight_options_direction_per_capita_and_goalposts(api, ranked):
    response = api.get(f"{API}/parameters/", {"edition": 2040})

    assert response.status_code == 200
    assert response.json()["results"] == [
        parameter_row(ranked, "online-termine", kind="yes_no"),
        parameter_row(ranked, "wartezeit", kind="number", unit="Tage", direction="lower_is_better", min=0.0, max=365.0),
        parameter_row(
            ranked,
            "smart-meter",
            kind="choice",
            options=[
                {"key": "none", "label_de": "keine", "label_en": "none", "points": 0.0},
                {"key": "planned", "label_de": "geplant", "label_en": "planned", "points": 0.5},
                {"key": "live", "label_de": "im Betrieb", "label_en": "live", "points": 1.0},
            ],
        ),
        parameter_row(
            ranked,
            "busse",
            kind="percentage",
            unit="%",
            min=0.0,
            max=100.0,
            goalposts={"worst": 10.0, "best": 90.0},
        ),
        parameter_row(ranked, "ladepunkte", kind="count", unit="Ladepunkte", min=0.0, per_capita=True),
    ]


def test_parameters_filtered_by_indicator_and_kind(api, ranked):
    by_indicator = api.get(f"{API}/parameters/", {"edition": 2040, "indicator": "verkehr"}).json()["results"]
    by_kind = api.get(f"{API}/parameters/", {"edition": 2040, "kind": "choice"}).json()["results"]
    by_domain = api.get(f"{API}/parameters/", {"edition": 2039, "domain": "mobilitaet"}).json()["results"]

    assert [row["key"] for row in by_indicator] == ["busse", "ladepunkte"]
    assert [row["key"] for row in by_kind] == ["smart-meter"]
    assert [(row["edition"], row["key"]) for row in by_domain] == [(2039, "busse"), (2039, "ladepunkte")]


@pytest.mark.parametrize("endpoint", ["domains", "indicators", "parameters"])
@pytest.mark.parametrize("year", ["2041", "1999"])
def test_the_catalogue_of_an_unpublished_edition_is_a_400(api, ranked, hidden, endpoint, year):
    response = api.get(f"{API}/{endpoint}/", {"edition": year})

    assert response.status_code == 400
    assert response.json() == invalid(edition=f"Es gibt keine veröffentlichte Ausgabe {year}.")


def test_an_unknown_parameter_kind_is_a_400(api, ranked):
    response = api.get(f"{API}/parameters/", {"kind": "text"})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "kind": ["Bitte eine gültige Auswahl treffen. text ist keine gültige Auswahl."]
    }


# --------------------------------------------------------------------------- cities


SIZES = {127_000: "100-200k", 200_000: "200-500k", 250_000: "200-500k", 330_000: "200-500k"}


def city_row(slug: str) -> dict:
    c = city(slug)
    base = "http://testserver"
    size = SIZES.get(c.population, "ueber-1m")
    return {
        "slug": slug,
        "name": c.name,
        "ags": c.ags,
        "state": c.state,
        "state_code": c.state_code,
        "population": c.population,
        "population_date": "2023-12-31",
        "size": size,
        "links": {
            "self": f"{base}{API}/cities/{slug}/",
            "scores": f"{base}{API}/cities/{slug}/scores/",
            "history": f"{base}{API}/cities/{slug}/history/",
            "page": f"{base}/stadt/{slug}/",
        },
    }


def test_cities_lists_every_city_ranked_in_a_published_edition_by_name(api, ranked, hidden):
    # given
    older = [c.slug for c in factories.cities_of(Edition.objects.get(year=2039))]

    # when
    response = api.get(f"{API}/cities/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 9
    slugs = ["aachen", "berlin", "bonn", "koeln", "muenchen", *sorted(older), "wuerzburg"]
    assert [row["slug"] for row in body["results"]] == slugs
    assert body["results"][0] == city_row("aachen")
    assert body["results"][4] == city_row("muenchen")
    assert body["results"][5] == city_row(sorted(older)[0])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "Bayern"}, ["München", "Würzburg"]),
        ({"size": "ueber-1m"}, ["Berlin", "Köln", "München"]),
        ({"size": "100-200k"}, ["Würzburg"]),
        ({"search": "ÖL"}, ["Köln"]),
        ({"edition": 2040, "ordering": "-population"}, ["Berlin", "München", "Köln", "Bonn", "Aachen", "Würzburg"]),
        ({"edition": 2040, "state": "Nordrhein-Westfalen", "ordering": "population"}, ["Aachen", "Bonn", "Köln"]),
    ],
)
def test_cities_filtered_searched_and_ordered(api, ranked, params, expected):
    response = api.get(f"{API}/cities/", params)

    assert response.status_code == 200
    assert names(response) == expected


def test_cities_of_one_edition(api, ranked):
    response = api.get(f"{API}/cities/", {"edition": 2039})

    assert [row["slug"] for row in response.json()["results"]] == sorted(
        c.slug for c in factories.cities_of(Edition.objects.get(year=2039))
    )


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"edition": 2041}, {"edition": "Es gibt keine veröffentlichte Ausgabe 2041."}),
        ({"state": "Atlantis"}, {"state": "Bitte eine gültige Auswahl treffen. Atlantis ist keine gültige Auswahl."}),
        ({"size": "riesig"}, {"size": "Bitte eine gültige Auswahl treffen. riesig ist keine gültige Auswahl."}),
        (
            {"ordering": "total"},
            {
                "ordering": "„total“ ist keine mögliche Sortierung; möglich: name, -name, population, -population, "
                "ags, -ags."
            },
        ),
    ],
)
def test_invalid_city_filters_are_a_400_naming_the_parameter(api, ranked, hidden, params, errors):
    response = api.get(f"{API}/cities/", params)

    assert response.status_code == 400
    assert response.json() == invalid(**errors)


def test_a_city_with_the_editions_it_is_ranked_in(api, ranked):
    response = api.get(f"{API}/cities/koeln/")

    assert response.status_code == 200
    assert response.json() == {**city_row("koeln"), "editions": [2040]}


@pytest.mark.parametrize("slug", ["geheimstadt-1", "atlantis"])
def test_a_city_of_no_published_edition_is_404(api, ranked, hidden, slug):
    for path in ("", "scores/", "history/"):
        response = api.get(f"{API}/cities/{slug}/{path}")

        assert response.status_code == 404
        assert response.json() == error(f"Keine Stadt „{slug}“ in einer veröffentlichten Ausgabe.", "not_found")


# --------------------------------------------------------------------------- rankings

OVERALL = ["München", "Köln", "Aachen", "Berlin", "Würzburg", "Bonn"]


def overall_row(edition: Edition, name: str) -> dict:
    """The expected overall row, from the stored run."""
    run = run_of(edition)
    score = CityScore.objects.select_related("city").get(run=run, city__name=name)
    domains = []
    for domain in edition.domains.order_by("position"):
        stored = DomainScore.objects.get(run=run, city=score.city, domain=domain)
        trend = None if stored.previous_rank is None else stored.previous_rank - stored.rank
        domains.append(
            {
                "key": domain.key,
                "score": stored.score,
                "rank": stored.rank,
                "trend": trend,
                "bonus": stored.bonus,
                "rank_interval": None,  # no robustness analysis in these tests
            }
        )
    total, rank, previous = TOTALS[name]
    return {
        "rank": rank,
        "rank_interval": None,
        "trend": None if previous is None else previous - rank,
        "city": city_ref(score.city),
        "total": total,
        "completeness": 1.0,
        "domains": domains,
    }


def test_the_overall_ranking_of_the_newest_published_edition(api, ranked, hidden):
    # when
    response = api.get(f"{API}/rankings/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("edition", "domain", "indicator", "count", "next", "previous")} == {
        "edition": 2040,
        "domain": None,
        "indicator": None,
        "count": 6,
        "next": None,
        "previous": None,
    }
    assert names(response) == OVERALL
    assert body["results"] == [overall_row(ranked, name) for name in OVERALL]
    assert body["results"][0]["trend"] == 2 and body["results"][2]["trend"] is None
    assert body["results"][0]["domains"][1] == {
        "key": "mobilitaet",
        "score": 30.0,
        "rank": 5,
        "trend": -2,
        "bonus": 1.5,
        "rank_interval": None,
    }


def test_the_ranking_of_an_older_edition(api, ranked):
    # given
    older = Edition.objects.get(year=2039)
    expected = list(CityScore.objects.filter(run=run_of(older)).order_by("rank", "city__name").select_related("city"))

    # when
    response = api.get(f"{API}/rankings/", {"edition": 2039})

    # then
    assert response.json()["edition"] == 2039
    assert [(row["rank"], row["city"]["slug"], row["total"]) for row in response.json()["results"]] == [
        (score.rank, score.city.slug, score.total) for score in expected
    ]


def test_a_domain_ranking_shows_the_domains_score_rank_trend_and_bonus(api, ranked):
    response = api.get(f"{API}/rankings/", {"domain": "mobilitaet"})

    assert response.status_code == 200
    body = response.json()
    assert (body["edition"], body["domain"], body["indicator"]) == (2040, "mobilitaet", None)
    assert body["results"] == [
        {
            "rank": rank,
            "rank_interval": None,
            "trend": None if previous is None else previous - rank,
            "city": city_ref(city_by_name(name)),
            "score": score,
            "bonus": bonus,
            "total": TOTALS[name][0],
        }
        for name, (score, rank, previous, bonus) in MOBILITY.items()
    ]
    assert names(response) == ["Bonn", "Aachen", "Berlin", "Würzburg", "München", "Köln"]


def city_by_name(name: str) -> City:
    return City.objects.get(name=name)


def test_an_indicator_ranking_shows_score_and_raw_value(api, ranked):
    response = api.get(f"{API}/rankings/", {"indicator": "verkehr"})

    assert response.status_code == 200
    body = response.json()
    assert (body["edition"], body["domain"], body["indicator"]) == (2040, None, "verkehr")
    expected = [
        (1, "Köln", 100.0, 0.75),
        (2, "Aachen", 62.5, 0.5),
        (2, "München", 62.5, 0.5),
        (4, "Bonn", 20.0, 0.2),
        (5, "Würzburg", 0.0, 0.1),
        (6, "Berlin", None, None),
    ]
    # The robustness analysis covers the total and the domains: never an interval in an indicator ranking.
    assert body["results"] == [
        {
            "rank": rank,
            "rank_interval": None,
            "trend": None,
            "city": city_ref(city_by_name(name)),
            "score": score,
            "raw": raw,
        }
        for rank, name, score, raw in expected
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "Bayern"}, [(1, "München"), (5, "Würzburg")]),
        ({"size": "ueber-1m"}, [(1, "München"), (2, "Köln"), (4, "Berlin")]),
        ({"search": "n"}, [(1, "München"), (2, "Köln"), (3, "Aachen"), (4, "Berlin"), (6, "Bonn")]),
        ({"state": "Nordrhein-Westfalen", "size": "200-500k"}, [(3, "Aachen"), (6, "Bonn")]),
        ({"state": "Saarland"}, []),
        ({"domain": "mobilitaet", "state": "Bayern"}, [(4, "Würzburg"), (5, "München")]),
        ({"indicator": "verkehr", "search": "ü"}, [(2, "München"), (5, "Würzburg")]),
    ],
)
def test_filters_show_matching_cities_with_their_ranks(api, ranked, params, expected):
    response = api.get(f"{API}/rankings/", params)

    assert response.status_code == 200
    assert [(row["rank"], row["city"]["name"]) for row in response.json()["results"]] == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ordering": "rank"}, OVERALL),
        ({"ordering": "-rank"}, list(reversed(OVERALL))),
        ({"ordering": "-total"}, OVERALL),
        ({"ordering": "total"}, list(reversed(OVERALL))),
        ({"ordering": "name"}, ["Aachen", "Berlin", "Bonn", "Köln", "München", "Würzburg"]),
        ({"ordering": "-name"}, ["Würzburg", "München", "Köln", "Bonn", "Berlin", "Aachen"]),
        ({"ordering": "-population"}, ["Berlin", "München", "Köln", "Bonn", "Aachen", "Würzburg"]),
        ({"domain": "mobilitaet", "ordering": "score"}, ["Köln", "München", "Würzburg", "Aachen", "Berlin", "Bonn"]),
        ({"domain": "mobilitaet", "ordering": "-total"}, OVERALL),
        # equal scores by name; a city without a score comes last both ways
        ({"indicator": "verkehr", "ordering": "score"}, ["Würzburg", "Bonn", "Aachen", "München", "Köln", "Berlin"]),
        ({"indicator": "verkehr", "ordering": "-score"}, ["Köln", "Aachen", "München", "Bonn", "Würzburg", "Berlin"]),
    ],
)
def test_rankings_are_ordered_as_asked(api, ranked, params, expected):
    response = api.get(f"{API}/rankings/", params)

    assert response.status_code == 200
    assert names(response) == expected


RANKING_ERRORS = [
    ({"edition": 2041}, {"edition": "Es gibt keine veröffentlichte Ausgabe 2041."}),
    ({"edition": 2030}, {"edition": "Es gibt keine veröffentlichte Ausgabe 2030."}),
    ({"edition": "neu"}, {"edition": "Eine gültige Ganzzahl ist erforderlich."}),
    ({"domain": "raumfahrt"}, {"domain": "Die Ausgabe 2040 hat keinen Themenbereich „raumfahrt“."}),
    ({"indicator": "raketen"}, {"indicator": "Die Ausgabe 2040 hat keinen Indikator „raketen“."}),
    (
        {"domain": "mobilitaet", "indicator": "verkehr"},
        {"indicator": "Bitte entweder „domain“ oder „indicator“ angeben, nicht beides."},
    ),
    ({"state": "Atlantis"}, {"state": "„Atlantis“ ist unbekannt."}),
    ({"size": "riesig"}, {"size": "„riesig“ ist unbekannt."}),
    ({"ordering": "punkte"}, {"ordering": "„punkte“ ist keine mögliche Sortierung."}),
    (
        {"ordering": "-score"},
        {
            "ordering": "„-score“ ist in dieser Rangliste keine mögliche Sortierung; möglich: rank, -rank, total, "
            "-total, name, -name, population, -population."
        },
    ),
    (
        {"indicator": "verkehr", "ordering": "total"},
        {
            "ordering": "„total“ ist in dieser Rangliste keine mögliche Sortierung; möglich: rank, -rank, score, "
            "-score, name, -name, population, -population."
        },
    ),
]


@pytest.mark.parametrize(("params", "errors"), RANKING_ERRORS)
def test_invalid_ranking_parameters_are_a_400_naming_the_parameter(api, ranked, hidden, params, errors):
    response = api.get(f"{API}/rankings/", params)

    assert response.status_code == 400
    assert response.json() == invalid(**errors)


def test_without_any_published_edition_the_ranking_is_404(api, hidden):
    response = api.get(f"{API}/rankings/")

    assert response.status_code == 404
    assert response.json() == error("Es ist noch keine Ausgabe veröffentlicht.", "not_found")


def test_rankings_are_paginated(api, ranked):
    first = api.get(f"{API}/rankings/", {"page_size": 4}).json()
    second = api.get(f"{API}/rankings/", {"page_size": 4, "page": 2}).json()
    beyond = api.get(f"{API}/rankings/", {"page_size": 4, "page": 3})

    assert (first["count"], first["previous"]) == (6, None)
    assert first["next"] == f"http://testserver{API}/rankings/?page=2&page_size=4"
    assert [row["city"]["name"] for row in first["results"]] == OVERALL[:4]
    assert second["previous"] == f"http://testserver{API}/rankings/?page_size=4"
    assert (second["count"], second["next"]) == (6, None)
    assert [row["city"]["name"] for row in second["results"]] == OVERALL[4:]
    assert beyond.status_code == 404
    assert beyond.json() == error("Ungültige Seite.", "not_found")


# --------------------------------------------------------------------------- rankings as CSV


def number(value) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def expected_overall_csv(edition: Edition) -> list[list[str]]:
    header = ["rank", "trend", "city", "slug", "ags", "state", "population", "total", "completeness"]
    header += [
        f"domain:{key}:{field}" for key in ("verwaltung", "mobilitaet") for field in ("score", "rank", "trend", "bonus")
    ]
    header.append("is_demo")
    rows = [header]
    for name in OVERALL:
        row = overall_row(edition, name)
        c = row["city"]
        cells = [row["rank"], row["trend"], c["name"], c["slug"], c["ags"], c["state"], c["population"]]
        cells += [row["total"], row["completeness"]]
        for domain in row["domains"]:
            cells += [domain["score"], domain["rank"], domain["trend"], domain["bonus"]]
        rows.append([*(number(cell) for cell in cells), "true" if edition.is_demo else "false"])
    return rows


@pytest.mark.parametrize("ask", ["format", "accept"])
def test_the_ranking_as_csv_has_flat_stable_columns_and_every_row(api, ranked, ask):
    # when: more rows than a page, asked either way
    if ask == "format":
        response = api.get(f"{API}/rankings/", {"format": "csv", "page_size": 2})
    else:
        response = api.get(f"{API}/rankings/", {"page_size": 2}, HTTP_ACCEPT="text/csv")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="smart-city-index-2040-ranking.csv"'
    assert read_csv(response) == expected_overall_csv(ranked)
    assert read_csv(response)[1] == [
        "1",
        "2",
        "München",
        "muenchen",
        city("muenchen").ags,
        "Bayern",
        "1500000",
        "88.25",
        "1.0",
        *read_csv(response)[1][9:13],
        "30.0",
        "5",
        "-2",
        "1.5",
        "false",
    ]


def test_domain_and_indicator_rankings_as_csv(api, ranked):
    domain = api.get(f"{API}/rankings/", {"domain": "mobilitaet", "state": "Bayern", "format": "csv"})
    indicator = api.get(f"{API}/rankings/", {"indicator": "verkehr", "ordering": "name", "format": "csv"})

    assert domain["Content-Disposition"] == 'attachment; filename="smart-city-index-2040-ranking-mobilitaet.csv"'
    wuerzburg, muenchen = city("wuerzburg"), city("muenchen")
    assert read_csv(domain) == [
        ["rank", "trend", "city", "slug", "ags", "state", "population", "score", "bonus", "total", "is_demo"],
        ["4", "0", "Würzburg", "wuerzburg", wuerzburg.ags, "Bayern", "127000", "40.0", "0.0", "50.0", "false"],
        ["5", "-2", "München", "muenchen", muenchen.ags, "Bayern", "1500000", "30.0", "1.5", "88.25", "false"],
    ]
    assert indicator["Content-Disposition"] == 'attachment; filename="smart-city-index-2040-ranking-verkehr.csv"'
    rows = read_csv(indicator)
    assert rows[0] == ["rank", "trend", "city", "slug", "ags", "state", "population", "score", "raw", "is_demo"]
    assert [row[2:3] + row[7:9] for row in rows[1:]] == [
        ["Aachen", "62.5", "0.5"],
        ["Berlin", "", ""],
        ["Bonn", "20.0", "0.2"],
        ["Köln", "100.0", "0.75"],
        ["München", "62.5", "0.5"],
        ["Würzburg", "0.0", "0.1"],
    ]


def test_an_empty_csv_still_has_its_header(api, ranked):
    response = api.get(f"{API}/rankings/", {"indicator": "verkehr", "state": "Saarland", "format": "csv"})

    assert read_csv(response) == [
        ["rank", "trend", "city", "slug", "ags", "state", "population", "score", "raw", "is_demo"]
    ]


@pytest.mark.parametrize("ask", ["format", "accept"])
def test_errors_are_json_even_when_csv_was_asked_for(api, ranked, hidden, ask):
    if ask == "format":
        response = api.get(f"{API}/rankings/", {"edition": 2041, "format": "csv"})
    else:
        response = api.get(f"{API}/rankings/", {"edition": 2041}, HTTP_ACCEPT="text/csv")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == invalid(edition="Es gibt keine veröffentlichte Ausgabe 2041.")


# --------------------------------------------------------------------------- a city's scores and history


def scores_body(edition: Edition, slug: str) -> dict:
    run, c = run_of(edition), city(slug)
    total = CityScore.objects.get(run=run, city=c)
    domains = []
    for domain in edition.domains.order_by("position"):
        stored = DomainScore.objects.get(run=run, city=c, domain=domain)
        domains.append(
            {
                "key": domain.key,
                "name_de": domain.name_de,
                "name_en": domain.name_en,
                "score": stored.score,
                "rank": stored.rank,
                "previous_rank": stored.previous_rank,
                "trend": None if stored.previous_rank is None else stored.previous_rank - stored.rank,
                "bonus": stored.bonus,
                "completeness": stored.completeness,
                "rank_interval": None,  # no robustness analysis in these tests
            }
        )
    indicators = []
    for key in ("serviceportal", "energie", "verkehr"):
        stored = IndicatorScore.objects.select_related("indicator__domain").get(run=run, city=c, indicator__key=key)
        indicators.append(
            {
                "key": key,
                "domain": stored.indicator.domain.key,
                "name_de": stored.indicator.name_de,
                "name_en": "",
                "score": stored.score,
                "rank": stored.rank,
                "raw": stored.raw,
            }
        )
    return {
        "edition": edition.year,
        "is_demo": edition.is_demo,
        "city": city_ref(c),
        "total": total.total,
        "rank": total.rank,
        "rank_interval": None,
        "indistinguishable_from": None,
        "previous_rank": total.previous_rank,
        "trend": total.trend,
        "completeness": total.completeness,
        "domains": domains,
        "indicators": indicators,
    }


def test_a_citys_scores_in_the_newest_edition_it_is_ranked_in(api, ranked, hidden):
    response = api.get(f"{API}/cities/muenchen/scores/")

    assert response.status_code == 200
    body = response.json()
    assert body == scores_body(ranked, "muenchen")
    assert (body["total"], body["rank"], body["previous_rank"], body["trend"]) == (88.25, 1, 3, 2)
    assert body["domains"][1]["score"] == 30.0 and body["domains"][1]["bonus"] == 1.5
    assert body["indicators"][2] == {
        "key": "verkehr",
        "domain": "mobilitaet",
        "name_de": "Verkehr",
        "name_en": "",
        "score": 62.5,
        "rank": 2,
        "raw": 0.5,
    }


def test_a_citys_scores_default_to_its_own_newest_edition_and_can_name_one(api, ranked):
    # given: a city ranked only in 2039
    older = Edition.objects.get(year=2039)
    slug = factories.cities_of(older)[0].slug

    # when
    default = api.get(f"{API}/cities/{slug}/scores/")
    named = api.get(f"{API}/cities/{slug}/scores/", {"edition": 2039})
    other = api.get(f"{API}/cities/{slug}/scores/", {"edition": 2040})

    # then
    assert default.json() == named.json() == scores_body(older, slug)
    assert other.status_code == 404
    assert other.json() == error(f"{city(slug).name} ist in der Ausgabe 2040 nicht bewertet.", "not_found")


@pytest.mark.parametrize(
    ("year", "message"),
    [(2041, "Es gibt keine veröffentlichte Ausgabe 2041."), ("x", "Eine gültige Ganzzahl ist erforderlich.")],
)
def test_a_citys_scores_in_an_unpublished_edition_are_a_400(api, ranked, hidden, year, message):
    response = api.get(f"{API}/cities/muenchen/scores/", {"edition": year})

    assert response.status_code == 400
    assert response.json() == invalid(edition=message)


@pytest.fixture
def two_editions(editor):
    """A city ranked in the published 2039 and 2040 editions, and in a 2041 edition in review."""
    older = published_edition(editor, year=2039)
    returning = factories.cities_of(older)[0]
    for year, publish_it in ((2040, True), (2041, False)):
        edition = factories.small_edition(cities=2, year=year)
        Participation.objects.create(edition=edition, city=returning)
        answer_all(edition)
        if publish_it:
            publish(edition, editor)
        else:
            Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
            scores_recompute(edition=edition)
    return returning


def test_a_citys_history_has_every_published_edition_oldest_first(api, two_editions):
    # given
    rows = {
        score.run.edition.year: score
        for score in CityScore.objects.filter(city=two_editions, run__is_published=True).select_related("run__edition")
    }

    # when
    response = api.get(f"{API}/cities/{two_editions.slug}/history/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "city": city_ref(two_editions),
        "history": [
            {
                "year": year,
                "title": f"Smart City Index {year}",
                "is_demo": False,
                "rank": rows[year].rank,
                "previous_rank": rows[year].previous_rank,
                "trend": rows[year].trend,
                "total": rows[year].total,
                "completeness": rows[year].completeness,
            }
            for year in (2039, 2040)
        ],
    }
    assert rows[2040].previous_rank == rows[2039].rank
    assert CityScore.objects.filter(city=two_editions, run__edition__year=2041).exists()


# --------------------------------------------------------------------------- answers


def test_answers_are_the_approved_answers_typed_by_ags_and_catalogue_order(api, ranked, hidden):
    # given: a decimal value, an "as of" date, no evidence URL, and one answer no longer approved
    aachen = city("aachen")
    Answer.objects.filter(edition=ranked, city=aachen, parameter__key="wartezeit").update(
        value_number=Decimal("2.5"), as_of=date(2040, 3, 31), evidence_url=""
    )
    Answer.objects.filter(edition=ranked, city=city("bonn"), parameter__key="busse").update(status=Answer.Status.DRAFT)
    first_ags = min(c.ags for c in factories.cities_of(ranked))

    # when
    response = api.get(f"{API}/answers/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["edition"], body["count"], body["next"], body["previous"]) == (2040, 29, None, None)
    assert [row["ags"] for row in body["results"]] == sorted(row["ags"] for row in body["results"])
    assert body["results"][0]["ags"] == first_ags
    rows = {(row["city"], row["parameter"]): row for row in body["results"]}
    assert ("bonn", "busse") not in rows
    stored = {
        answer.parameter.key: answer
        for answer in Answer.objects.filter(edition=ranked, city=aachen).select_related("parameter")
    }
    assert [row["parameter"] for row in body["results"] if row["city"] == "aachen"] == [
        "online-termine",
        "wartezeit",
        "smart-meter",
        "busse",
        "ladepunkte",
    ]
    base = {"city": "aachen", "city_name": "Aachen", "ags": aachen.ags, "as_of": None}
    assert rows[("aachen", "wartezeit")] == {
        **base,
        "domain": "verwaltung",
        "indicator": "serviceportal",
        "parameter": "wartezeit",
        "parameter_name": stored["wartezeit"].parameter.name_de,
        "kind": "number",
        "value": 2.5,
        "unit": "Tage",
        "evidence_url": None,
        "as_of": "2040-03-31",
        "quelle_art": "stadt",
        "quelle": None,
        "stand": "2040-03-31",
        "stand_veraltet": False,
    }
    assert rows[("aachen", "online-termine")]["value"] is stored["online-termine"].value_bool
    assert rows[("aachen", "smart-meter")]["value"] == stored["smart-meter"].value_choice
    assert rows[("aachen", "busse")]["value"] == int(stored["busse"].value_number)
    assert isinstance(rows[("aachen", "busse")]["value"], int)
    assert rows[("aachen", "busse")]["evidence_url"] == "https://example.org/e"


def test_answers_filtered_by_city_and_parameter_and_paginated(api, ranked):
    by_city = api.get(f"{API}/answers/", {"city": "koeln", "page_size": 2, "page": 2}).json()
    by_parameter = api.get(f"{API}/answers/", {"edition": 2040, "parameter": "smart-meter"}).json()
    older = api.get(f"{API}/answers/", {"edition": 2039}).json()

    assert (by_city["count"], len(by_city["results"])) == (5, 2)
    assert [(row["city"], row["parameter"]) for row in by_city["results"]] == [
        ("koeln", "smart-meter"),
        ("koeln", "busse"),
    ]
    assert by_city["next"] == f"http://testserver{API}/answers/?city=koeln&page=3&page_size=2"
    assert by_parameter["count"] == 6
    assert {row["parameter"] for row in by_parameter["results"]} == {"smart-meter"}
    assert {row["kind"] for row in by_parameter["results"]} == {"choice"}
    assert (older["edition"], older["count"]) == (2039, 15)


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"edition": 2041}, {"edition": "Es gibt keine veröffentlichte Ausgabe 2041."}),
        ({"city": "geheimstadt-1"}, {"city": "„geheimstadt-1“ ist keine Stadt der Ausgabe 2040."}),
        ({"city": "koeln", "edition": 2039}, {"city": "„koeln“ ist keine Stadt der Ausgabe 2039."}),
        ({"parameter": "raketen"}, {"parameter": "„raketen“ ist kein Parameter der Ausgabe 2040."}),
    ],
)
def test_invalid_answer_filters_are_a_400(api, ranked, hidden, params, errors):
    response = api.get(f"{API}/answers/", params)

    assert response.status_code == 400
    assert response.json() == invalid(**errors)


# --------------------------------------------------------------------------- nothing unpublished, anywhere

LISTS = [
    "editions/",
    "domains/",
    "indicators/",
    "parameters/",
    "cities/",
    "rankings/",
    "rankings/?domain=mobilitaet",
    "rankings/?indicator=verkehr",
    "rankings/?format=csv",
    "answers/",
    "answers/?page_size=500",
]


def test_nothing_of_an_unpublished_edition_appears_in_any_list(api, editor, hidden):
    # given: a published edition next to the hidden one, which has a run and approved answers
    published_edition(editor, year=2040)
    hidden_run = ScoreRun.objects.get(edition=hidden)

    for path in LISTS:
        # when
        response = api.get(f"{API}/{path}")

        # then
        assert response.status_code == 200, path
        content = response.content.decode()
        assert "geheimstadt" not in content.lower(), path
        assert hidden_run.input_hash not in content, path
        if "format" not in path:
            for row in response.json()["results"]:
                assert row.get("edition", 2040) == 2040, path
    assert [row["year"] for row in api.get(f"{API}/editions/").json()["results"]] == [2040]


def test_every_way_to_name_an_unpublished_edition_or_its_cities_is_refused(api, editor, hidden):
    published_edition(editor, year=2040)
    refused = {
        "editions/2041/": (404, error("Es gibt keine veröffentlichte Ausgabe 2041.", "not_found")),
        "editions/2041/methodology/": (404, error("Es gibt keine veröffentlichte Ausgabe 2041.", "not_found")),
        "cities/geheimstadt-1/": (
            404,
            error("Keine Stadt „geheimstadt-1“ in einer veröffentlichten Ausgabe.", "not_found"),
        ),
        "cities/geheimstadt-1/scores/?edition=2041": (
            404,
            error("Keine Stadt „geheimstadt-1“ in einer veröffentlichten Ausgabe.", "not_found"),
        ),
        "cities/geheimstadt-1/history/": (
            404,
            error("Keine Stadt „geheimstadt-1“ in einer veröffentlichten Ausgabe.", "not_found"),
        ),
        "answers/?city=geheimstadt-1&edition=2040": (
            400,
            invalid(city="„geheimstadt-1“ ist keine Stadt der Ausgabe 2040."),
        ),
    }
    for endpoint in ("domains", "indicators", "parameters", "cities", "rankings", "answers"):
        refused[f"{endpoint}/?edition=2041"] = (400, invalid(edition="Es gibt keine veröffentlichte Ausgabe 2041."))

    for path, (status, body) in refused.items():
        response = api.get(f"{API}/{path}")

        assert (response.status_code, response.json()) == (status, body), path


def test_an_edition_published_without_a_published_run_stays_invisible(api, editor):
    # given: an edition marked published whose run was never published (e.g. a broken import)
    edition = factories.small_edition(cities=2, year=2042)
    answer_all(edition)
    scores_recompute(edition=edition)
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.PUBLISHED)

    # then
    assert api.get(f"{API}/editions/").json()["count"] == 0
    assert api.get(f"{API}/editions/2042/").status_code == 404
    assert api.get(f"{API}/domains/").json()["count"] == 0
    assert api.get(f"{API}/cities/").json()["count"] == 0
    assert api.get(f"{API}/rankings/", {"edition": 2042}).status_code == 400


# --------------------------------------------------------------------------- HTTP: conditional GET, CORS, throttling


@pytest.mark.parametrize("path", ["rankings/", "rankings/?format=csv", "cities/", "editions/2040/methodology/"])
def test_an_unchanged_response_is_a_304_for_its_etag(api, ranked, path):
    # given
    first = api.get(f"{API}/{path}")
    etag = first["ETag"]

    # when
    again = api.get(f"{API}/{path}", HTTP_IF_NONE_MATCH=etag)
    other = api.get(f"{API}/{path}", HTTP_IF_NONE_MATCH='"something-else"')

    # then
    assert first.status_code == 200 and etag.startswith('"')
    assert again.status_code == 304
    assert again.content == b""
    assert other.status_code == 200
    assert other.content == first.content


def test_public_endpoints_may_be_read_from_any_site(api, ranked):
    response = api.get(f"{API}/rankings/", HTTP_ORIGIN="https://zeitung.example")
    preflight = api.options(
        f"{API}/answers/", HTTP_ORIGIN="https://zeitung.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_the_editor_api_is_not_open_to_other_sites(api, ranked):
    response = api.get(f"{API}/editor/score-runs/", HTTP_ORIGIN="https://zeitung.example")

    assert "Access-Control-Allow-Origin" not in response


def test_anonymous_reads_are_throttled_with_a_retry_after(api, ranked, monkeypatch):
    # given: 3 anonymous requests a minute (the cache, which counts them, is empty for every test)
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "1000/min"})
    monkeypatch.setattr(AnonRateThrottle, "timer", lambda self: 1_000_000.0)  # the wait is exactly 60 s

    # when
    statuses = [api.get(f"{API}/rankings/").status_code for _ in range(3)]
    throttled = api.get(f"{API}/cities/")

    # then
    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "60"
    assert throttled.json() == error("Die Anfrage wurde gedrosselt. Erwarte Verfügbarkeit in 60 Sekunden.", "throttled")


def test_a_forged_forwarded_address_does_not_escape_the_anonymous_throttle(api, ranked, monkeypatch):
    # given: 2 anonymous requests a minute, no trusted proxy in front of the site
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "1000/min"})

    # when: one client writes a new X-Forwarded-For into every request
    statuses = [api.get(f"{API}/rankings/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(1, 4)]

    # then: all three count against the connection's address
    assert statuses == [200, 200, 429]


def test_behind_a_trusted_proxy_two_clients_are_throttled_separately(api, ranked, monkeypatch, settings):
    # given: the site behind the proxy 10.0.0.2, 2 anonymous requests a minute
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "1000/min"})

    def get(client):
        return api.get(f"{API}/rankings/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client).status_code

    # when: client A uses up its rate, then client B asks
    first = [get("198.51.100.7") for _ in range(3)]
    other = get("203.0.113.9")

    # then
    assert first == [200, 200, 429]
    assert other == 200


# --------------------------------------------------------------------------- fixed query counts


def pinned_edition(editor, cities: int) -> Edition:
    """A published edition of `cities` cities of two states and sizes, ranked in the previous one too."""
    older = published_edition(editor, cities=cities, year=2039)
    edition = factories.small_edition(cities=0, year=2040)
    for index, c in enumerate(factories.cities_of(older)):
        Participation.objects.create(edition=edition, city=c)
        City.objects.filter(pk=c.pk).update(state="Bayern" if index % 2 else "Hessen", population=150_000 + index)
    answer_all(edition)
    publish(edition, editor)
    return edition


QUERY_PINS = [
    ("editions/", 2),
    ("editions/2040/", 1),
    ("editions/2040/methodology/", 1),
    ("domains/?edition=2040", 3),
    ("indicators/", 2),
    ("parameters/?edition=2040&kind=count", 3),
    ("cities/?state=Bayern&size=100-200k&search=STADT&ordering=-population", 3),
    ("cities/?edition=2040", 3),
    ("cities/{slug}/", 2),
    ("cities/{slug}/scores/", 7),
    ("cities/{slug}/scores/?edition=2039", 7),
    ("cities/{slug}/history/", 2),
    ("rankings/", 6),
    ("rankings/?edition=2039&state=Bayern&ordering=name&page_size=2", 6),
    ("rankings/?domain=mobilitaet", 6),
    ("rankings/?indicator=verkehr&size=100-200k", 8),
    ("rankings/?format=csv", 6),
    ("answers/", 4),
    ("answers/?city={slug}&parameter=busse", 6),
]


@pytest.mark.parametrize("cities", [3, 30])
@pytest.mark.parametrize(("path", "queries"), QUERY_PINS)
def test_every_endpoint_runs_a_fixed_number_of_queries(api, editor, django_assert_num_queries, cities, path, queries):
    # given
    edition = pinned_edition(editor, cities)
    slug = factories.cities_of(edition)[-1].slug

    # when / then
    with django_assert_num_queries(queries):
        response = api.get(f"{API}/{path.format(slug=slug)}")
    assert response.status_code == 200
    if response["Content-Type"] == "application/json" and "results" in response.json():
        assert response.json()["results"], "a pin over an empty list would not show an N+1"


# --------------------------------------------------------------------------- read only, documented


@pytest.mark.parametrize("path", ["rankings/", "answers/", "cities/", "editions/"])
def test_the_public_api_is_read_only(api, ranked, path):
    response = api.post(f"{API}/{path}", {}, format="json")

    assert response.status_code == 405
    assert response.json() == error('Methode "POST" nicht erlaubt.', "method_not_allowed")


# 400 (a query parameter given twice, if nothing else) and 414 come before any view (api.middleware).
PUBLIC_PATHS = {
    "/api/v1/editions/": {"200", "400", "404", "414", "429"},
    "/api/v1/editions/{year}/": {"200", "400", "404", "414", "429"},
    "/api/v1/editions/{year}/methodology/": {"200", "400", "404", "414", "429"},
    "/api/v1/domains/": {"200", "400", "404", "414", "429"},
    "/api/v1/indicators/": {"200", "400", "404", "414", "429"},
    "/api/v1/parameters/": {"200", "400", "404", "414", "429"},
    "/api/v1/cities/": {"200", "400", "404", "414", "429"},
    "/api/v1/cities/{slug}/": {"200", "400", "404", "414", "429"},
    "/api/v1/cities/{slug}/scores/": {"200", "400", "404", "414", "429"},
    "/api/v1/cities/{slug}/history/": {"200", "400", "404", "414", "429"},
    "/api/v1/rankings/": {"200", "400", "404", "414", "429"},
    "/api/v1/answers/": {"200", "400", "404", "414", "429"},
}


def test_the_schema_documents_every_public_endpoint_with_its_errors_and_anonymous_access(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    for path, statuses in PUBLIC_PATHS.items():
        operation = schema["paths"][path]["get"]
        assert set(operation["responses"]) == statuses, path
        assert {} in operation["security"], path
        for status in statuses - {"200"}:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, status)
    assert set(schema["paths"]["/api/v1/rankings/"]["get"]["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
    }
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "errors", "message"]


def test_the_ranking_csv_neutralises_a_name_that_would_run_as_a_formula(api, ranked):
    # given: a city name an editor typed as a formula
    City.objects.filter(name="München").update(name='@SUM(1+1)*cmd|" /C calc"!A0')

    # when
    rows = read_csv(api.get(f"{API}/rankings/", {"format": "csv"}))

    # then: text, and the negative trend of the same row still a number
    (row,) = [row for row in rows if row[3] == "muenchen"]
    assert row[2] == '\'@SUM(1+1)*cmd|" /C calc"!A0'
    assert row[-3] == "-2"
