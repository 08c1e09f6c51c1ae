"""The methodology page: generated from the published run and catalogue, published editions only, fixed queries."""

import re
from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Answer, Domain, Edition, Indicator, Parameter
from tests import factories
from tests.scoring.test_services import answer_all, publish


def configure(edition: Edition, **settings) -> Edition:
    Edition.objects.filter(pk=edition.pk).update(**settings)
    edition.refresh_from_db()
    return edition


def published_edition(editor, *, cities: int = 4, year: int = 2040, **settings) -> Edition:
    edition = factories.small_edition(cities=cities, year=year)
    if settings:
        configure(edition, **settings)
    answer_all(edition)
    publish(edition, editor)
    return edition


def text_of(response) -> str:
    """The page's text with tags removed and whitespace collapsed, for asserting sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def weighted(editor):
    """A published edition whose run used: exclude, domain weights 2:1, indicator weights 3:1, goalposts."""
    edition = factories.small_edition(cities=4, year=2040)
    configure(edition, missing_policy="exclude", bonus_cap=Decimal("2.5"))
    Domain.objects.filter(edition=edition, key="verwaltung").update(weight=Decimal(2))
    Indicator.objects.filter(domain__edition=edition, key="serviceportal").update(weight=Decimal(3))
    Parameter.objects.filter(indicator__domain__edition=edition, key="wartezeit").update(
        weight=Decimal("0.5"), goal_worst=Decimal(60), goal_best=Decimal(1), source_de="Bürgeramt"
    )
    answer_all(edition)
    publish(edition, editor)
    return edition


def test_the_page_states_the_settings_the_run_used(client, weighted):
    # when
    response = client.get("/methodik/2040/")

    # then
    assert response.status_code == 200
    text = text_of(response)
    assert "<h1>Methodik: Smart City Index 2040</h1>" in response.content.decode()
    assert "Normierung relativ zum Feld (Min-Max)" in text
    assert "Aggregation arithmetisches Mittel" in text
    assert "Umgang mit fehlenden Daten ausschließen (Neugewichtung)" in text
    assert "Höchster Innovationsbonus 2,5 Punkte je Themenbereich" in text
    assert "Bewertete Städte 4" in text
    assert (
        "Fehlende Daten werden ausgeschlossen: Der Mittelwert eines Indikators wird über die beantworteten "
        "Parameter neu gewichtet." in text
    )
    assert "Fehlende Daten zählen als schlechtester Wert" not in text
    assert "höchstens 2,5 Punkte), begrenzt auf 100." in text
    assert (
        "Der Gesamtindex ist das gewichtete arithmetische Mittel der Themenbereiche. Gewichte: "
        "Verwaltung 2 (66,7 %); Mobilität 1 (33,3 %)." in text
    )
    assert "Alle Themenbereiche zählen gleich." not in text
    assert "Zahlen, Prozentsätze und Anzahlen werden relativ zum Feld skaliert (Min-Max)" in text
    assert "Wo Zielwerte festgelegt sind, ersetzen sie den schlechtesten und den besten Wert des Feldes" in text


def test_the_page_lists_every_domain_indicator_and_parameter_with_scale_and_weight(client, weighted):
    response = client.get("/methodik/2040/")

    content = response.content.decode()
    text = text_of(response)
    # the domain table and one table per indicator, each with a caption and scoped headers
    assert content.count("<caption id=") == 1 + 3
    assert content.count('<th scope="row">') == 2 + 5
    assert "Verwaltung 2 2 (66,7 %)" in text  # the domain table's row: name, indicator count, weight
    assert "Mobilität 1 1 (33,3 %)" in text
    assert "Gewicht im Gesamtindex: 2 (66,7 %)" in text
    assert "Serviceportal Gewicht im Themenbereich: 3 (75,0 %)" in text
    assert "Energie Gewicht im Themenbereich: 1 (25,0 %)" in text
    assert "Parameter des Indikators Serviceportal" in text
    # yes/no, choice with option points, and numbers with unit, direction, per capita and goalposts
    assert "Ja/Nein ja = 1 nein = 0 1 (66,7 %)" in text
    assert "Auswahl keine = 0 geplant = 0,5 im Betrieb = 1 1 (100,0 %)" in text
    assert (
        "Zahl Einheit: Tage niedriger ist besser zulässige Werte: 0 bis 365 Zielwerte: 60 ergibt 0, 1 ergibt 1 "
        "0,5 (33,3 %) Bürgeramt" in text
    )
    assert "Anzahl Einheit: Ladepunkte je 1.000 Einwohner höher ist besser zulässige Werte: ab 0 1 (50,0 %)" in text
    assert "Prozentsatz Einheit: % höher ist besser zulässige Werte: 0 bis 100 1 (50,0 %)" in text
    assert "5 Parameter, gruppiert nach Themenbereich und Indikator." in text


def test_weights_come_from_the_published_run_not_from_a_later_catalogue_edit(client, weighted):
    # given: the catalogue changed behind the services' back after publishing
    Domain.objects.filter(edition=weighted, key="verwaltung").update(weight=Decimal(9))

    # when
    text = text_of(client.get("/methodik/2040/"))

    # then: the page shows what the run computed with
    assert "Gewichte: Verwaltung 2 (66,7 %); Mobilität 1 (33,3 %)." in text
    assert "9 (90,0 %)" not in text


def test_other_settings_are_described_in_their_own_words(client, editor):
    published_edition(editor, normalisation="zscore", aggregation="geometric", missing_policy="mean")

    text = text_of(client.get("/methodik/2040/"))

    assert "Normierung z-Wert" in text
    assert "Aggregation geometrisches Mittel" in text
    assert "begrenzt auf ±3 und linear auf 0 bis 1 Punkt abgebildet" in text
    assert "Der Indikatorwert (0 bis 100) ist der z-Wert des Rohwerts im Feld, begrenzt auf ±3" in text
    assert "Fehlende Daten werden durch den Mittelwert des Feldes ersetzt" in text
    assert (
        "Der Gesamtindex ist das gewichtete geometrische Mittel der Themenbereiche: exp(gewichteter Mittelwert "
        "von ln(Wert + 1)) − 1." in text
    )
    assert "Gewichte: Verwaltung 1 (50,0 %); Mobilität 1 (50,0 %). Alle Themenbereiche zählen gleich." in text
    assert "Wo Zielwerte festgelegt sind" not in text  # no parameter has goalposts


def test_the_latest_page_shows_the_newest_published_edition_with_a_year_switch(client, editor):
    # given
    published_edition(editor, year=2039)
    published_edition(editor, year=2040)
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    # when
    response = client.get("/methodik/")

    # then
    content = response.content.decode()
    assert "<h1>Methodik: Smart City Index 2040</h1>" in content
    assert '<a href="/methodik/2040/" aria-current="page">2040</a>' in content
    assert '<a href="/methodik/2039/">2039</a>' in content
    assert "/methodik/2041/" not in content
    assert '<a href="/ranking/2040/">Ranking 2040</a>' in content
    assert '<a href="/daten/#edition-2040">' in content


def test_an_unpublished_or_unknown_edition_has_no_methodology_page(client, editor):
    published_edition(editor, year=2040)
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    assert client.get("/methodik/2041/").status_code == 404
    assert client.get("/methodik/2035/").status_code == 404
    assert client.get("/methodik/2040/").status_code == 200


def test_without_a_published_edition_the_latest_page_says_so(client, db):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    response = client.get("/methodik/")

    assert response.status_code == 200
    assert "Es ist noch keine Ausgabe veröffentlicht." in response.content.decode()
    assert client.get("/methodik/2041/").status_code == 404


def test_the_english_page_localises_numbers(client, weighted):
    response = client.get("/en/methodik/2040/")

    assert response.status_code == 200
    content = response.content.decode()
    text = text_of(response)
    assert '<html lang="en">' in content
    assert "planned = 0.5" in text  # the option's English label and a decimal point
    assert "2 (66.7 %)" in text
    assert "0,5" not in text
    assert 'href="/en/ranking/2040/"' in content


@pytest.mark.parametrize("cities", [3, 30])
def test_the_methodology_page_runs_a_fixed_number_of_queries(client, editor, cities, django_assert_num_queries):
    published_edition(editor, cities=cities)

    # editions, published run, domains, indicators, parameters, robustness analysis, values by origin,
    # official sources, the cities' checks
    with django_assert_num_queries(9):
        response = client.get("/methodik/2040/")

    assert response.status_code == 200
    assert f"Bewertete Städte {cities}" in text_of(response)


def test_the_page_is_cached_for_anonymous_readers(client, weighted, django_assert_num_queries):
    client.get("/methodik/2040/")

    with django_assert_num_queries(0):
        response = client.get("/methodik/2040/")

    assert response["X-Cache"] == "hit"


def origins_edition(editor, *, year: int = 2040) -> Edition:
    """A published edition of 4 cities × 5 parameters: ladepunkte imported from two official files (3 cities
    from the register of 2019, 1 from a broadband export), busse researched for 2 cities, the rest from the
    cities; a third import of the same parameter fed no value."""
    edition = factories.small_edition(cities=4, year=year)
    answer_all(edition)
    ladepunkte = factories.parameter(edition, "ladepunkte")
    register = factories.OfficialImportFactory(parameter=ladepunkte)
    export = factories.OfficialImportFactory(
        parameter=ladepunkte, source_name="Breitbandatlas", file_name="breitband.csv", as_of=date(2023, 12, 31)
    )
    factories.OfficialImportFactory(parameter=ladepunkte, source_name="Nie verwendet", file_name="alt.xlsx")
    cities = factories.cities_of(edition)
    on_ladepunkte = Answer.objects.filter(edition=edition, parameter=ladepunkte)
    on_ladepunkte.filter(city__in=cities[:3]).update(source_kind="official", official_import=register)
    on_ladepunkte.filter(city=cities[3]).update(source_kind="official", official_import=export)
    Answer.objects.filter(edition=edition, parameter__key="busse", city__in=cities[:2]).update(
        source_kind="research", researched_by=editor
    )
    publish(edition, editor)
    return edition


def test_the_page_counts_the_values_by_origin_and_names_the_official_sources_with_their_stand(client, editor):
    # given
    origins_edition(editor)

    # when
    response = client.get("/methodik/2040/")

    # then: 20 values entered: 4 official, 2 researched, 14 from the cities
    text = text_of(response)
    assert "20 freigegebene Werte gingen in die Ergebnisse ein." in text
    assert "Angabe der Stadt 14 (70,0 %) Amtliche Quelle 4 (20,0 %) Recherche 2 (10,0 %)" in text
    sources = re.findall(
        r"<tr><th scope=\"row\">([^<]+)</th><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>",
        response.content.decode(),
    )
    ladepunkte = factories.parameter(Edition.objects.get(year=2040), "ladepunkte").name
    assert sources == [
        ("Breitbandatlas", "breitband.csv", "31.12.2023", ladepunkte),
        ("Bundesnetzagentur, Ladesäulenregister", "Ladesaeulenregister.xlsx", "19.07.2019", ladepunkte),
    ]
    assert "Nie verwendet" not in text


def test_the_origins_read_in_english_too(client, editor):
    origins_edition(editor)

    text = text_of(client.get("/en/methodik/2040/"))

    assert "20 approved values entered the results." in text
    assert "Answered by the city 14 (70.0 %) Official source 4 (20.0 %) Desk research 2 (10.0 %)" in text
    assert "Official sources of this edition with their reference date" in text


def test_an_edition_without_imports_says_so(client, weighted):
    text = text_of(client.get("/methodik/2040/"))

    assert "Keiner der Werte wurde aus einer amtlichen Quelle importiert." in text
    assert "Angabe der Stadt 20 (100,0 %) Amtliche Quelle 0 (0,0 %) Recherche 0 (0,0 %)" in text
