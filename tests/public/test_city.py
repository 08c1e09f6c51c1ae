"""The public city profile and the comparison of cities: content, explanations, 404s, errors, query counts, English."""

import json
import re
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pytest

from indicators.models import Answer, Domain, Edition, Indicator, Parameter, Participation
from public import compare
from scoring import engine
from scoring.inputs import load_inputs
from scoring.models import CityScore, IndicatorScore
from smartcity.page_cache import page_cache_clear
from tests import factories
from tests.scoring.test_services import answer_all, publish

APPROVED = Answer.Status.APPROVED

# The newer edition's approved answers, per city (a, b, c), chosen so every score is known:
#   serviceportal  online-termine yes/no/yes, wartezeit 10/30/(none) days, lower is better
#                  -> points a 1+1, b 0+0, c 1+0 (missing counts as worst) -> raw 1, 0, 0.5 -> 100, 0, 50
#   energie        smart-meter none/planned/live -> 0, 0.5, 1 -> 0, 50, 100
#   verkehr        busse 80/20/50 % -> 1, 0, 0.5;
#                  ladepunkte 100/60/40 at 200,000 inhabitants = 0.5/0.3/0.2 per 1,000 -> 1, 1/3, 0
#                  -> raw 1, 1/6, 0.25 -> 100, 0, (0.25 - 1/6) / (5/6) = 10
# c has an innovation project in Mobilität worth 3 bonus points:
#   verwaltung a 50, b 25, c 75; mobilitaet a 100, b 0, c 13 -> totals a 75, c 44, b 12.5.
VALUES = {
    "online-termine": [{"value_bool": True}, {"value_bool": False}, {"value_bool": True}],
    "wartezeit": [{"value_number": Decimal(10)}, {"value_number": Decimal(30)}, None],
    "smart-meter": [{"value_choice": "none"}, {"value_choice": "planned"}, {"value_choice": "live"}],
    "busse": [{"value_number": Decimal(80)}, {"value_number": Decimal(20)}, {"value_number": Decimal(50)}],
    "ladepunkte": [{"value_number": Decimal(100)}, {"value_number": Decimal(60)}, {"value_number": Decimal(40)}],
}


