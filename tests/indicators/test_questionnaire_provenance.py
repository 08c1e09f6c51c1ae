"""The questionnaire shows official and researched values read-only with their source (issue 16, section 1)."""

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

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
    return researched_answer(edition, city, key)


def researched_answer(edition, city, key="busse"):
    """A value the index team researched for the city (the parameter's collection mode is left as it is)."""
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

    # then: the pin of the plain questionnaire (test_portal_views); the outlier flags are the stored ones (no
    # field, no population figures)
    with django_assert_num_queries(10):
        response = staff_client.get(url(city, edition))

    assert response.content.decode().count('<p class="provenance">Amtliche Quelle:') == 1 + extra_parameters
    assert Answer.objects.filter(city=city, source_kind="official").count() == 1 + extra_parameters


def test_the_template_leaves_out_official_and_researched_values(edition, city):
    from indicators import questionnaire_io as qio
    from tests.indicators.test_questionnaire_io import read_csv

    # given: ladepunkte official, smart-meter researched as a parameter, busse a city parameter researched for
    # this city (it had not answered)
    official(edition, city)
    set_mode(edition, "smart-meter", Mode.RESEARCH)
    researched_answer(edition, city)

    # when
    csv_keys = [row[0] for row in read_csv(qio.questionnaire_csv(edition=edition, city=city))[1:]]
    sheet = openpyxl.load_workbook(io.BytesIO(qio.questionnaire_xlsx(edition=edition, city=city))).worksheets[0]
    xlsx_keys = [row[0].value for row in sheet.iter_rows(min_row=2)]

    # then: only what the city enters itself
    assert csv_keys == xlsx_keys == ["online-termine", "wartezeit"]
    assert [
        row[0] for row in read_csv(qio.questionnaire_csv(edition=edition, city=factories.cities_of(edition)[1]))[1:]
    ] == ["online-termine", "wartezeit", "busse"]


def test_a_row_of_an_official_value_is_not_taken_with_its_reason_and_the_other_rows_are_saved(edition, city, staff):
    from indicators import questionnaire_io as qio
    from tests.indicators.test_questionnaire_io import csv_bytes, outcomes, read_csv, run

    # given: a template exported before `ladepunkte` became official (it still has the row), changed there
    # and in the city's own `wartezeit`
    template = read_csv(qio.questionnaire_csv(edition=edition, city=city))
    answer = official(edition, city)
    for row in template[1:]:
        if row[0] in {"ladepunkte", "wartezeit"}:
            row[qio.COLUMNS.index("wert")] = {"ladepunkte": "5", "wartezeit": "3"}[row[0]]

    # when
    preview = run(staff, edition, city, csv_bytes(template), "fragebogen.csv", confirm=False)
    result = run(staff, edition, city, csv_bytes(template), "fragebogen.csv", confirm=True)

    # then
    name = answer.parameter.name
    assert [row for row in outcomes(result) if row[1] == "ladepunkte"] == [
        (
            6,
            "ladepunkte",
            "120 Ladepunkte",
            "5",
            "not_taken",
            f"„{name}“ wird nicht von der Stadt angegeben (Amtliche Quelle); der Wert kann hier nicht geändert werden. "
            "Die Zeile wird nicht übernommen.",
        )
    ]
    assert (preview.has_errors, [r.parameter_key for r in preview.not_taken]) == (False, ["ladepunkte"])
    assert (result.confirmed, result.saved) == (True, 1)
    answer.refresh_from_db()
    assert (answer.value_number, answer.version) == (Decimal(120), 1)
    assert Answer.objects.get(city=city, parameter__key="wartezeit").value_number == Decimal(3)


def test_a_row_of_a_researched_answer_is_not_taken_even_for_a_city_parameter(edition, city, staff):
    from indicators import questionnaire_io as qio
    from tests.indicators.test_questionnaire_io import csv_bytes, outcomes, read_csv, run

    # given: a template with `busse`, then the index team researched the value for the city
    template = read_csv(qio.questionnaire_csv(edition=edition, city=city))
    researched_answer(edition, city)
    for row in template[1:]:
        if row[0] == "busse":
            row[qio.COLUMNS.index("wert")] = "40"

    # when
    result = run(staff, edition, city, csv_bytes(template), "fragebogen.csv", confirm=True)

    # then
    assert [row[4:] for row in outcomes(result) if row[1] == "busse"] == [
        (
            "not_taken",
            "Diese Antwort stammt nicht von der Stadt (Herkunft: Recherche); die Stadt kann sie nicht ändern. "
            "Die Zeile wird nicht übernommen.",
        )
    ]
    assert (result.has_errors, result.saved) == (False, 0)  # nothing else changed: nothing to save
    assert Answer.objects.get(city=city, parameter__key="busse").value_number == Decimal(35)


def test_the_import_page_lists_the_rows_not_taken(staff_client, edition, city):
    from indicators import questionnaire_io as qio
    from tests.indicators.test_questionnaire_io import csv_bytes, read_csv

    template = read_csv(qio.questionnaire_csv(edition=edition, city=city))
    official(edition, city)
    upload = SimpleUploadedFile("fragebogen.csv", csv_bytes(template), content_type="text/csv")

    response = staff_client.post(url(city, edition, "import/"), {"file": upload})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h3>1 Zeile wird nicht übernommen</h3>" in content
    assert '<tr class="outcome-not_taken"><td>6</td>' in content
    assert "Die Zeile wird nicht übernommen." in content


def test_a_researched_value_with_only_a_file_as_source_says_so(staff_client, edition, city):
    # given: a researched value whose source is an evidence file, not a URL
    answer = researched(edition, city)
    Answer.objects.filter(pk=answer.pk).update(evidence_url="")
    factories.EvidenceFileFactory(answer=answer)

    row = row_html(staff_client.get(url(city, edition)).content.decode(), "busse")

    assert '<p class="provenance">Recherchiert: Nachweisdatei, Stand 01.03.2024</p>' in row


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
