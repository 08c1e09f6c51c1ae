"""The public FAQ (/faq/): generated from the latest published edition (collection period, official sources,
domains and weights, catalogue changes, demo data), German and English, with stable question anchors, a fixed
number of queries, and sensible text before anything is published."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from indicators.models import Answer, Domain, Edition, Parameter
from scoring.models import UncertaintyAnalysis
from smartcity.page_cache import page_cache_forget_local
from tests import factories
from tests.public.test_methodology import configure, published_edition, text_of

QUESTIONS = (
    "erhebungszeitraum",
    "amtliche-quellen",
    "berechnung",
    "rangaenderungen",
    "teilnahme",
    "daten",
    "demodaten",
)


def fresh_get(client, url: str):
    """The page computed again (the public page cache dropped), as after a publish."""
    cache.clear()
    page_cache_forget_local()
    return client.get(url)


@pytest.fixture
def published(editor):
    edition = published_edition(editor, cities=4, year=2040)
    return configure(edition, collection_opens=date(2040, 2, 1), collection_closes=date(2040, 5, 31))


def test_without_a_published_edition_every_question_still_has_an_answer(client, db):
    # given an edition that is only collecting
    factories.small_edition(year=2041)

    # when
    german = client.get("/faq/")
    english = client.get("/en/faq/")

    # then
    assert german.status_code == english.status_code == 200
    text = text_of(german)
    assert "Es ist noch keine Ausgabe veröffentlicht." in text
    assert "Jede Ausgabe hat einen eigenen Erhebungszeitraum" in text
    assert "Noch gibt es keine veröffentlichten Ergebnisse." in text
    assert "2041" not in text
    for anchor in QUESTIONS:
        assert f'<section id="{anchor}"' in german.content.decode()
    assert "No edition has been published yet." in text_of(english)
    assert "<h1>Frequently asked questions</h1>" in english.content.decode()


def test_the_page_is_german_by_default_and_english_under_en(client, published):
    german = text_of(client.get("/faq/"))
    english = text_of(client.get("/en/faq/"))

    assert "Wann wurden die Daten erhoben?" in german
    assert "When were the data collected?" in english
    assert "Wann wurden die Daten erhoben?" not in english
    assert "For Smart City Index 2040 the cities gave their answers from Feb. 1, 2040 to May 31, 2040." in english


def test_the_collection_period_is_the_editions(client, published):
    # given
    text = text_of(client.get("/faq/"))
    assert (
        "Für Smart City Index 2040 haben die Städte ihre Angaben vom 1. Februar 2040 bis zum 31. Mai 2040 gemacht."
        in text
    )

    # when the edition's dates are corrected
    configure(published, collection_opens=date(2040, 1, 15), collection_closes=date(2040, 4, 30))

    # then
    text = text_of(fresh_get(client, "/faq/"))
    assert "vom 15. Januar 2040 bis zum 30. April 2040 gemacht." in text
    assert "31. Mai 2040" not in text


def test_the_weights_and_counts_come_from_the_published_catalogue(client, editor):
    # given
    edition = published_edition(editor, cities=4, year=2040)
    text = text_of(client.get("/faq/"))
    assert "Smart City Index 2040 bewertet 4 Städte in 2 Themenbereichen mit 3 Indikatoren aus 5 Parametern." in text
    assert "Verwaltung 2 1 (50,0 %)" in text

    # when a newer edition is published with another weight and one parameter more
    newer = factories.small_edition(cities=3, year=2041)
    Domain.objects.filter(edition=newer, key="verwaltung").update(weight=Decimal(3))
    factories.ParameterFactory(
        indicator=newer.domains.get(key="mobilitaet").indicators.get(), key="carsharing", position=5
    )
    from tests.scoring.test_services import answer_all, publish

    answer_all(newer)
    publish(newer, editor)

    # then
    text = text_of(fresh_get(client, "/faq/"))
    assert "Smart City Index 2041 bewertet 3 Städte in 2 Themenbereichen mit 3 Indikatoren aus 6 Parametern." in text
    assert "Verwaltung 2 3 (75,0 %)" in text
    assert "Gegenüber Smart City Index 2040: 1 Parameter neu, 0 entfallen." in text
    assert edition.year == 2040


def test_official_sources_are_the_catalogues_with_the_imported_files(client, editor):
    # given an edition whose charging points come from the register
    edition = factories.small_edition(cities=4, year=2040)
    ladepunkte = factories.parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=ladepunkte.pk).update(
        collection_mode=Parameter.CollectionMode.OFFICIAL,
        official_profile="bnetza-ladesaeulen",
        name_de="Öffentliche Ladepunkte",
    )
    Parameter.objects.filter(pk=factories.parameter(edition, "wartezeit").pk).update(
        collection_mode=Parameter.CollectionMode.RESEARCH
    )
    from tests.scoring.test_services import answer_all, publish

    answer_all(edition)
    register = factories.OfficialImportFactory(parameter=ladepunkte, as_of=date(2039, 12, 1))
    Answer.objects.filter(parameter=ladepunkte).update(
        official_import=register, source_kind=Parameter.CollectionMode.OFFICIAL
    )
    publish(edition, editor)

    # when
    text = text_of(client.get("/faq/"))

    # then
    assert (
        "Öffentliche Ladepunkte : Ladesäulenregister der Bundesnetzagentur "
        "(Bundesnetzagentur, Ladesäulenregister, Stand 01.12.2039)" in text
    )
    assert "1 Parameter wurde vom Index-Team recherchiert." in text
    assert "stammt kein Parameter aus einer amtlichen Quelle" not in text


def test_an_edition_without_official_parameters_says_so(client, published):
    text = text_of(client.get("/faq/"))

    assert "In Smart City Index 2040 stammt kein Parameter aus einer amtlichen Quelle." in text
    assert "0 Parameter wurden vom Index-Team recherchiert." in text


def test_a_demo_edition_is_called_demo_data(client, published):
    # given
    assert "beruht auf den Angaben der Städte" in text_of(client.get("/faq/"))

    # when
    configure(published, is_demo=True)

    # then
    response = fresh_get(client, "/faq/")
    demo_answer = response.content.decode().split('<section id="demodaten"')[1]
    assert "Nein." in demo_answer
    assert "Smart City Index 2040 enthält Demodaten: synthetische Antworten, keine echten Ergebnisse." in text_of(
        response
    )


def test_why_ranks_move_links_the_uncertainty_section_and_names_the_draws(client, published):
    # given
    content = client.get("/faq/").content.decode()
    assert 'href="/methodik/2040/#unsicherheit"' in content
    assert "Neuberechnungen" not in content  # no robustness analysis yet

    # when
    UncertaintyAnalysis.objects.create(
        run=published.score_runs.get(is_published=True), draws=1250, weight_spread=0.25, seed=7, alternatives={}
    )

    # then
    text = text_of(fresh_get(client, "/faq/"))
    assert "Die Spannen stammen aus 1.250 Neuberechnungen." in text
    assert "(Normierung dieser Ausgabe: relativ zum Feld (Min-Max))" in text


def test_every_question_has_a_stable_anchor_and_the_headings_are_in_order(client, published):
    content = client.get("/faq/").content.decode()

    for anchor in QUESTIONS:
        assert f'<a href="#{anchor}">' in content
        assert f'<section id="{anchor}" aria-labelledby="{anchor}-h">' in content
    levels = [int(level) for level in re.findall(r"<h([1-6])", content.split('<main id="main">')[1])]
    assert levels[0] == 1
    assert all(later <= earlier + 1 for earlier, later in zip(levels, levels[1:], strict=False))


def test_the_home_page_and_the_methodology_link_the_faq(client, published):
    assert 'href="/faq/"' in client.get("/").content.decode()
    assert 'href="/faq/"' in client.get("/methodik/2040/").content.decode()
    assert 'href="/en/faq/"' in client.get("/en/methodik/2040/").content.decode()


@pytest.mark.parametrize("cities", [3, 9])
def test_the_page_runs_a_fixed_number_of_queries(client, editor, django_assert_num_queries, cities):
    # given two published editions, the newer with an official parameter and more parameters as the field grows
    published_edition(editor, cities=cities, year=2039)
    edition = factories.small_edition(cities=cities, year=2040)
    for number in range(cities):
        factories.ParameterFactory(
            indicator=edition.domains.get(key="verwaltung").indicators.first(), position=9 + number
        )
    Parameter.objects.filter(indicator__domain__edition=edition, key="ladepunkte").update(
        collection_mode=Parameter.CollectionMode.OFFICIAL
    )
    from tests.scoring.test_services import answer_all, publish

    answer_all(edition)
    publish(edition, editor)

    # then: editions, run, catalogue (3), provenance (2), the previous catalogue's keys, the robustness analysis
    with django_assert_num_queries(9):
        response = fresh_get(client, "/faq/")
    assert response.status_code == 200
    assert f"aus {5 + cities} Parametern" in text_of(response)
    assert Edition.objects.public().count() == 2
