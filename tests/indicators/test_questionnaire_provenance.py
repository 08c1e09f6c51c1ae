"""The questionnaire shows official and researched values read-only with their source (issue 16, section 1)."""

import re
from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Answer, Parameter
from tests import factories
from tests.factories import AnswerFactory, OfficialImportFactory, UserFactory, parameter
from tests.indicators.test_portal_views import save, url

Mode = Parameter.CollectionMode


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def set_mode(edition, key, mode):
    Parameter.objects.filter(pk=parameter(edition, key).pk).update(collection_mode=mode)
    return parameter(edition, key)


def row_html(content: str, key: str) -> str:
    match = re.search(rf'<article class="answer[^"]*" id="p-{key}".*?</article>', content, re.S)
    assert match, key
    return match.group(0)


def official(edition, city, key="ladepunkte"):
    item = set_mode(edition, key, Mode.OFFICIAL)
    imported = OfficialImportFactory(parameter=item)
    return AnswerFactory(
        parameter=item,
        city=city,
        value_number=Decimal(120),
        source_kind=Mode.OFFICIAL,
        official_import=imported,
        source_rows=[4],
        as_of=date(2019, 7, 19),
    )


def researched(edition, city, key="busse"):
    set_mode(edition, key, Mode.RESEARCH)
    return AnswerFactory(
        parameter=parameter(edition, key),
        city=city,
        value_number=Decimal(35),
        source_kind=Mode.RESEARCH,
        researched_by=UserFactory(),
        evidence_url="https://stadt.example/nahverkehrsplan.pdf",
        as_of=date(2024, 3, 1),
    )


def test_official_and_researched_rows_are_read_only_with_their_source(staff_client, edition, city):
    official(edition, city)
    researched(edition, city)

    response = staff_client.get(url(city, edition))

    content = response.content.decode()
    assert response.status_code == 200
    ladepunkte, busse = row_html(content, "ladepunkte"), row_html(content, "busse")
    assert (
        '<p class="provenance">Amtliche Quelle: Bundesnetzagentur, Ladesäulenregister, Stand 19.07.2019</p>'
        in ladepunkte
    )
    assert (
        '<p class="provenance">Recherchiert: https://stadt.example/nahverkehrsplan.pdf, Stand 01.03.2024</p>' in busse
    )
    for row in (ladepunkte, busse):
        assert "<form" not in row and "hx-post" not in row
        assert 'class="read-only-answer"' in row
    assert "<dd>120 Ladepunkte</dd>" in ladepunkte
    # the city's own rows keep their form
    assert "hx-post" in row_html(content, "wartezeit")
    assert "provenance" not in row_html(content, "wartezeit")


def test_an_official_parameter_without_a_value_yet_says_so(staff_client, edition, city):
    set_mode(edition, "ladepunkte", Mode.OFFICIAL)

    row = row_html(staff_client.get(url(city, edition)).content.decode(), "ladepunkte")

    assert '<p class="provenance">Amtliche Quelle: noch kein Wert eingetragen</p>' in row
    assert "<form" not in row


def test_the_form_refuses_a_write_to_an_official_value(staff_client, edition, city):
    answer = official(edition, city)

    response = save(staff_client, city, edition, "ladepunkte", "5", version=1)

    assert response.status_code == 400
    assert (
        "„Parameter" in response.content.decode()
        and "wird nicht von der Stadt angegeben (Amtliche Quelle); der Wert kann hier nicht geändert werden."
        in response.content.decode()
    )
    answer.refresh_from_db()
    assert (answer.value_number, answer.version) == (Decimal(120), 1)


@pytest.mark.parametrize("extra_parameters", [0, 40])
def test_the_questionnaire_with_official_values_runs_the_same_number_of_queries(
    staff_client, edition, city, extra_parameters, django_assert_num_queries
):
    # given: official answers, each from its own import (an N+1 on the import would show)
    indicator = parameter(edition, "ladepunkte").indicator
    official(edition, city)
    for n in range(extra_parameters):
        item = factories.ParameterFactory(
            indicator=indicator,
            key=f"extra-{n}",
            position=10 + n,
            kind=Parameter.Kind.COUNT,
            unit="Stück",
            collection_mode=Mode.OFFICIAL,
        )
        AnswerFactory(
            parameter=item,
            city=city,
            value_number=Decimal(n),
            source_kind=Mode.OFFICIAL,
            official_import=OfficialImportFactory(parameter=item),
            as_of=date(2019, 7, 19),
        )

    # then: the pin of the plain questionnaire (test_portal_views), + the population figures of the outlier
    # flag (a per-capita parameter has a value here)
    with django_assert_num_queries(12):
        response = staff_client.get(url(city, edition))

    assert response.content.decode().count('<p class="provenance">Amtliche Quelle:') == 1 + extra_parameters
    assert Answer.objects.filter(city=city, source_kind="official").count() == 1 + extra_parameters


def test_the_questionnaire_import_refuses_a_changed_official_value_and_writes_nothing(edition, city, staff):
    from indicators import questionnaire_io as qio
    from tests.indicators.test_questionnaire_io import fill_csv, outcomes, run

    answer = official(edition, city)
    template = qio.questionnaire_csv(edition=edition, city=city)

    refused = run(
        staff,
        edition,
        city,
        fill_csv(template, {"ladepunkte": {"wert": "5"}, "wartezeit": {"wert": "3"}}),
        "fragebogen.csv",
        confirm=True,
    )
    # the official row as exported is left alone, the city's own row saved
    kept = run(staff, edition, city, fill_csv(template, {"wartezeit": {"wert": "3"}}), "fragebogen.csv", confirm=True)

    ladepunkte = next(row for row in outcomes(refused) if row[1] == "ladepunkte")
    assert ladepunkte[4] == "error"
    assert "wird nicht von der Stadt angegeben (Amtliche Quelle)" in ladepunkte[5]
    assert (refused.confirmed, kept.confirmed, kept.saved) == (False, True, 1)
    answer.refresh_from_db()
    assert (answer.value_number, answer.version) == (Decimal(120), 1)
    assert Answer.objects.get(city=city, parameter__key="wartezeit").value_number == Decimal(3)


def test_the_workspace_api_refuses_a_write_to_an_official_value(edition, city, staff):
    from rest_framework.test import APIClient

    from tests.api.test_write_api import answers_url
    from tests.factories import api_token

    answer = official(edition, city)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(staff)}")

    response = client.put(answers_url(city, edition, "ladepunkte"), {"value": 5, "version": 1}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "workflow")
    assert response.json()[
        "message"
    ] == f"„{answer.parameter.name}“ wird nicht von der Stadt angegeben (Amtliche Quelle); " + (
        "der Wert kann hier nicht geändert werden."
    )
    answer.refresh_from_db()
    assert (answer.value_number, answer.version) == (Decimal(120), 1)


def test_the_answer_history_shows_the_provenance_of_every_version(staff_client, edition, city):
    answer = official(edition, city)
    answer.source_kind, answer.official_import, answer.source_rows = Mode.RESEARCH, None, []
    answer.researched_by, answer.evidence_url = UserFactory(), "https://stadt.example/recherche"
    answer.save()

    response = staff_client.get(url(city, edition, "answer/ladepunkte/history/"))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<td>Amtliche Quelle</td>") == 1
    assert content.count("<td>Recherche</td>") == 1
