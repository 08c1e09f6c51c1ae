"""The public home page and rankings: published editions only, filters, sorting, fixed query counts, cache."""

import re

import pytest

from indicators.models import City, Edition, Participation
from public.filters import FEDERAL_STATES
from scoring.models import CityScore, DomainScore, IndicatorScore
from tests import factories
from tests.scoring.test_services import answer_all, publish

ROW = re.compile(r'<td class="rank">(\d+)</td>.*?<th scope="row"><a href="([^"]+)">([^<]+)</a></th>', re.DOTALL)


def rows_of(response) -> list[tuple[int, str]]:
    """(rank, city name) of every row of the page's ranking table, in order."""
    return [(int(rank), name) for rank, _href, name in ROW.findall(response.content.decode())]


def published_edition(editor, *, cities: int = 6, year: int = 2040) -> Edition:
    edition = factories.small_edition(cities=cities, year=year)
    answer_all(edition)
    publish(edition, editor)
    return edition


def set_totals(edition: Edition, results: dict[str, tuple[float, int, int | None]]) -> None:
    """Give cities (by name) a fixed total, rank and previous rank, so the expected page is exact."""
    for name, (total, rank, previous_rank) in results.items():
        CityScore.objects.filter(run__edition=edition, city__name=name).update(
            total=total, rank=rank, previous_rank=previous_rank
        )


@pytest.fixture
def ranked(editor):
    """A published 2040 edition of six named cities with fixed totals, ranks, states and populations."""
    edition = published_edition(editor)
    cities = [
        ("Aachen", "Nordrhein-Westfalen", 250_000),
        ("Berlin", "Berlin", 3_800_000),
        ("Bonn", "Nordrhein-Westfalen", 330_000),
        ("Köln", "Nordrhein-Westfalen", 1_080_000),
        ("München", "Bayern", 1_500_000),
        ("Würzburg", "Bayern", 127_000),
    ]
    for city, (name, state, population) in zip(factories.cities_of(edition), cities, strict=True):
        City.objects.filter(pk=city.pk).update(name=name, state=state, population=population)
    set_totals(
        edition,
        {
            "München": (88.26, 1, 3),
            "Köln": (80.0, 2, 1),
            "Aachen": (70.0, 3, None),
            "Berlin": (60.0, 4, 2),
            "Würzburg": (50.0, 5, 6),
            "Bonn": (40.0, 6, 5),
        },
    )
    return edition


FULL_RANKING = [(1, "München"), (2, "Köln"), (3, "Aachen"), (4, "Berlin"), (5, "Würzburg"), (6, "Bonn")]


# --------------------------------------------------------------------------- home


def test_home_says_what_the_index_is_with_counts_from_the_edition(client, ranked):
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Smart City Index</h1>" in content
    assert "Digitalisierung in Deutschlands 6 Großstädten" in content
    assert "in 2 Themenbereichen mit zusammen 3 Indikatoren" in content
    assert "zwischen 0 und 100 und sind relativ zum Feld" in content


def test_home_shows_the_top_ten_of_the_newest_published_edition(client, editor):
    # given: twelve cities ranked 1..12 by id
    edition = published_edition(editor, cities=12)
    for rank, city in enumerate(factories.cities_of(edition), start=1):
        CityScore.objects.filter(run__edition=edition, city=city).update(rank=rank, total=100 - rank)
    names = [city.name for city in factories.cities_of(edition)]

    # when
    response = client.get("/")

    # then
    content = response.content.decode()
    top = content[content.index('<table class="top-ten">') : content.index("</table>")]
    assert [name for _rank, _href, name in ROW.findall(top)] == names[:10]
    assert "Die ersten 10 Plätze" in top
    assert "Die Spitze: Smart City Index 2040" in content


def test_home_lists_the_biggest_climbers_by_places_gained(client, ranked):
    response = client.get("/")

    content = response.content.decode()
    climbers = content[content.index('<table class="climbers">') :]
    climbers = climbers[: climbers.index("</table>")]
    # München +2, Würzburg +1; Köln (−1), Berlin (−2), Bonn (−1) lost places, Aachen is new
    assert re.findall(r'<a href="[^"]+">([^<]+)</a>', climbers) == ["München", "Würzburg"]
    assert '<td class="trend up">+2</td>' in climbers
    assert '<td class="trend up">+1</td>' in climbers