def chart_data(content: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="data-{chart_id}" type="application/json">(.*?)</script>', content, re.S)
    assert match, f"no chart {chart_id}"
    return json.loads(match.group(1))


def squash(content: str) -> str:
    return re.sub(r"\s+", " ", content)


@pytest.fixture
def index(editor):
    """Two published editions, 2040 (cities a, b, c and d) and 2041 (a, b, c with the answers above)."""
    old = factories.small_edition(cities=4, year=2040)
    answer_all(old, seed=1)
    publish(old, editor)
    a, b, c, d = factories.cities_of(old)
    new = factories.small_edition(cities=0, year=2041)
    for city in (a, b, c):
        Participation.objects.create(edition=new, city=city)
    for key, values in VALUES.items():
        parameter = factories.parameter(new, key)
        for city, value in zip((a, b, c), values, strict=True):
            if value is not None:
                Answer.objects.create(
                    edition=new,
                    city=city,
                    parameter=parameter,
                    status=APPROVED,
                    evidence_url=f"https://example.org/{key}/{city.slug}",
                    **value,
                )
    # An answer that is not approved never counts and is never shown.
    Answer.objects.create(
        edition=new, city=c, parameter=factories.parameter(new, "wartezeit"), value_number=Decimal(123)
    )
    mobilitaet = Domain.objects.get(edition=new, key="mobilitaet")
    factories.InnovationProjectFactory(
        edition=new,
        domain=mobilitaet,
        city=c,
        title="Sensoren an Ladesäulen",
        description="Freie Ladepunkte in Echtzeit.",
        bonus_points=Decimal(3),
        bonus_justification="Übertragbar auf andere Städte.",
    )
    run = publish(new, editor)
    return SimpleNamespace(old=old, new=new, run=run, a=a, b=b, c=c, d=d)


def test_the_profile_shows_rank_total_trend_and_domains(client, index):
    # given
    old_rank = CityScore.objects.get(run__edition=index.old, city=index.c).rank

    # when
    response = client.get(f"/stadt/{index.c.slug}/2041/")

    # then
    assert response.status_code == 200
    content = squash(response.content.decode())
    assert f"<h1>{index.c.name}</h1>" in content
    assert "<dt>Rang</dt><dd><strong>2</strong> von 3</dd>" in content
    assert "<dt>Gesamtwert</dt><dd><strong>44,0</strong></dd>" in content
    trend = old_rank - 2
    shown = f"+{trend}" if trend > 0 else (f"\u2212{-trend}" if trend < 0 else "0")
    assert f'<dt>Tendenz</dt><dd>{shown} <span class="note">(zuvor Rang {old_rank})</span></dd>' in content
    assert '<th scope="row"><a href="#bereich-verwaltung">Verwaltung</a></th> <td>75,0</td><td>1</td>' in content
    assert '<th scope="row"><a href="#bereich-mobilitaet">Mobilität</a></th> <td>13,0</td><td>2</td>' in content
    domains = chart_data(content, "domains")
    assert domains["labels"] == ["Verwaltung", "Mobilität"]
    assert [d["label"] for d in domains["datasets"]] == [index.c.name, "Durchschnitt aller Städte", "Beste Stadt"]
    assert domains["datasets"][0]["data"] == pytest.approx([75.0, 13.0])
    assert domains["datasets"][1]["data"] == pytest.approx([50.0, 113 / 3])
    assert domains["datasets"][2]["data"] == pytest.approx([75.0, 100.0])
    assert '<a href="/ranking/2041/">Zurück zum Ranking Smart City Index 2041</a>' in content


def test_the_profile_lists_the_strongest_and_weakest_indicators_with_links(client, index):
    content = squash(client.get(f"/stadt/{index.c.slug}/2041/").content.decode())

    strongest = re.search(r'<ol class="strongest">(.*?)</ol>', content).group(1)
    weakest = re.search(r'<ol class="weakest">(.*?)</ol>', content).group(1)
    assert strongest.strip() == (
        '<li><a href="/ranking/2041/indikator/energie/">Energie</a>: 100,0 <span class="note">(Rang 1)</span></li>'
    )
    assert weakest.strip() == (
        '<li><a href="/ranking/2041/indikator/verkehr/">Verkehr</a>: 10,0 <span class="note">(Rang 2)</span></li>'
    )


def test_the_history_covers_every_published_edition_of_the_city(client, index):
    old_score = CityScore.objects.get(run__edition=index.old, city=index.c)

    content = client.get(f"/stadt/{index.c.slug}/2041/").content.decode()

    history = chart_data(content, "history")
    assert history["labels"] == ["2040", "2041"]
    assert history["datasets"] == [{"label": "Rang", "data": [old_score.rank, 2]}]
    assert history["value_format"] == "rank" and history["reverse_y"] is True
    assert 'id="canvas-history"' in content
    totals = chart_data(content, "history-total")
    assert totals["datasets"][0]["data"] == pytest.approx([old_score.total, 44.0])
    assert f'<a href="/stadt/{index.c.slug}/2040/">2040</a>' in content
    assert f'<a href="/stadt/{index.c.slug}/2041/" aria-current="page">2041</a>' in content


def test_the_profile_shows_the_innovation_projects_of_the_edition(client, index):
    content = squash(client.get(f"/stadt/{index.c.slug}/2041/").content.decode())

    assert "<h3>Sensoren an Ladesäulen</h3>" in content
    assert '<p class="note">Mobilität · 3,0 Bonuspunkte</p>' in content
    assert "<p>Freie Ladepunkte in Echtzeit.</p>" in content
    assert "Übertragbar auf andere Städte." in content
    assert "Mittel der Indikatorwerte 10,0 plus Innovationsbonus 3,0 ergibt 13,0." in content
    old_profile = client.get(f"/stadt/{index.c.slug}/2040/").content.decode()
    assert "Sensoren an Ladesäulen" not in old_profile
    assert "In dieser Ausgabe hat die Stadt keine innovativen Projekte eingereicht." in old_profile


def test_the_drill_down_explains_the_indicator_score_with_the_field(client, index):
    content = squash(client.get(f"/stadt/{index.c.slug}/2041/").content.decode())

    assert 'id="indikator-mobilitaet-verkehr"' in content
    assert (
        f"Beste Stadt: {index.a.name} = 100, schwächste Stadt: {index.b.name} = 0; "
        "der Rohwert dieser Stadt (0,25) ergibt 10,0 Punkte."
    ) in content
    assert (
        f"Beste Stadt: {index.c.name} = 100, schwächste Stadt: {index.a.name} = 0; "
        "der Rohwert dieser Stadt (1,00) ergibt 100,0 Punkte."
    ) in content
    assert "Der Gesamtwert (44,0) ist das gewichtete Mittel der 2 Themenbereiche." in content


def test_the_drill_down_shows_approved_answers_with_evidence_and_their_points(client, index):
    content = squash(client.get(f"/stadt/{index.c.slug}/2041/").content.decode())

    # a per-capita number: the field's best and worst with their cities, this city's points
    assert (
        f"Bester Wert im Feld: 0,5 Ladepunkte je 1.000 Einwohner ({index.a.name}) = 1 Punkt; "
        f"schwächster Wert: 0,2 Ladepunkte je 1.000 Einwohner ({index.c.name}) = 0 Punkte; dazwischen linear."
    ) in content
    assert "Antwort dieser Stadt: 40 Ladepunkte (0,2 Ladepunkte je 1.000 Einwohner) ergibt 0,00 Punkte." in content
    assert "Antwort dieser Stadt: 50 % ergibt 0,50 Punkte." in content
    assert f'<a class="evidence" href="https://example.org/busse/{index.c.slug}"' in content
    # yes/no and choice: which answer gives which points
    assert "„Ja“ ergibt 1 Punkt, „Nein“ 0 Punkte." in content
    assert "Antwort dieser Stadt: ja ergibt 1,00 Punkte." in content
    assert "Punkte je Antwort: keine = 0, geplant = 0,5, im Betrieb = 1." in content
    assert "Antwort dieser Stadt: im Betrieb ergibt 1,00 Punkte." in content
    # lower is better, and a missing answer counted by the edition's policy
    assert (
        f"Bester Wert im Feld: 10 Tage ({index.a.name}) = 1 Punkt; schwächster Wert: 30 Tage ({index.b.name}) "
        "= 0 Punkte; dazwischen linear. Niedrigere Werte sind besser."
    ) in content
    assert (
        "Keine freigegebene Antwort: nach der Regel dieser Ausgabe zählt sie als schlechtester Wert (0 Punkte)."
        in content
    )


def test_answers_that_are_not_approved_are_never_shown(client, index):
    content = squash(client.get(f"/stadt/{index.c.slug}/2041/").content.decode())

    assert "123" not in content
    wartezeit = re.search(r"<h4>Parameter \d+</h4>(?:(?!<h4>).)*?Niedrigere Werte sind besser", content)
    assert wartezeit and "<em>keine freigegebene Antwort</em>" in wartezeit.group(0)


def test_the_explanations_reproduce_the_published_run(index):
    # A published edition's inputs are frozen: the engine on them gives the stored scores exactly.
    inputs = load_inputs(index.new)
    result = engine.compute(inputs.structure, inputs.values, inputs.population, inputs.bonus, inputs.methodology)
    row = {city: i for i, city in enumerate(inputs.city_ids.tolist())}
    col = {indicator: i for i, indicator in enumerate(inputs.indicator_ids.tolist())}

    stored = list(IndicatorScore.objects.filter(run=index.run))

    assert len(stored) == 9
    for score in stored:
        assert score.score == result.indicator_score[row[score.city_id], col[score.indicator_id]]
    for score in CityScore.objects.filter(run=index.run):
        assert score.total == result.total[row[score.city_id]]
    assert np.isnan(result.parameter_points).sum() == 0


def test_the_latest_profile_is_the_newest_edition_the_city_takes_part_in(client, index):
    assert "<dt>Gesamtwert</dt><dd><strong>44,0</strong></dd>" in squash(
        client.get(f"/stadt/{index.c.slug}/").content.decode()
    )
    # d took part in 2040 only
    response = client.get(f"/stadt/{index.d.slug}/")
    assert response.status_code == 200
    assert "<title>" + f"{index.d.name} – Smart City Index 2040" + "</title>" in response.content.decode()


def test_unknown_cities_unpublished_editions_and_absent_cities_are_not_found(client, index):
    # given: a 2042 edition in review in which c takes part
    review = factories.small_edition(cities=0, year=2042, phase=Edition.Phase.REVIEW)
    Participation.objects.create(edition=review, city=index.c)

    assert client.get(f"/stadt/{index.c.slug}/2042/").status_code == 404
    assert client.get(f"/stadt/{index.c.slug}/2039/").status_code == 404
    assert client.get("/stadt/nirgendwo/2041/").status_code == 404
    assert client.get("/stadt/nirgendwo/").status_code == 404
    assert client.get(f"/stadt/{index.d.slug}/2041/").status_code == 404
    assert client.get(f"/stadt/{index.d.slug}/2040/").status_code == 200
    assert client.get("/vergleich/2042/?stadt=a&stadt=b").status_code == 404


def test_a_city_never_ranked_has_no_profile(client, index):
    newcomer = factories.CityFactory()

    assert client.get(f"/stadt/{newcomer.slug}/").status_code == 404


def test_the_profile_offers_a_comparison_with_the_city_preselected(client, index):
    content = squash(client.get(f"/stadt/{index.c.slug}/2041/").content.decode())

    form = re.search(r'<form class="compare" method="get" action="/vergleich/2041/">(.*?)</form>', content).group(1)
    assert f'<input type="hidden" name="stadt" value="{index.c.slug}">' in form
    options = re.findall(r'<option value="([^"]*)">', form)
    assert options == ["", *sorted([index.a.slug, index.b.slug], key=lambda s: s)]


def test_comparing_two_cities_shows_totals_domains_and_marks_the_best(client, index):
    response = client.get(f"/vergleich/2041/?stadt={index.c.slug}&stadt={index.a.slug}")

    assert response.status_code == 200
    content = squash(response.content.decode())
    assert f"<h1>{index.c.name} · {index.a.name}</h1>" in content
    totals = re.search(r'<table class="compare-table totals">(.*?)</table>', content).group(1)
    assert '<tr><th scope="row">Rang</th><td>2</td><td>1</td></tr>' in totals
    assert (
        '<tr><th scope="row">Gesamtwert</th><td>44,0 <span class="gap">(−31,0)</span><span class="cell-rank">Rang 2'
        '</span></td><td class="best">75,0 <span class="best-mark">Bestwert</span><span class="cell-rank">Rang 1'
        "</span></td></tr>"
    ) in totals
    verkehr = re.search(r'<a href="/ranking/2041/indikator/verkehr/">Verkehr</a></th>(.*?)</tr>', content).group(1)
    assert verkehr == (
        '<td>10,0 <span class="gap">(−90,0)</span><span class="cell-rank">Rang 2</span></td>'
        '<td class="best">100,0 <span class="best-mark">Bestwert</span><span class="cell-rank">Rang 1</span></td>'
    )
    energie = re.search(r'<a href="/ranking/2041/indikator/energie/">Energie</a></th>(.*?)</tr>', content).group(1)
    assert energie.startswith('<td class="best">100,0 <span class="best-mark">Bestwert</span>')
    chart = chart_data(content, "compare-domains")
    assert chart["labels"] == ["Verwaltung", "Mobilität"]
    assert [d["label"] for d in chart["datasets"]] == [index.c.name, index.a.name]
    assert chart["datasets"][0]["data"] == pytest.approx([75.0, 13.0])
    assert chart["datasets"][1]["data"] == pytest.approx([50.0, 100.0])
    assert f'<a href="/stadt/{index.a.slug}/2041/">{index.a.name}</a>' in content


def test_comparing_three_cities_puts_them_side_by_side(client, index):
    response = client.get(f"/vergleich/2041/?stadt={index.a.slug}&stadt={index.b.slug}&stadt={index.c.slug}")

    assert response.status_code == 200
    content = squash(response.content.decode())
    serviceportal = re.search(
        r'<a href="/ranking/2041/indikator/serviceportal/">Serviceportal</a></th>(.*?)</tr>', content
    ).group(1)
    assert re.findall(r"<td[^>]*>([\d,]+)", serviceportal) == ["100,0", "0,0", "50,0"]
    assert serviceportal.count('class="best"') == 1
    assert content.count('<tr class="summary">') == 2
    assert len(chart_data(content, "compare-domains")["datasets"]) == 3


def test_equal_values_are_not_marked_best_and_ties_are_all_best():
    equal = compare._cells([50.0, 50.0], [1, 1])
    tie = compare._cells([80.0, 20.0, 80.0], [1, 3, 1])

    assert [(cell.is_best, cell.behind) for cell in equal] == [(False, None), (False, None)]
    assert [(cell.is_best, cell.behind) for cell in tie] == [(True, None), (False, 60.0), (True, None)]


def test_without_a_selection_the_comparison_offers_a_form(client, index):
    response = client.get("/vergleich/2041/")

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('<select id="stadt-') == 4
    assert "Dieser Vergleich ist nicht möglich." not in content


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("stadt={a}", "Bitte wählen Sie zwei bis vier Städte; gewählt ist 1."),
        ("stadt=", "Bitte wählen Sie mindestens zwei Städte."),
        ("stadt={a}&stadt=nirgendwo", "„nirgendwo“ ist keine Stadt dieser Ausgabe."),
        ("stadt={a}&stadt={d}", "„{d}“ ist keine Stadt dieser Ausgabe."),
        ("stadt={a}&stadt={b}&stadt={a}", "Jede Stadt kann nur einmal verglichen werden: {a} ist doppelt gewählt."),
    ],
)
def test_a_wrong_selection_is_explained_with_status_400(client, index, query, message):
    slugs = {"a": index.a.slug, "b": index.b.slug, "d": index.d.slug}
    names = {**slugs, "a": index.a.name} if "doppelt" in message else slugs

    response = client.get(f"/vergleich/2041/?{query.format(**slugs)}")

    assert response.status_code == 400
    content = response.content.decode()
    assert "Dieser Vergleich ist nicht möglich." in content
    assert f"<li>{message.format(**names)}</li>" in content
    assert '<form class="compare-pick"' in content


