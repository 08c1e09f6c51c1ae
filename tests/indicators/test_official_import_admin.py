"""The editors' import page in the admin (issue 16, section 2): upload → preview → confirm, and the read-only
list of imports."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Answer, OfficialImport
from tests import factories
from tests.indicators.test_official_import import BOCHUM, MUENCHEN, official_edition

ADD = "/admin/indicators/officialimport/add/"
TABLE = f"AGS;Wert\n{BOCHUM};1.234\n{MUENCHEN};17\n09999999;3\n".encode()


@pytest.fixture
def admin_editor(role_groups, client):
    user = factories.UserFactory(groups=["editors"], is_staff=True)
    client.force_login(user)
    return user


pytestmark = pytest.mark.usefixtures("official_dir")


def upload(client, parameter, data=TABLE, **more):
    return client.post(
        ADD,
        {
            "parameter": parameter.pk,
            "profile": "ags-tabelle",
            "stand": "2023-12-31",
            "options": "ags_column=AGS\nvalue_column=Wert",
            "file": SimpleUploadedFile("breitband.csv", data, content_type="text/csv"),
            **more,
        },
    )


def test_the_import_page_shows_a_preview_and_the_confirmation_stores_the_values(admin_editor, client, official_dir):
    # given
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    factories.AnswerFactory(
        city=edition.participations.get(city__ags=BOCHUM).city, parameter=parameter, value_number=40
    )
    page = client.get(ADD)
    assert page.status_code == 200
    assert "Amtliche Daten importieren" in page.content.decode() and "Vorschau anzeigen" in page.content.decode()

    # when: the file is uploaded
    preview = upload(client, parameter)

    # then: the values per city, the current one, the city without a value, the row matching no city
    html = preview.content.decode()
    assert preview.status_code == 200
    assert preview.context["preview"].changed_count == 2
    assert [(row.city.ags, row.value_text, row.current_text) for row in preview.context["preview"].rows] == [
        (BOCHUM, "1.234 Ladepunkte", "40 Ladepunkte"),
        (MUENCHEN, "17 Ladepunkte", ""),
    ]
    assert "<td>1.234 Ladepunkte</td><td>40 Ladepunkte</td>" in html
    assert "Ohne Wert in der Datei (ihre Werte bleiben, wie sie sind): Nirgendwo" in html
    assert "1 nicht zugeordnete Zeile" in html and "Der AGS 09999999 ist keine Stadt des Index." in html
    assert "Import bestätigen" in html
    assert (OfficialImport.objects.count(), Answer.objects.get(parameter=parameter, city__ags=BOCHUM).value_number) == (
        0,
        Decimal(40),
    )
    confirm = preview.context["confirm"]

    # when: the editor confirms
    done = client.post(ADD, {name: confirm[name].value() for name in confirm.fields}, follow=True)

    # then
    assert done.redirect_chain[-1][0] == "/admin/indicators/officialimport/"
    assert "Importiert: 2 Werte gespeichert, 2 davon geändert, zur Prüfung eingereicht." in done.content.decode()
    imported = OfficialImport.objects.get()
    assert (imported.file_name, imported.as_of, imported.profile_key) == (
        "breitband.csv",
        date(2023, 12, 31),
        "ags-tabelle",
    )
    assert sorted(
        Answer.objects.filter(parameter=parameter, official_import=imported).values_list("city__ags", "value_number")
    ) == [
        (BOCHUM, Decimal(1234)),
        (MUENCHEN, Decimal(17)),
    ]
    assert [path.name for path in official_dir.rglob("*") if path.is_file()] == [imported.file.name.rsplit("/", 1)[-1]]
    # the list of imports shows it with its number of values
    listing = client.get("/admin/indicators/officialimport/").content.decode()
    assert "breitband.csv" in listing and '<td class="field-value_count">2</td>' in listing


def test_a_broken_file_shows_the_profiles_message_and_writes_nothing(admin_editor, client):
    # given
    _edition, parameter, _unknown = official_edition(with_project_cities=False)
    # when
    response = upload(client, parameter, profile="bnetza-ladesaeulen", stand="", options="", data=b"kaputt")
    # then
    assert response.status_code == 200 and response.context["preview"] is None
    assert response.context["form"].non_field_errors() == [
        "Die Datei ist keine gültige XLSX-Datei. Das Ladesäulenregister wird als Excel-Arbeitsmappe (.xlsx) gelesen."
    ]
    assert (OfficialImport.objects.count(), Answer.objects.count()) == (0, 0)


def test_a_confirmation_without_its_previewed_file_stores_nothing(admin_editor, client):
    # given
    _edition, parameter, _unknown = official_edition(with_project_cities=False)
    data = {
        "parameter": parameter.pk,
        "profile": "ags-tabelle",
        "stand": "2023-12-31",
        "options": "ags_column=AGS\nvalue_column=Wert",
        "sha256": "a" * 64,
        "file_name": "breitband.csv",
    }
    # when
    response = client.post(ADD, data)
    # then
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [
        "Die Datei der Vorschau liegt nicht mehr vor. Bitte laden Sie sie erneut hoch."
    ]
    assert OfficialImport.objects.count() == 0


def test_a_reviewer_may_list_imports_but_not_import(role_groups, client):
    reviewer = factories.UserFactory(groups=["reviewers"], is_staff=True)
    client.force_login(reviewer)
    assert client.get("/admin/indicators/officialimport/").status_code == 200
    assert client.get(ADD).status_code == 403


def test_the_list_of_imports_has_a_fixed_number_of_queries(admin_editor, client, django_assert_max_num_queries):
    # given: five imports of five parameters, each with answers
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    for number in range(5):
        imported = factories.OfficialImportFactory(parameter=factories.ParameterFactory(), imported_by=admin_editor)
        factories.AnswerFactory(parameter=imported.parameter, official_import=imported, value_number=number)
    # when
    with django_assert_max_num_queries(9):
        response = client.get("/admin/indicators/officialimport/")
    # then
    assert response.status_code == 200
    assert response.content.decode().count('<td class="field-value_count">1</td>') == 5
