"""The what-if simulator: the service reproduces the published run, a change moves only what depends on it,
weights, where a city gains the most, validation, the page, the API, 404s and query counts."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from indicators.models import Answer, City, Domain, Edition, Participation
from public import simulator
from scoring.models import CityScore, DomainScore, IndicatorScore, ScoreRun
from tests import factories
from tests.scoring.test_services import answer_all, publish

APPROVED = Answer.Status.APPROVED

# Four cities a, b, c, d (population a 200,000, b 400,000, c 200,000, d 100,000):
#   online-termine yes/no:           yes, no, yes, no
#   wartezeit days, lower is better: 10, 30, 20, 40
#   smart-meter:                     live, planned, none, planned
#   busse %:                         80, 20, 50, 10
#   ladepunkte (per capita):         100, 60, 40, 20 -> 0.5, 0.15, 0.2, 0.2 per 1,000 inhabitants
# b has an innovation project in Mobilität worth 3 bonus points. a is best everywhere.
POPULATION = {"a": 200_000, "b": 400_000, "c": 200_000, "d": 100_000}
VALUES = {
    "online-termine": ("value_bool", [True, False, True, False]),
    "wartezeit": ("value_number", [Decimal(10), Decimal(30), Decimal(20), Decimal(40)]),
    "smart-meter": ("value_choice", ["live", "planned", "none", "planned"]),
    "busse": ("value_number", [Decimal(80), Decimal(20), Decimal(50), Decimal(10)]),
    "ladepunkte": ("value_number", [Decimal(100), Decimal(60), Decimal(40), Decimal(20)]),
}
YEAR = 2040


@pytest.fixture
def field(editor):
    edition = factories.small_edition(cities=0, year=YEAR)
    cities = {}
    for name, population in POPULATION.items():
        cities[name] = factories.CityFactory(name=f"Stadt {name.upper()}", slug=f"stadt-{name}", population=population)
        Participation.objects.create(edition=edition, city=cities[name])
    for key, (column, values) in VALUES.items():
        parameter = factories.parameter(edition, key)
        for city, value in zip(cities.values(), values, strict=True):
            Answer.objects.create(edition=edition, city=city, parameter=parameter, status=APPROVED, **{column: value})
    factories.InnovationProjectFactory(
        edition=edition,
        domain=Domain.objects.get(edition=edition, key="mobilitaet"),
        city=cities["b"],
        bonus_points=Decimal(3),
        bonus_justification="Übertragbar.",
    )
    run = publish(edition, editor)
    edition.refresh_from_db()
    return SimpleNamespace(edition=edition, run=run, **cities)


def simulate(field, city, **changes):
    return simulator.simulate(field.edition, field.run, city, **changes)


def squash(content: str) -> str:
    return re.sub(r"\s+", " ", content)


def assert_equals_published(simulation: simulator.Simulation, run: ScoreRun, city: City) -> None:
    """Every number of the simulation, as published and as simulated, is the stored run's, exactly."""
    stored = CityScore.objects.get(run=run, city=city)
    assert simulation.total.official == simulation.total.simulated == stored.total
    assert simulation.rank.official == simulation.rank.simulated == stored.rank
    domains = {row.domain_id: row for row in DomainScore.objects.filter(run=run, city=city)}
    assert len(simulation.domains) == len(domains)
    for outcome in simulation.domains:
        row = domains[outcome.domain.pk]
        assert (outcome.score.official, outcome.score.simulated, outcome.rank.official) == (
            row.score,
            row.score,
            row.rank,
        )
        assert not outcome.changed
    indicators = {row.indicator_id: row for row in IndicatorScore.objects.filter(run=run, city=city)}
    assert len(simulation.indicators) == len(indicators)
    for outcome in simulation.indicators:
        row = indicators[outcome.indicator.pk]
        assert (outcome.score.simulated, outcome.raw.simulated, outcome.rank.simulated) == (
            row.score,
            row.raw,
            row.rank,
        )
        assert not outcome.changed


# --------------------------------------------------------------------------- the service