def test_home_shows_at_most_five_climbers(client, editor):
    # given: seven cities that each gained places, the last one most
    edition = published_edition(editor, cities=7)
    cities = factories.cities_of(edition)
    for rank, city in enumerate(cities, start=1):
        CityScore.objects.filter(run__edition=edition, city=city).update(rank=rank, previous_rank=rank + rank)

    # when
    response = client.get("/")

    # then
    content = response.content.decode()
    climbers = content[content.index('<table class="climbers">') :]
    climbers = climbers[: climbers.index("</table>")]
    assert re.findall(r'<a href="[^"]+">([^<]+)</a>', climbers) == [c.name for c in reversed(cities)][:5]


def test_home_without_climbers_says_so(client, editor):
    published_edition(editor, cities=3)  # the first edition: every city is new

    content = client.get("/").content.decode()

    assert 'class="climbers"' not in content
    assert "Keine Stadt hat gegenüber der vorigen Ausgabe Plätze gewonnen." in content


def test_home_links_to_the_ranking_methodology_and_open_data(client, ranked):
    content = client.get("/").content.decode()

    assert '<a href="/ranking/2040/">Das vollständige Ranking</a>' in content
    assert '<a href="/methodik/2040/">Die Methodik</a>' in content
    assert '<a href="/daten/">Offene Daten zum Herunterladen</a>' in content
    munich = City.objects.get(name="München")
    assert f'<a href="/stadt/{munich.slug}/2040/">München</a>' in content


def test_without_a_published_edition_the_home_page_says_so(client, db):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.COLLECTION)

    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Es ist noch keine Ausgabe veröffentlicht." in content
    assert "<table" not in content


# --------------------------------------------------------------------------- ranking