def test_more_than_four_cities_are_refused(client, editor):
    edition = factories.small_edition(cities=5, year=2045)
    answer_all(edition)
    publish(edition, editor)
    query = "&".join(f"stadt={city.slug}" for city in factories.cities_of(edition))

    response = client.get(f"/vergleich/2045/?{query}")

    assert response.status_code == 400
    assert "<li>Bitte wählen Sie zwei bis vier Städte; gewählt sind 5.</li>" in response.content.decode()
    assert response.content.decode().count('<select id="stadt-') == 5


@pytest.mark.parametrize("cities", [3, 30])
def test_the_profile_runs_a_fixed_number_of_queries(client, editor, cities, django_assert_num_queries):
    edition = factories.small_edition(cities=cities, year=2040)
    answer_all(edition)
    publish(edition, editor)
    city = factories.cities_of(edition)[0]

    # the first visit of the run computes its baseline (load_inputs' 8 queries and the catalogue's 3) and caches it
    with django_assert_num_queries(18):
        response = client.get(f"/stadt/{city.slug}/2040/")

    assert response.status_code == 200
    assert response.content.decode().count('<article class="parameter"') == 5


def add_numeric_parameters(edition: Edition, count: int) -> None:
    """`count` more numeric parameters in the edition's first indicator (small_edition has 5)."""
    indicator = Indicator.objects.filter(domain__edition=edition).order_by("domain__position", "position").first()
    for index in range(count):
        factories.ParameterFactory(
            indicator=indicator, key=f"zusatz-{index}", kind=Parameter.Kind.NUMBER, unit="Stk.", position=10 + index
        )