def test_an_unchanged_simulation_reproduces_the_published_run_exactly(field):
    for city in (field.a, field.b, field.c, field.d):
        # when: computed once, then read back from the cache (pickled)
        first = simulate(field, city)
        again = simulate(field, city)

        # then
        for simulation in (first, again):
            assert simulation.is_official
            assert simulation.other_cities_changed == 0
            assert simulation.city_count == 4
            assert_equals_published(simulation, field.run, city)


def test_entering_the_published_values_and_weights_changes_nothing(field):
    simulation = simulate(
        field,
        field.b,
        values={
            "online-termine": "nein",
            "wartezeit": "30,0",
            "smart-meter": "planned",
            "busse": "20",
            "ladepunkte": "",
        },
        domain_weights={"verwaltung": "1", "mobilitaet": "1.0"},
        indicator_weights={"verkehr": "1"},
    )

    assert simulation.is_official
    assert simulation.changed_parameters == ()
    assert_equals_published(simulation, field.run, field.b)


def test_a_changed_answer_moves_only_what_depends_on_it(field):
    # given: 60 % lies between the field's lowest (10) and highest (80) share, and c's new raw value in Verkehr
    # between the other cities' (so no city's points or scores change but c's)
    official = simulate(field, field.c)

    # when
    simulation = simulate(field, field.c, values={"busse": "60"})

    # then
    assert not simulation.is_official
    assert [p.parameter.key for p in simulation.changed_parameters] == ["busse"]
    assert simulation.changed_parameters[0].hypothetical == Decimal(60)
    points = {p.parameter.key: p.points for p in simulation.parameters}
    assert points["busse"].official == pytest.approx(40 / 70)
    assert points["busse"].simulated == pytest.approx(50 / 70)
    assert all(not change.changed for key, change in points.items() if key != "busse")
    indicators = {i.indicator.key: i for i in simulation.indicators}
    assert indicators["verkehr"].raw.delta == pytest.approx(10 / 70 / 2)
    assert indicators["verkehr"].score.delta > 0
    assert not indicators["serviceportal"].changed and not indicators["energie"].changed
    domains = {d.domain.key: d for d in simulation.domains}
    assert domains["verwaltung"].score == official.domains[0].score  # untouched: official == simulated
    assert not domains["verwaltung"].score.changed
    assert domains["mobilitaet"].score.delta == pytest.approx(indicators["verkehr"].score.delta)
    assert simulation.total.delta == pytest.approx(domains["mobilitaet"].score.delta / 2)
    # the rest of the field keeps its published scores
    assert simulation.other_cities_changed == 0


def test_a_value_beyond_the_field_moves_the_other_cities_too_and_says_so(field):
    simulation = simulate(field, field.c, values={"busse": "100"})  # above the field's best, 80

    assert simulation.other_cities_changed > 0


def test_weights_change_the_domain_and_total_means(field):
    # when: Mobilität does not count, and in Verwaltung only Energie counts
    simulation = simulate(
        field, field.b, domain_weights={"mobilitaet": "0"}, indicator_weights={"serviceportal": "0,0"}
    )

    # then
    domains = {d.domain.key: d for d in simulation.domains}
    indicators = {i.indicator.key: i for i in simulation.indicators}
    assert domains["mobilitaet"].weight.official == 1.0 and domains["mobilitaet"].weight.simulated == 0.0
    assert indicators["serviceportal"].weight.simulated == 0.0
    assert domains["verwaltung"].score.simulated == pytest.approx(indicators["energie"].score.simulated) == 50.0
    assert simulation.total.simulated == pytest.approx(domains["verwaltung"].score.simulated)
    assert not indicators["energie"].score.changed  # weights never move indicator scores
    assert not simulation.is_official


