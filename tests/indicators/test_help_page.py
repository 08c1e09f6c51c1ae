"""The portal's help page for city staff (/portal/hilfe/): login required, German and English, its facts read from
the editions, the catalogue, the evidence rules and settings, contacts of the user's own cities only, fixed queries."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from indicators.models import CityMembership, Edition, Parameter
from tests import factories

HELP = "/portal/hilfe/"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def edition(db):
    edition = factories.small_edition(cities=3, year=2041)
    Edition.objects.filter(pk=edition.pk).update(collection_opens=date(2041, 3, 1), collection_closes=date(2041, 6, 30))
    edition.refresh_from_db()
    return edition


@pytest.fixture
def city(edition):
    return factories.cities_of(edition)[0]


@pytest.fixture
def staff_client(client, city):
    client.force_login(factories.UserFactory(cities=[city]))
    return client


def test_anonymous_users_are_sent_to_the_login(client, edition):
    response = client.get(HELP)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/portal/hilfe/"


def test_the_page_is_german_by_default_and_english_under_en(staff_client, edition):
    german = staff_client.get(HELP)
    english = staff_client.get("/en" + HELP)

    assert german.status_code == english.status_code == 200
    assert "<h1>Hilfe für Städte</h1>" in german.content.decode()
    assert "<h1>Help for cities</h1>" in english.content.decode()
    assert "So beantworten Sie den Fragebogen" in text_of(german)
    assert "How to answer the questionnaire" in text_of(english)
    assert "So beantworten Sie den Fragebogen" not in text_of(english)


def test_the_deadlines_are_the_editions_dates(staff_client, edition):
    # given
    text = text_of(staff_client.get(HELP))
    assert "Erhebung vom 01.03.2041 bis 30.06.2041" in text
    assert "Einreichen bis 30.06.2041" in text

    # when the editors move the deadline
    Edition.objects.filter(pk=edition.pk).update(collection_closes=date(2041, 7, 15), reference_date=date(2040, 12, 31))

    # then
    text = text_of(staff_client.get(HELP))
    assert "Erhebung vom 01.03.2041 bis 15.07.2041" in text
    assert "Einreichen bis 15.07.2041" in text
    assert "Stichtag 31.12.2040" in text
    assert "30.06.2041" not in text


def test_the_days_left_count_from_today(staff_client, edition):
    Edition.objects.filter(pk=edition.pk).update(
        collection_opens=None, collection_closes=timezone.localdate() + timedelta(days=5)
    )

    assert "(noch 5 Tage)" in text_of(staff_client.get(HELP))


def test_the_catalogue_counts_follow_the_catalogue(staff_client, edition):
    # given
    text = text_of(staff_client.get(HELP))
    assert "Parameter 5, davon 5 von Ihrer Stadt anzugeben (1 mit Pflicht-Nachweis)" in text
    assert "Smart City Index 2041: 0 Parameter aus amtlichen Quellen, 0 aus der Recherche." in text

    # when one parameter becomes official and one is researched
    parameters = Parameter.objects.filter(indicator__domain__edition=edition)
    parameters.filter(key="ladepunkte").update(collection_mode=Parameter.CollectionMode.OFFICIAL)
    parameters.filter(key="wartezeit").update(collection_mode=Parameter.CollectionMode.RESEARCH)
    parameters.filter(key="online-termine").update(evidence_required=True)

    # then
    text = text_of(staff_client.get(HELP))
    assert "Parameter 5, davon 3 von Ihrer Stadt anzugeben (2 mit Pflicht-Nachweis)" in text
    assert "Smart City Index 2041: 1 Parameter aus amtlichen Quellen, 1 aus der Recherche." in text


def test_last_years_values_come_from_the_previous_edition(staff_client, edition, city):
    assert "Es gibt keine frühere Ausgabe" in text_of(staff_client.get(HELP))

    factories.EditionFactory(year=2039, title="Index 2039", phase=Edition.Phase.PUBLISHED)
    factories.EditionFactory(year=2040, title="Index 2040 (Entwurf)", phase=Edition.Phase.DRAFT)

    assert "Smart City Index 2041: Vorjahreswerte stammen aus Index 2039." in text_of(staff_client.get(HELP))


def test_evidence_rules_come_from_the_settings_and_the_upload_checks(staff_client, edition, settings):
    # given
    text = text_of(staff_client.get(HELP))
    assert (
        "Erlaubte Dateitypen PDF, PNG, JPEG, XLSX, DOCX und CSV (.pdf, .png, .jpg, .jpeg, .xlsx, .docx, .csv)" in text
    )
    assert "Größe je Datei höchstens 10 MB" in text

    # when the operator lowers the limits
    settings.EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
    settings.EVIDENCE_MAX_ARCHIVE_ENTRIES = 1200
    settings.STALE_STAND_MONTHS = 18

    # then
    text = text_of(staff_client.get(HELP))
    assert "Größe je Datei höchstens 5 MB" in text
    assert "DOCX und XLSX entpackt höchstens 50 MB in höchstens 1.200 Teilen" in text
    assert "mehr als 18 Monate vor dem Stichtag" in text


def test_the_import_section_names_the_files_format_and_links_the_templates(staff_client, edition, city):
    response = staff_client.get(HELP)

    text = text_of(response)
    assert "Pflichtspalten parameter , wert" in text
    assert "Gelesen werden wert , quelle_url , anmerkung , stand" in text
    assert "Datum („stand“) 2024-12-31 oder 31.12.2024" in text
    assert "höchstens 2.000 ausgefüllte Zeilen" in text
    content = response.content.decode()
    assert f'href="/portal/{city.slug}/2041/export.xlsx"' in content
    assert f'href="/portal/{city.slug}/2041/export.csv"' in content
    assert f'href="/portal/{city.slug}/2041/import/"' in content


def test_the_review_reasons_are_the_reviewers_list(staff_client, edition):
    text = text_of(staff_client.get(HELP))

    assert "Nachweis fehlt oder ist nicht lesbar Nachweis belegt den Wert nicht Wert unplausibel, bitte prüfen" in text


def test_only_the_users_own_cities_contacts_are_shown(client, edition, city):
    # given a coordinator for the user's city and one for another city of the same edition
    other = factories.cities_of(edition)[1]
    factories.coordinator_of(city, first_name="Kim", last_name="Koch", email="kim@stadt-a.example")
    factories.coordinator_of(other, first_name="Lea", last_name="Lang", email="lea@stadt-b.example")
    client.force_login(factories.UserFactory(cities=[city]))

    # when
    response = client.get(HELP)

    # then
    text = text_of(response)
    assert f"Koordination {city.name} Kim Koch: kim@stadt-a.example" in text
    assert "lea@stadt-b.example" not in text
    assert "Lea Lang" not in text
    assert f"Koordination {other.name}" not in text


def test_a_city_without_coordinator_points_to_the_editors(staff_client, edition, city, settings):
    settings.EDITORIAL_CONTACT_EMAIL = "index@redaktion.example"

    text = text_of(staff_client.get(HELP))

    assert "Für diese Stadt ist keine Koordination eingetragen." in text
    assert "Fragen zum Katalog, zu Fristen und zur Methodik: index@redaktion.example" in text


def test_without_an_editorial_address_the_page_says_whom_to_ask(staff_client, edition, settings):
    settings.EDITORIAL_CONTACT_EMAIL = ""

    text = text_of(staff_client.get(HELP))

    assert "Die Redaktion hat keine Kontaktadresse hinterlegt." in text
    assert "mailto:" not in staff_client.get(HELP).content.decode().split('id="kontakt"')[1].split("Redaktion des")[1]


def test_a_user_without_open_editions_gets_the_general_help(client, reviewer):
    client.force_login(reviewer)

    response = client.get(HELP)

    assert response.status_code == 200
    assert "Für Ihre Städte läuft gerade keine Erhebung und keine Prüfung." in text_of(response)


def test_the_dashboard_and_the_questionnaire_link_the_help(staff_client, edition, city):
    assert 'href="/portal/hilfe/"' in staff_client.get("/portal/").content.decode()
    assert 'href="/portal/hilfe/"' in staff_client.get(f"/portal/{city.slug}/2041/").content.decode()


def _user_of(cities: list):
    """A staff member of `cities`, each city with two coordinators."""
    user = factories.UserFactory(cities=cities)
    for city in cities:
        for _ in range(2):
            factories.coordinator_of(city)
    return user


@pytest.mark.parametrize("cities", [1, 4])
def test_the_page_runs_a_fixed_number_of_queries(db, client, django_assert_num_queries, cities):
    # given cities in two open editions (one in review), with coordinators and a previous edition
    first = factories.small_edition(cities=cities, year=2041)
    second = factories.small_edition(cities=0, year=2042, phase=Edition.Phase.REVIEW)
    member_cities = factories.cities_of(first)
    for city in member_cities:
        second.participations.create(city=city)
    factories.EditionFactory(year=2040, phase=Edition.Phase.PUBLISHED)
    user = _user_of(member_cities)
    assert CityMembership.objects.filter(role="coordinator").count() == 2 * cities
    client.force_login(user)

    # then: session, user, participations, catalogue counts, earlier editions, cities, their coordinators,
    # and the header's "Fragebogen" link
    with django_assert_num_queries(8):
        response = client.get(HELP)
    assert response.status_code == 200
    assert text_of(response).count("Koordination Stadt") == cities