@pytest.mark.parametrize(("cities", "parameters"), [(3, 5), (12, 30)])
def test_a_profile_of_a_run_seen_before_runs_seven_queries_and_reads_nothing_of_the_field(
    client, editor, cities, parameters, django_assert_num_queries
):
    # given: another city's profile computed the run's baseline; the page cache cleared (a publish elsewhere, or
    # the bench before every request)
    edition = factories.small_edition(cities=cities, year=2040)
    add_numeric_parameters(edition, parameters - 5)
    answer_all(edition)
    publish(edition, editor)
    first, second = factories.cities_of(edition)[:2]
    client.get(f"/stadt/{first.slug}/2040/")
    page_cache_clear()

    # when: the city with its history, its domain and indicator scores, answers, projects, the ranked cities,
    # its rank uncertainty; the catalogue and the field from the cached baseline
    with django_assert_num_queries(7) as context:
        response = client.get(f"/stadt/{second.slug}/2040/")

    # then
    assert response.status_code == 200
    assert response.content.decode().count('<article class="parameter"') == parameters
    tables = [re.search(r'FROM "(\w+)"', query["sql"]).group(1) for query in context.captured_queries]
    assert tables.count("indicators_answer") == 1  # the city's own approved answers, nothing of the field
    assert not set(tables) & {"indicators_domain", "indicators_indicator", "indicators_parameter"}