def test_doubling_a_domain_weight_weights_the_total(field):
    official = simulate(field, field.d)

    simulation = simulate(field, field.d, domain_weights={"verwaltung": "2"})

    verwaltung, mobilitaet = (d.score.official for d in official.domains)
    assert simulation.total.simulated == pytest.approx((2 * verwaltung + mobilitaet) / 3)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"values": {"busse": "viel"}}, {"p-busse": ["„viel“ ist keine Zahl."]}),
        ({"values": {"busse": "101"}}, {"p-busse": ["Der Wert darf höchstens 100 % sein."]}),
        ({"values": {"wartezeit": "-1"}}, {"p-wartezeit": ["Der Wert muss mindestens 0 Tage sein."]}),
        ({"values": {"ladepunkte": "2.5"}}, {"p-ladepunkte": ["Eine Anzahl ist eine ganze Zahl."]}),
        ({"values": {"online-termine": "vielleicht"}}, {"p-online-termine": ["Bitte „ja“ oder „nein“ angeben."]}),
        ({"values": {"smart-meter": "bald"}}, {"p-smart-meter": ["„bald“ ist keine der erlaubten Optionen."]}),
        ({"values": {"busse": "NaN"}}, {"p-busse": ["Bitte eine endliche Zahl angeben."]}),
        ({"values": {"unbekannt": "1"}}, {"p-unbekannt": ["Die Ausgabe 2040 hat keinen Parameter „unbekannt“."]}),
        ({"domain_weights": {"verwaltung": "-1"}}, {"wd-verwaltung": ["Ein Gewicht darf nicht negativ sein."]}),
        ({"domain_weights": {"verwaltung": "x"}}, {"wd-verwaltung": ["„x“ ist keine Zahl."]}),
        ({"domain_weights": {"verwaltung": "1001"}}, {"wd-verwaltung": ["Ein Gewicht darf höchstens 1000 sein."]}),
        ({"domain_weights": {"kultur": "1"}}, {"wd-kultur": ["Die Ausgabe 2040 hat keinen Themenbereich „kultur“."]}),
        ({"indicator_weights": {"xyz": "1"}}, {"wi-xyz": ["Die Ausgabe 2040 hat keinen Indikator „xyz“."]}),
        (
            {"domain_weights": {"verwaltung": "0", "mobilitaet": "0"}},
            {
                "wd-verwaltung": ["Mindestens ein Themenbereich braucht ein Gewicht über 0."],
                "wd-mobilitaet": ["Mindestens ein Themenbereich braucht ein Gewicht über 0."],
            },
        ),
        (
            {"indicator_weights": {"verkehr": "0"}},
            {"wi-verkehr": ["Mindestens ein Indikator im Themenbereich „Mobilität“ braucht ein Gewicht über 0."]},
        ),
    ],
)
def test_invalid_assumptions_are_refused_with_a_message_per_query_parameter(field, changes, errors):
    with pytest.raises(ValidationError) as raised:
        simulate(field, field.c, **changes)

    assert raised.value.message_dict == errors


def test_every_invalid_assumption_is_reported_at_once(field):
    with pytest.raises(ValidationError) as raised:
        simulate(field, field.c, values={"busse": "x", "wartezeit": "5"}, indicator_weights={"energie": "-2"})

    assert set(raised.value.message_dict) == {"p-busse", "wi-energie"}


def test_a_city_not_ranked_in_the_run_cannot_be_simulated(field):
    outsider = factories.CityFactory()

    with pytest.raises(simulator.CityNotRanked):
        simulate(field, outsider)
    with pytest.raises(simulator.CityNotRanked):
        simulator.gains(field.edition, field.run, outsider)


def test_the_scenario_is_read_from_the_query_and_written_back():
    scenario = simulator.Scenario.from_query(
        {"p-busse": " 40 ", "p-wartezeit": "", "wd-verwaltung": "2", "wi-energie": "0", "stadt": "x", "p-": ""}
    )

    assert scenario == simulator.Scenario({"busse": "40"}, {"verwaltung": "2"}, {"energie": "0"})
    assert scenario.as_query() == {"p-busse": "40", "wd-verwaltung": "2", "wi-energie": "0"}


# --------------------------------------------------------------------------- where the city gains the most


