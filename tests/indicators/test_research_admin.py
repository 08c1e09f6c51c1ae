"""The admin page "Recherche" (issue 16, section 3): the list of cities to research and a city's research page,
where researchers and editors enter values with a source and a Stand."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Answer, Parameter, Participation
from tests import factories
from tests.factories import AnswerFactory, CityFactory, UserFactory, parameter
from tests.indicators.test_evidence import pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("evidence_storage_dir")]

Mode = Parameter.CollectionMode
LIST = "/admin/indicators/researchcity/"


def page(city, year=None) -> str:
    return f"/admin/indicators/researchcity/{city.pk}/change/" + (f"?ausgabe={year}" if year else "")


@pytest.fixture
def researcher_client(client, role_groups):
    user = UserFactory(groups=["researchers"], is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def post(client, city, edition, key, **fields):
    data = {"parameter": key, f"{key}-version": fields.pop("version", 0)}
    data.update({f"{key}-{name}": value for name, value in fields.items()})
    return client.post(page(city, edition.year), data)


def test_the_list_shows_every_participating_city_with_what_is_open_in_fixed_queries(
    researcher_client, edition, solar, django_assert_num_queries
):
    # given: 5 cities and 5 more, one answered parameter in the first
    for _ in range(5):
        Participation.objects.create(edition=edition, city=CityFactory())
    first = factories.cities_of(edition)[0]
    AnswerFactory(parameter=parameter(edition, "online-termine"), city=first, value_bool=True)

    # when
    with django_assert_num_queries(8):
        response = researcher_client.get(LIST)

    # then
    content = response.content.decode()
    assert response.status_code == 200
    cities = factories.cities_of(edition)
    assert f"{len(cities)} Städte" in content
    row = re.search(
        rf"<a href=\"{page(first)}\?ausgabe={edition.year}\">{first.name}</a></th>\s*<td>(\d+)</td>",
        content,
    )
    assert row and row.group(1) == "5"


def test_the_city_page_shows_the_parameters_without_a_value_of_the_city_in_fixed_queries(
    researcher_client, edition, solar, django_assert_num_queries
):
    # given
    city = factories.cities_of(edition)[0]
    AnswerFactory(parameter=parameter(edition, "online-termine"), city=city, value_bool=True)

    # when
    with django_assert_num_queries(11):
        response = researcher_client.get(page(city, edition.year))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    keys = re.findall(r'<section class="research-row" id="parameter-([a-z-]+)"', content)
    assert keys == ["wartezeit", "solarleistung", "smart-meter", "busse", "ladepunkte"]
    assert 'name="solarleistung-value"' in content and 'name="solarleistung-file"' in content


def test_a_researched_value_is_saved_from_the_page(researcher_client, edition, solar):
    # given
    city = factories.cities_of(edition)[0]

    # when
    response = post(
        researcher_client,
        city,
        edition,
        "solarleistung",
        value="1.234,5",
        evidence_url="https://statistik.example/solar.pdf",
        as_of="2024-03-31",
        note="Solarkataster",
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == page(city, edition.year) + "#parameter-solarleistung"
    answer = Answer.objects.get(city=city, parameter=solar)
    assert (answer.value_number, answer.source_kind, answer.researched_by) == (
        Decimal("1234.5"),
        Mode.RESEARCH,
        researcher_client.user,
    )
    assert (answer.as_of, answer.status) == (date(2024, 3, 31), Answer.Status.SUBMITTED)
    followed = researcher_client.get(response["Location"]).content.decode()
    assert f"„{solar.name}“ für {city.name} recherchiert und zur Prüfung eingereicht." in followed
    assert "Der Wert wird gerade geprüft." in followed


def test_an_evidence_file_is_saved_from_the_page(researcher_client, edition, solar):
    city = factories.cities_of(edition)[0]
    upload = SimpleUploadedFile("Kataster.pdf", pdf_bytes(), content_type="application/pdf")

    response = post(researcher_client, city, edition, "solarleistung", value="12", as_of="2024-03-31", file=upload)

    assert response.status_code == 302
    answer = Answer.objects.get(city=city, parameter=solar)
    assert [f.original_name for f in answer.evidence_files.all()] == ["Kataster.pdf"]


def test_a_value_without_source_is_refused_on_the_page_and_nothing_is_saved(researcher_client, edition, solar):
    city = factories.cities_of(edition)[0]

    response = post(researcher_client, city, edition, "solarleistung", value="12", as_of="2024-03-31")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Ein recherchierter Wert braucht eine Quelle: einen Link oder eine Nachweisdatei." in content
    assert 'value="12"' in content  # what was typed stays
    assert not Answer.objects.exists()


def test_a_bad_number_is_refused_on_its_field(researcher_client, edition, solar):
    city = factories.cities_of(edition)[0]

    response = post(
        researcher_client, city, edition, "solarleistung", value="viel", evidence_url="https://a.example/", as_of=""
    )

    assert response.status_code == 200
    assert "„viel“ ist keine Zahl." in response.content.decode()
    assert not Answer.objects.exists()


def test_a_city_s_own_value_cannot_be_posted(researcher_client, edition):
    city = factories.cities_of(edition)[0]
    own = AnswerFactory(parameter=parameter(edition, "busse"), city=city, value_number=Decimal(20))

    response = post(
        researcher_client, city, edition, "busse", value="45", evidence_url="https://a.example/", as_of="2024-01-01"
    )

    assert response.status_code == 200
    assert "Dieser Parameter kann für diese Stadt nicht recherchiert werden." in response.content.decode()
    own.refresh_from_db()
    assert (own.value_number, own.source_kind) == (Decimal(20), Mode.CITY)


def test_a_reviewer_is_refused_the_page(client, role_groups, edition):
    reviewer = UserFactory(groups=["reviewers"], is_staff=True)
    client.force_login(reviewer)

    assert client.get(LIST).status_code == 403
    assert client.get(page(factories.cities_of(edition)[0])).status_code == 403


def test_the_admin_index_lists_the_research_page_for_researchers_and_editors(researcher_client, client, editor):
    # when
    researcher_index = researcher_client.get("/admin/").content.decode()

    # then
    assert f'<a href="{LIST}"' in researcher_index
    assert ">Recherche<" in researcher_index


def test_the_page_speaks_english_too(researcher_client, edition, solar):
    city = factories.cities_of(edition)[0]

    content = researcher_client.get("/en" + page(city, edition.year)).content.decode()

    assert "Save researched value" in content
    assert "Current value" in content


def test_the_review_page_of_a_researched_value_names_its_origin_and_researcher(client, role_groups, edition, solar):
    # given
    researcher = UserFactory(groups=["researchers"], username="rita")
    city = factories.cities_of(edition)[0]
    answer = AnswerFactory(
        parameter=solar,
        city=city,
        value_number=Decimal(12),
        source_kind=Mode.RESEARCH,
        researched_by=researcher,
        evidence_url="https://a.example/",
        status=Answer.Status.SUBMITTED,
    )
    client.force_login(UserFactory(groups=["reviewers"], is_staff=True))

    # when
    content = client.get(f"/admin/indicators/answer/{answer.pk}/change/").content.decode()

    # then
    assert '<dd id="answer-origin">Recherche (recherchiert von rita)</dd>' in content


def test_the_filter_shows_only_the_researched_values_sent_back_with_the_reason(researcher_client, edition, solar):
    # given: a researched value sent back, and other rows to research
    city = factories.cities_of(edition)[0]
    AnswerFactory(
        parameter=solar,
        city=city,
        value_number=Decimal(12),
        source_kind=Mode.RESEARCH,
        researched_by=researcher_client.user,
        evidence_url="https://a.example/",
        status=Answer.Status.CHANGES_REQUESTED,
        review_reason="Stand ist veraltet: bitte 2024",
        version=2,
    )

    # when
    listing = researcher_client.get(f"{LIST}?zurueckgegeben=1").content.decode()
    content = researcher_client.get(page(city, edition.year) + "&zurueckgegeben=1").content.decode()

    # then
    assert "1 Stadt" in listing and city.name in listing
    assert re.findall(r'<section class="research-row" id="parameter-([a-z-]+)"', content) == ["solarleistung"]
    assert "Zurückgegeben: Stand ist veraltet: bitte 2024" in content
    assert 'name="solarleistung-version" value="2"' in content