@pytest.mark.parametrize(("cities", "compared"), [(3, 2), (30, 4)])
def test_the_comparison_runs_a_fixed_number_of_queries(client, editor, cities, compared, django_assert_num_queries):
    edition = factories.small_edition(cities=cities, year=2040)
    answer_all(edition)
    publish(edition, editor)
    query = "&".join(f"stadt={city.slug}" for city in factories.cities_of(edition)[:compared])

    with django_assert_num_queries(8):
        response = client.get(f"/vergleich/2040/?{query}")

    assert response.status_code == 200
    assert len(chart_data(response.content.decode(), "compare-domains")["datasets"]) == compared


def test_the_profile_in_english_formats_numbers_for_the_language(client, index):
    response = client.get(f"/en/stadt/{index.c.slug}/2041/")

    assert response.status_code == 200
    content = squash(response.content.decode())
    assert '<html lang="en">' in content
    assert "<strong>44.0</strong>" in content
    assert "(0.25)" in content and "10.0" in content
    english_domain = Domain.objects.get(edition=index.new, key="mobilitaet").name_en
    assert f'<a href="#bereich-mobilitaet">{english_domain}</a>' in content
    assert 'action="/en/vergleich/2041/"' in content


def test_the_comparison_in_english_formats_numbers_for_the_language(client, index):
    response = client.get(f"/en/vergleich/2041/?stadt={index.c.slug}&stadt={index.a.slug}")

    assert response.status_code == 200
    content = squash(response.content.decode())
    assert '<td class="best">75.0 <span class="best-mark">' in content
    assert f'<a href="/en/stadt/{index.a.slug}/2041/">' in content


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (
            "",
            [
                '<dt>Antwort</dt>\n            <dd class="answer">1.234,5 Tage</dd>',
                "<dt>Punkte</dt>",
                "Alle Städte in diesem Indikator</a>",
                '<span class="note">(Rang ',
                '<h2 id="breakdown-heading">So entsteht der Wert</h2>',
            ],
        ),
        (
            "/en",
            [
                '<dt>Answer</dt>\n            <dd class="answer">1,234.5 Tage</dd>',
                "<dt>Points</dt>",
                "All cities in this indicator</a>",
                '<span class="note">(rank ',
                '<h2 id="breakdown-heading">How the score is calculated</h2>',
            ],
        ),
    ],
)
def test_the_breakdown_shows_numbers_and_labels_in_the_readers_language_and_escapes_city_entered_text(
    client, editor, prefix, expected
):
    # given: a city's value with a thousands separator, and an evidence URL with markup in it
    edition = factories.small_edition(cities=3, year=2040)
    answer_all(edition)
    city = factories.cities_of(edition)[0]
    Answer.objects.filter(city=city, parameter__key="wartezeit").update(
        value_number=Decimal("1234.5"), evidence_url='https://example.org/?a=1&b="><script>alert(1)</script>'
    )
    publish(edition, editor)

    # when
    content = client.get(f"{prefix}/stadt/{city.slug}/2040/").content.decode()

    # then: the number formatted as the language writes it, the labels translated, the URL escaped
    for text in expected:
        assert text in content
    assert "<script>alert(1)" not in content
    assert 'href="https://example.org/?a=1&amp;b=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in content
    assert content.count('<article class="parameter"') == 5


@pytest.mark.parametrize("cities", [3, 12])
def test_the_field_statistics_are_computed_once_per_run_not_per_page(client, editor, cities, monkeypatch):
    # given: a published run and FieldStats.of counted
    from public.explain import FieldStats

    edition = factories.small_edition(cities=cities, year=2040)
    answer_all(edition)
    publish(edition, editor)
    computed = []
    original = FieldStats.of.__func__
    monkeypatch.setattr(
        FieldStats, "of", classmethod(lambda cls, baseline: computed.append(1) or original(cls, baseline))
    )

    # when: every city's profile, each a miss of the page cache
    for city in factories.cities_of(edition):
        page_cache_clear()
        assert client.get(f"/stadt/{city.slug}/2040/").status_code == 200

    # then: the field's statistics were computed with the run's baseline, once
    assert len(computed) == 1