def test_the_best_values_are_the_fields_best_per_kind_and_per_capita(field):
    baseline = simulator.run_baseline(field.edition, field.run)
    keys = [p.key for p in baseline.parameters]
    d, a = baseline.row_of(field.d), baseline.row_of(field.a)

    best = {key: simulator.best_value(baseline, d, keys.index(key)) for key in keys}

    # d has 100,000 inhabitants; the best per capita is a's 0.5 per 1,000 -> 50 for d
    assert best == {"online-termine": "ja", "wartezeit": "10", "smart-meter": "live", "busse": "80", "ladepunkte": "50"}
    assert [simulator.best_value(baseline, a, p) for p in range(len(keys))] == [None] * len(keys)


def test_gains_are_sorted_and_applying_one_raises_the_total_by_that_much(field):
    # when
    found = simulator.gains(field.edition, field.run, field.d)

    # then
    assert {gain.parameter.key: gain.value for gain in found} == {
        "online-termine": "ja",
        "wartezeit": "10",
        "smart-meter": "live",
        "busse": "80",
        "ladepunkte": "50",
    }
    gains = [gain.gain for gain in found]
    assert gains == sorted(gains, reverse=True) and all(gain > 0 for gain in gains)
    official = simulate(field, field.d)
    for gain in found:
        applied = simulate(field, field.d, values={gain.parameter.key: gain.value})
        assert applied.total.simulated == gain.total
        assert applied.total.delta == gain.gain
        assert applied.rank.simulated == gain.rank
        assert applied.total.official == official.total.official


def test_gains_leave_out_what_the_city_has_at_best_and_respect_the_limit(field):
    assert simulator.gains(field.edition, field.run, field.a) == []  # a is best everywhere

    found = simulator.gains(field.edition, field.run, field.c, limit=2)

    assert len(found) == 2
    every = simulator.gains(field.edition, field.run, field.c)
    assert "online-termine" not in {gain.parameter.key for gain in every}  # c already says yes
    assert [g.parameter.key for g in found] == [g.parameter.key for g in every[:2]]


def test_gains_are_cached_per_run_and_city(field, django_assert_num_queries):
    simulator.gains(field.edition, field.run, field.d)

    with django_assert_num_queries(0):
        again = simulator.gains(field.edition, field.run, field.d)

    assert len(again) == 5


# --------------------------------------------------------------------------- the page


def url(field, city, query: str = "") -> str:
    return f"/simulator/{field.edition.year}/{city.slug}/{query}"


def test_the_page_shows_the_published_result_the_form_and_the_gains(client, field):
    response = client.get(url(field, field.d))

    assert response.status_code == 200
    content = squash(response.content.decode())
    assert "<h1>Was wäre, wenn …? Stadt D</h1>" in content
    rank = CityScore.objects.get(run=field.run, city=field.d).rank
    assert f'<strong id="sim-rank">{rank}</strong>' in content
    assert "Offizielles Ergebnis" in content
    assert "Nichts davon wird gespeichert" in content
    assert '<form class="simulator" method="get" action="/simulator/2040/stadt-d/"' in content
    for name in ("p-online-termine", "p-wartezeit", "p-smart-meter", "p-busse", "p-ladepunkte"):
        assert f'name="{name}"' in content
    for name in ("wd-verwaltung", "wd-mobilitaet", "wi-serviceportal", "wi-energie", "wi-verkehr"):
        assert f'name="{name}" value="1" data-default="1"' in content
    assert '<button type="submit">Berechnen</button>' in content
    assert '<a href="/simulator/2040/stadt-d/">Zurücksetzen</a>' in content
    assert "offiziell: 10 %" in content  # d's published share of buses
    gains = re.findall(r'<li><a href="(\?p-[^"]+)">', content)
    assert len(gains) == 5 and "?p-busse=80" in gains
    assert f"Punkte im Gesamtwert, Rang {rank} → " in content
    assert 'class="changed"' not in content