def test_the_ranking_lists_every_city_by_total_with_its_domain_scores(client, ranked):
    response = client.get("/ranking/2040/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Smart City Index 2040</h1>" in content
    assert rows_of(response) == FULL_RANKING
    assert "6 von 6 Städten" in content
    assert '<caption id="ranking-caption">Gesamtranking</caption>' in content
    assert content.count('<th scope="row">') == 6
    assert '<td class="total sorted">88,3</td>' in content
    assert '<div class="table-scroll" role="region" aria-labelledby="ranking-caption" tabindex="0">' in content
    munich = DomainScore.objects.get(run__edition=ranked, city__name="München", domain__key="mobilitaet")
    row = content[content.index(">München</a>") :]
    assert f"<td>{munich.score:.1f}</td>".replace(".", ",") in row[: row.index("</tr>")]


def test_the_ranking_shows_trends_and_links_each_city(client, ranked):
    content = client.get("/ranking/2040/").content.decode()

    assert '<td class="trend up">+2</td>' in content  # München: 3 -> 1
    assert '<td class="trend down">−2</td>' in content  # Berlin: 2 -> 4
    assert '<td class="trend">neu</td>' in content  # Aachen
    for city in City.objects.filter(name__in=[name for _rank, name in FULL_RANKING]):
        assert f'<a href="/stadt/{city.slug}/2040/">{city.name}</a>' in content


def test_the_latest_ranking_is_the_newest_published_edition_and_links_the_other_years(client, editor, ranked):
    published_edition(editor, cities=3, year=2041)

    latest = client.get("/ranking/").content.decode()
    older = client.get("/ranking/2040/")

    assert "<h1>Smart City Index 2041</h1>" in latest
    assert '<a href="/ranking/2041/" aria-current="page">2041</a>' in latest
    assert '<a href="/ranking/2040/">2040</a>' in latest
    assert rows_of(older) == FULL_RANKING
    assert '<a href="/ranking/2040/" aria-current="page">2040</a>' in older.content.decode()


def test_the_ranking_sorts_by_a_domain_with_the_domain_rank(client, ranked):
    # given: the domain ranks the engine stored
    expected = [
        (score.rank, score.city.name)
        for score in DomainScore.objects.filter(run__edition=ranked, domain__key="mobilitaet")
        .select_related("city")
        .order_by("rank", "city__name")
    ]

    # when
    response = client.get("/ranking/2040/?sortierung=mobilitaet")

    # then
    assert response.status_code == 200
    assert rows_of(response) == expected
    assert expected != FULL_RANKING
    content = response.content.decode()
    assert '<caption id="ranking-caption">Ranking im Themenbereich Mobilität</caption>' in content
    assert (
        '<th scope="col" class="sorted" aria-sort="descending">'
        '<a href="/ranking/2040/?sortierung=mobilitaet" data-sort="mobilitaet">Mobilität</a></th>'
    ) in content
    assert '<input type="hidden" name="sortierung" value="mobilitaet">' in content


def test_the_ranking_sorted_by_a_domain_shows_the_domain_trend(client, ranked):
    # given: every city was one place better in Verwaltung the year before
    for score in DomainScore.objects.filter(run__edition=ranked, domain__key="verwaltung"):
        DomainScore.objects.filter(pk=score.pk).update(previous_rank=score.rank + 1)

    content = client.get("/ranking/2040/?sortierung=verwaltung").content.decode()

    assert content.count('<td class="trend up">+1</td>') == 6


def test_the_column_headers_are_sort_links_that_keep_the_filter(client, ranked):
    content = client.get("/ranking/2040/?land=Bayern&sortierung=verwaltung").content.decode()
    thead = content[content.index("<thead>") : content.index("</thead>")]

    assert re.findall(r'<a href="([^"]+)"', thead) == [
        "/ranking/2040/?land=Bayern",
        "/ranking/2040/?land=Bayern&amp;sortierung=verwaltung",
        "/ranking/2040/?land=Bayern&amp;sortierung=mobilitaet",
    ]
    assert 'class="total sorted" aria-sort="descending"><a href="/ranking/2040/?land=Bayern">' not in thead


def test_the_filter_by_state_keeps_the_official_ranks(client, ranked):
    response = client.get("/ranking/2040/?land=Bayern")

    assert response.status_code == 200
    assert rows_of(response) == [(1, "München"), (5, "Würzburg")]
    content = response.content.decode()
    assert "2 von 6 Städten" in content
    assert '<option value="Bayern" selected>Bayern</option>' in content
    assert '<a href="/ranking/2040/">Filter zurücksetzen</a>' in content


def test_a_state_without_a_city_in_the_edition_is_a_valid_filter(client, ranked):
    response = client.get("/ranking/2040/?land=Saarland")

    assert response.status_code == 200
    assert rows_of(response) == []
    assert "0 von 6 Städten" in response.content.decode()


def test_a_state_outside_the_list_is_offered_when_a_city_names_it(client, ranked):
    City.objects.filter(name="Bonn").update(state="Bundesstadt")

    response = client.get("/ranking/2040/?land=Bundesstadt")

    assert response.status_code == 200
    assert rows_of(response) == [(6, "Bonn")]


def test_the_year_links_keep_the_filter(client, editor, ranked):
    published_edition(editor, cities=3, year=2041)

    content = client.get("/ranking/2040/?land=Bayern&suche=m&sortierung=mobilitaet").content.decode()

    assert '<a href="/ranking/2041/?land=Bayern&amp;suche=m">2041</a>' in content


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("100-200k", [(5, "Würzburg")]),
        ("200-500k", [(3, "Aachen"), (6, "Bonn")]),
        ("500k-1m", []),
        ("ueber-1m", [(1, "München"), (2, "Köln"), (4, "Berlin")]),
    ],
)
def test_the_filter_by_size_class(client, ranked, size, expected):
    response = client.get(f"/ranking/2040/?groesse={size}")

    assert response.status_code == 200
    assert rows_of(response) == expected
    assert f"{len(expected)} von 6 Städten" in response.content.decode()


def test_a_city_at_a_size_bound_belongs_to_the_upper_class(client, ranked):
    City.objects.filter(name="Bonn").update(population=500_000)

    assert rows_of(client.get("/ranking/2040/?groesse=200-500k")) == [(3, "Aachen")]
    assert rows_of(client.get("/ranking/2040/?groesse=500k-1m")) == [(6, "Bonn")]


def test_the_city_search_finds_a_part_of_the_name_in_any_case(client, ranked):
    response = client.get("/ranking/2040/?suche=  KÖ ")

    assert rows_of(response) == [(2, "Köln")]
    assert "1 von 6 Städten" in response.content.decode()


def test_filters_combine(client, ranked):
    response = client.get("/ranking/2040/?land=Nordrhein-Westfalen&groesse=200-500k&suche=n&sortierung=verwaltung")

    assert [name for _rank, name in rows_of(response)] == sorted(
        ["Aachen", "Bonn"],
        key=lambda name: DomainScore.objects.get(run__edition=ranked, city__name=name, domain__key="verwaltung").rank,
    )
    assert "2 von 6 Städten" in response.content.decode()