def test_the_page_applies_the_assumptions_in_the_url(client, field):
    # given
    gain = next(g for g in simulator.gains(field.edition, field.run, field.d) if g.parameter.key == "busse")

    # when
    response = client.get(url(field, field.d, "?p-busse=80&wd-verwaltung=1"))

    # then
    assert response.status_code == 200
    content = squash(response.content.decode())
    official = CityScore.objects.get(run=field.run, city=field.d)
    places = official.rank - gain.rank
    shown = f"+{places}" if places > 0 else "0"
    assert f'<strong id="sim-rank">{gain.rank}</strong> <span class="change">({shown})</span> von 4' in content
    assert "Ergebnis mit Ihren Annahmen" in content
    assert f'<span class="official"><span class="visually-hidden">offiziell</span> {official.rank}</span>' in content
    name = factories.parameter(field.edition, "busse").name_de
    arrow = '<span aria-hidden="true">→</span><span class="visually-hidden">angenommen:</span>'
    assert f"<li>{name}: 10 % {arrow} <strong>80 %</strong></li>" in content
    assert 'name="p-busse" value="80"' in content
    assert '<tr class="changed"> <th scope="row">Verkehr <span class="changed-mark">geändert</span></th>' in content
    assert '<tr class="changed"> <th scope="row">Mobilität <span class="changed-mark">geändert</span></th>' in content
    assert '<th scope="row">Energie</th>' in content  # unchanged rows carry no mark
    assert '<details class="sim-domain" id="bereich-mobilitaet" open>' in content
    assert '<details class="sim-domain" id="bereich-verwaltung">' in content


def test_a_yes_given_as_yes_selects_ja(client, field):
    content = client.get(url(field, field.d, "?p-online-termine=yes")).content.decode()

    assert '<option value="ja" selected>ja</option>' in content


def test_invalid_input_answers_400_with_the_message_next_to_the_field_and_the_published_result(client, field):
    response = client.get(url(field, field.d, "?p-busse=150&p-wartezeit=5&wd-verwaltung=-1&p-gibtsnicht=1"))

    assert response.status_code == 400
    content = squash(response.content.decode())
    assert '<p class="error" id="f-p-busse-error">Der Wert darf höchstens 100 % sein.</p>' in content
    assert 'aria-invalid="true" aria-describedby="f-p-busse-error"' in content
    assert '<p class="error" id="f-wd-verwaltung-error">Ein Gewicht darf nicht negativ sein.</p>' in content
    assert "<li>Die Ausgabe 2040 hat keinen Parameter „gibtsnicht“.</li>" in content
    assert 'name="p-busse" value="150"' in content and 'name="p-wartezeit" value="5"' in content  # kept
    # nothing else changes: the published result
    rank = CityScore.objects.get(run=field.run, city=field.d).rank
    assert f'<strong id="sim-rank">{rank}</strong>' in content
    assert "Offizielles Ergebnis" in content


def test_the_page_is_404_for_an_unpublished_or_unknown_edition_and_a_city_not_in_it(client, field):
    collecting = factories.small_edition(cities=2, year=2041)
    answer_all(collecting)
    outsider = factories.cities_of(collecting)[0]

    assert client.get(f"/simulator/2041/{outsider.slug}/").status_code == 404
    assert client.get("/simulator/2041/").status_code == 404
    assert client.get("/simulator/2039/stadt-a/").status_code == 404
    assert client.get(f"/simulator/2040/{outsider.slug}/").status_code == 404
    assert client.get("/simulator/2040/gibt-es-nicht/").status_code == 404


def test_the_page_in_english(client, field):
    response = client.get(url(field, field.c, "?p-busse=60").replace("/simulator/", "/en/simulator/"))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert 'action="/en/simulator/2040/stadt-c/"' in content


def test_the_city_profile_links_to_the_simulator(client, field):
    content = client.get(f"/stadt/{field.c.slug}/2040/").content.decode()

    assert '<a href="/simulator/2040/stadt-c/">Was wäre, wenn …? Simulator öffnen</a>' in content


def test_the_city_picker_lists_the_cities_and_opens_one(client, field):
    content = squash(client.get("/simulator/2040/").content.decode())
    assert all(f'<a href="/simulator/2040/stadt-{name}/">Stadt {name.upper()}</a>' in content for name in "abcd")

    response = client.get("/simulator/2040/?stadt=stadt-b")
    assert response.status_code == 302 and response["Location"] == "/simulator/2040/stadt-b/"

    response = client.get("/simulator/2040/?stadt=hamburg")
    assert response.status_code == 400
    assert "„hamburg“ ist keine Stadt dieser Ausgabe." in response.content.decode()


@pytest.mark.parametrize("cities", [4, 30])
def test_the_page_runs_a_fixed_number_of_queries(client, editor, cities, django_assert_num_queries):
    edition = factories.small_edition(cities=cities, year=YEAR)
    answer_all(edition)
    publish(edition, editor)
    city = factories.cities_of(edition)[0]
    page = f"/simulator/{YEAR}/{city.slug}/"

    with django_assert_num_queries(15):  # the first visit loads the run's inputs (11 queries) and caches them
        assert client.get(page, {"p-busse": "99", "wd-verwaltung": "2"}).status_code == 200
    with django_assert_num_queries(4):  # edition, run, city, the city's published answers
        assert client.get(page, {"p-busse": "98", "wd-verwaltung": "2"}).status_code == 200


def test_only_the_unmodified_page_is_cached(client, field):
    # Hypothetical answers are endless variants: computed for their reader, never stored
    # (tests/smartcity/test_page_cache.py has the rest).
    first = client.get(url(field, field.c, "?p-busse=60"))
    again = client.get(url(field, field.c, "?p-busse=60"))
    plain = client.get(url(field, field.c, ""))
    plain_again = client.get(url(field, field.c, ""))

    assert (first["X-Cache"], again["X-Cache"]) == ("bypass", "bypass")
    assert (plain["X-Cache"], plain_again["X-Cache"]) == ("miss", "hit")


# --------------------------------------------------------------------------- the API


def test_the_api_simulates_a_changed_answer(client, field):
    gain = next(g for g in simulator.gains(field.edition, field.run, field.d) if g.parameter.key == "busse")

    response = client.get("/api/v1/simulator/", {"edition": 2040, "city": "stadt-d", "p-busse": "80"})

    assert response.status_code == 200
    body = response.json()
    official = CityScore.objects.get(run=field.run, city=field.d)
    assert body["edition"] == 2040 and body["city"]["slug"] == "stadt-d" and body["city_count"] == 4
    assert body["is_official"] is False
    assert body["total"] == {"official": official.total, "simulated": gain.total, "delta": gain.gain}
    assert body["rank"] == {"official": official.rank, "simulated": gain.rank, "delta": official.rank - gain.rank}
    assert body["parameters"] == [
        {
            "key": "busse",
            "indicator": "verkehr",
            "name_de": factories.parameter(field.edition, "busse").name_de,
            "name_en": "",
            "official": 10,
            "simulated": 80,
            "points": {"official": 0.0, "simulated": 1.0, "delta": 1.0},
        }
    ]
    assert [d["key"] for d in body["domains"]] == ["verwaltung", "mobilitaet"]
    assert [d["changed"] for d in body["domains"]] == [False, True]
    assert [i["key"] for i in body["indicators"]] == ["serviceportal", "energie", "verkehr"]
    assert body["links"]["page"] == "http://testserver/simulator/2040/stadt-d/?p-busse=80"


def test_the_api_without_assumptions_returns_the_published_scores(client, field):
    body = client.get("/api/v1/simulator/", {"city": "stadt-b"}).json()  # the newest published edition

    official = CityScore.objects.get(run=field.run, city=field.b)
    assert body["is_official"] is True
    assert body["total"] == {"official": official.total, "simulated": official.total, "delta": 0.0}
    assert body["parameters"] == []
    stored = {s.domain.key: s.score for s in DomainScore.objects.filter(run=field.run, city=field.b)}
    assert {d["key"]: d["score"]["simulated"] for d in body["domains"]} == stored


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"edition": 2040, "city": "stadt-d", "p-gibtsnicht": "1"},
            {"p-gibtsnicht": ["Die Ausgabe 2040 hat keinen Parameter „gibtsnicht“."]},
        ),
        ({"edition": 2040, "city": "stadt-d", "p-busse": "-5"}, {"p-busse": ["Der Wert muss mindestens 0 % sein."]}),
        (
            {"edition": 2040, "city": "stadt-d", "wi-verkehr": "-1"},
            {"wi-verkehr": ["Ein Gewicht darf nicht negativ sein."]},
        ),
        ({"edition": 2040, "city": "hamburg"}, {"city": ["„hamburg“ ist keine Stadt der Ausgabe 2040."]}),
        ({"edition": 2041, "city": "stadt-d"}, {"edition": ["Es gibt keine veröffentlichte Ausgabe 2041."]}),
        ({"edition": 2040}, {"city": ["Dieses Feld ist zwingend erforderlich."]}),
    ],
)
def test_the_api_answers_400_naming_the_query_parameter(client, field, params, errors):
    response = client.get("/api/v1/simulator/", params)

    assert response.status_code == 400
    assert response.json() == {"message": "Die Eingaben sind ungültig.", "code": "invalid", "errors": errors}