def test_a_filter_without_matches_says_so(client, ranked):
    response = client.get("/ranking/2040/?suche=Hamburg")

    assert response.status_code == 200
    content = response.content.decode()
    assert "0 von 6 Städten" in content
    assert "Keine Stadt entspricht diesen Filtern." in content
    assert '<table class="ranking">' not in content


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("land=Atlantis", "<li>Bundesland: „Atlantis“ ist unbekannt.</li>"),
        ("groesse=riesig", "<li>Größe: „riesig“ ist unbekannt.</li>"),
        ("sortierung=wetter", "<li>Sortierung: „wetter“ ist unbekannt.</li>"),
        (
            "suche=" + "x" * 101,
            "<li>Stadt suchen: Bitte sicherstellen, dass der Wert aus höchstens 100 Zeichen besteht. "
            "(Er besteht aus 101 Zeichen.)</li>",
        ),
    ],
)
def test_an_invalid_filter_is_a_bad_request_that_shows_why_and_ignores_it(client, ranked, query, message):
    response = client.get(f"/ranking/2040/?{query}")

    assert response.status_code == 400
    content = response.content.decode()
    assert "Diese Angaben sind ungültig und werden nicht berücksichtigt:" in content
    assert rows_of(response) == FULL_RANKING
    assert "6 von 6 Städten" in content
    assert message in content


def test_an_invalid_filter_does_not_undo_the_valid_ones(client, ranked):
    response = client.get("/ranking/2040/?land=Bayern&groesse=riesig")

    assert response.status_code == 400
    assert rows_of(response) == [(1, "München"), (5, "Würzburg")]


def test_the_filter_form_has_labelled_fields_and_a_submit_button(client, ranked):
    content = client.get("/ranking/2040/").content.decode()
    form = content[content.index('<form class="ranking-filter"') : content.index("</form>")]

    assert 'method="get" action="/ranking/2040/"' in form
    assert '<label for="id_land">Bundesland</label>' in form
    assert '<label for="id_groesse">Größe</label>' in form
    assert '<label for="id_suche">Stadt suchen</label>' in form
    assert re.findall(r'<option value="([^"]*)"', form) == [
        "",
        *FEDERAL_STATES,
        "",
        "100-200k",
        "200-500k",
        "500k-1m",
        "ueber-1m",
    ]
    assert len(FEDERAL_STATES) == 16
    assert 'type="search" name="suche"' in form
    assert '<button type="submit">Filtern</button>' in form
    assert "Filter zurücksetzen" not in form


def test_the_ranking_links_every_indicator_ranking(client, ranked):
    content = client.get("/ranking/2040/").content.decode()
    section = content[content.index('<section class="catalogue"') :]

    assert re.findall(r"<h3>([^<]+)</h3>", section) == ["Verwaltung", "Mobilität"]
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', section) == [
        ("/ranking/2040/indikator/serviceportal/", "Serviceportal"),
        ("/ranking/2040/indikator/energie/", "Energie"),
        ("/ranking/2040/indikator/verkehr/", "Verkehr"),
    ]


def test_an_unpublished_or_unknown_year_is_not_found(client, ranked):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    assert client.get("/ranking/2041/").status_code == 404
    assert client.get("/ranking/1999/").status_code == 404
    assert client.get("/ranking/2040/").status_code == 200


def test_an_edition_in_review_is_not_the_latest_ranking(client, ranked):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    assert "<h1>Smart City Index 2040</h1>" in client.get("/ranking/").content.decode()


def test_without_a_published_edition_the_latest_ranking_says_so(client, db):
    response = client.get("/ranking/")

    assert response.status_code == 200
    assert "Es ist noch keine Ausgabe veröffentlicht." in response.content.decode()


def test_the_ranking_in_english_uses_english_labels_and_numbers(client, ranked):
    english = client.get("/en/ranking/2040/").content.decode()
    german = client.get("/ranking/2040/").content.decode()

    assert '<html lang="en">' in english
    assert '<th scope="col">Rank</th>' in english
    assert '<td class="total sorted">88.3</td>' in english and "88,3" not in english
    assert '<th scope="col">Rang</th>' in german
    assert '<td class="total sorted">88,3</td>' in german and "88.3" not in german


# --------------------------------------------------------------------------- indicator ranking