def test_the_api_refuses_a_city_not_ranked_in_the_edition(client, field):
    outsider = factories.CityFactory()

    response = client.get("/api/v1/simulator/", {"edition": 2040, "city": outsider.slug})

    assert response.status_code == 400
    assert response.json()["errors"] == {"city": [f"„{outsider.slug}“ ist keine Stadt der Ausgabe 2040."]}


def test_the_api_is_404_while_nothing_is_published(client, db):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    assert client.get("/api/v1/simulator/", {"city": "x"}).status_code == 404
    assert client.get("/api/v1/cities/x/gains/").status_code == 404


def test_the_gains_endpoint_lists_the_biggest_gains_with_links(client, field):
    found = simulator.gains(field.edition, field.run, field.d, limit=2)

    response = client.get("/api/v1/cities/stadt-d/gains/", {"edition": 2040, "limit": 2})

    assert response.status_code == 200
    body = response.json()
    official = CityScore.objects.get(run=field.run, city=field.d)
    assert (body["edition"], body["city"]["slug"], body["total"], body["rank"]) == (
        2040,
        "stadt-d",
        official.total,
        official.rank,
    )
    assert [g["parameter"] for g in body["gains"]] == [g.parameter.key for g in found]
    assert [g["gain"] for g in body["gains"]] == [g.gain for g in found]
    busse = next((g for g in body["gains"] if g["parameter"] == "busse"), None)
    if busse is not None:
        assert (busse["official"], busse["best"], busse["kind"], busse["unit"]) == (10, 80, "percentage", "%")
    first = body["gains"][0]
    assert first["page"] == f"http://testserver/simulator/2040/stadt-d/?p-{first['parameter']}={found[0].value}"
    applied = client.get(first["simulator"]).json()
    assert applied["total"]["delta"] == first["gain"]


def test_the_gains_endpoint_answers_404_for_an_unknown_or_unranked_city(client, field):
    outsider = factories.CityFactory(name="Außenstadt")

    assert client.get("/api/v1/cities/gibt-es-nicht/gains/").status_code == 404
    response = client.get(f"/api/v1/cities/{outsider.slug}/gains/", {"edition": 2040})
    assert response.status_code == 404
    assert response.json()["message"] == "Außenstadt ist in der Ausgabe 2040 nicht bewertet."
    assert client.get("/api/v1/cities/stadt-d/gains/", {"limit": 51}).status_code == 400


@pytest.mark.parametrize("cities", [4, 30])
def test_the_api_runs_a_fixed_number_of_queries(client, editor, cities, django_assert_num_queries):
    edition = factories.small_edition(cities=cities, year=YEAR)
    answer_all(edition)
    publish(edition, editor)
    city = factories.cities_of(edition)[0]
    client.get("/api/v1/simulator/", {"edition": YEAR, "city": city.slug})  # loads and caches the run's inputs

    with django_assert_num_queries(4):  # edition, run, city, the city's published answers
        response = client.get("/api/v1/simulator/", {"edition": YEAR, "city": city.slug, "p-busse": "1"})
    assert response.status_code == 200
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/cities/{city.slug}/gains/", {"edition": YEAR})
    assert response.status_code == 200