def test_the_indicator_ranking_lists_every_city_by_the_indicator_score(client, ranked):
    # given: fixed values for one city
    IndicatorScore.objects.filter(run__edition=ranked, city__name="Köln", indicator__key="verkehr").update(
        score=88.26, raw=0.5, rank=1
    )
    expected = [
        (score.rank, score.city.name)
        for score in IndicatorScore.objects.filter(run__edition=ranked, indicator__key="verkehr")
        .select_related("city")
        .order_by("rank", "city__name")
    ]

    # when
    response = client.get("/ranking/2040/indikator/verkehr/")

    # then
    assert response.status_code == 200
    assert rows_of(response) == expected
    content = response.content.decode()
    assert "<title>Verkehr (Mobilität) – Smart City Index 2040</title>" in content
    assert "<h1>Verkehr</h1>" in content
    assert "Indikator im Themenbereich Mobilität" in content
    assert "6 von 6 Städten" in content
    cologne = content[content.index(">Köln</a>") :]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", cologne[: cologne.index("</tr>")]) == ["88,3", "50,0&nbsp;%"]


def test_the_indicator_ranking_filters_like_the_ranking(client, ranked):
    response = client.get("/ranking/2040/indikator/serviceportal/?land=Bayern&sortierung=egal")

    assert response.status_code == 200
    assert sorted(name for _rank, name in rows_of(response)) == ["München", "Würzburg"]
    assert "2 von 6 Städten" in response.content.decode()
    assert client.get("/ranking/2040/indikator/serviceportal/?groesse=riesig").status_code == 400


def test_the_indicator_ranking_of_an_unknown_key_or_year_is_not_found(client, ranked):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.COLLECTION)

    assert client.get("/ranking/2040/indikator/wetter/").status_code == 404
    assert client.get("/ranking/2041/indikator/verkehr/").status_code == 404
    assert client.get("/ranking/2039/indikator/verkehr/").status_code == 404


def test_the_indicator_ranking_shows_a_dash_for_missing_values(client, ranked):
    IndicatorScore.objects.filter(run__edition=ranked, city__name="Bonn", indicator__key="energie").update(
        score=None, raw=None
    )

    content = client.get("/ranking/2040/indikator/energie/").content.decode()
    bonn = content[content.index(">Bonn</a>") :]

    assert re.findall(r"<td[^>]*>([^<]*)</td>", bonn[: bonn.index("</tr>")]) == ["–", "–"]


# --------------------------------------------------------------------------- queries and cache


@pytest.mark.parametrize("cities", [3, 30])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/", 4),
        # editions, run, domains, city scores, domain scores, rank uncertainties, indicators (catalogue)
        ("/ranking/2040/", 7),
        ("/ranking/?land=Nordrhein-Westfalen&groesse=200-500k&suche=stadt&sortierung=mobilitaet", 7),
        ("/ranking/2040/indikator/verkehr/?land=Nordrhein-Westfalen", 4),
    ],
)
def test_every_page_runs_a_fixed_number_of_queries(client, editor, cities, url, queries, django_assert_num_queries):
    edition = published_edition(editor, cities=cities)
    shown = CityScore.objects.filter(run__edition=edition, rank__lte=10).count() if url == "/" else cities

    with django_assert_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == shown


def test_a_second_anonymous_visit_is_served_from_the_cache(client, ranked, django_assert_num_queries):
    first = client.get("/ranking/2040/?land=Bayern")

    with django_assert_num_queries(0):
        second = client.get("/ranking/2040/?land=Bayern")

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content


def test_publishing_another_edition_clears_the_cached_pages(client, editor, ranked, django_capture_on_commit_callbacks):
    # given: both pages cached
    assert client.get("/ranking/")["X-Cache"] == "miss"
    assert client.get("/")["X-Cache"] == "miss"
    assert client.get("/ranking/")["X-Cache"] == "hit"

    # when
    edition = factories.small_edition(cities=3, year=2041)
    answer_all(edition)
    with django_capture_on_commit_callbacks(execute=True):
        publish(edition, editor)

    # then
    latest = client.get("/ranking/")
    assert latest["X-Cache"] == "miss"
    assert "<h1>Smart City Index 2041</h1>" in latest.content.decode()
    assert client.get("/")["X-Cache"] == "miss"


def test_a_bad_request_is_not_cached(client, ranked):
    assert client.get("/ranking/2040/?groesse=riesig")["X-Cache"] == "miss"
    assert client.get("/ranking/2040/?groesse=riesig")["X-Cache"] == "miss"


def test_cities_of_other_editions_do_not_appear(client, ranked):
    other = factories.small_edition(cities=2, year=2041, phase=Edition.Phase.COLLECTION)

    names = {name for _rank, name in rows_of(client.get("/ranking/2040/"))}

    assert names.isdisjoint(c.name for c in City.objects.filter(participations__edition=other))
    assert Participation.objects.filter(edition=other).count() == 2
