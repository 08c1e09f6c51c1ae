"""The catalogue marks which importer profile feeds a parameter, with its default options (issue 16): the
model's rule, the choice the page and the command start from, and what they say when an editor picks
another profile."""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from indicators.models import Answer, Edition, OfficialImport, Parameter
from indicators.services import edition_clone, official_profile_choose
from tests import factories
from tests.indicators.test_official_import import BOCHUM, MUENCHEN, official_edition

pytestmark = pytest.mark.django_db

Mode = Parameter.CollectionMode
TABLE = f"AGS;Wert\n{BOCHUM};1.234\n{MUENCHEN};17\n".encode()


def marked(parameter: Parameter, profile="ags-tabelle", options=None) -> Parameter:
    Parameter.objects.filter(pk=parameter.pk).update(
        official_profile=profile, official_options=options or {"ags_column": "AGS", "value_column": "Wert"}
    )
    parameter.refresh_from_db()
    return parameter


@pytest.mark.parametrize(
    ("mode", "profile", "options", "errors"),
    [
        pytest.param(Mode.OFFICIAL, "bnetza-ladesaeulen", {"count": "charging_points"}, {}, id="fine"),
        pytest.param(
            Mode.CITY,
            "bnetza-ladesaeulen",
            {},
            {"official_profile": ["Ein Importprofil gibt es nur für Parameter aus einer amtlichen Quelle."]},
            id="not official",
        ),
        pytest.param(
            Mode.OFFICIAL,
            "",
            {"count": "stations"},
            {"official_options": ["Optionen gibt es nur mit einem Importprofil."]},
            id="options without a profile",
        ),
        pytest.param(
            Mode.OFFICIAL,
            "bnetza-ladesaeulen",
            {"farbe": "blau"},
            {"official_options": ["Das Profil „bnetza-ladesaeulen“ kennt die Option „farbe“ nicht."]},
            id="unknown option",
        ),
        pytest.param(
            Mode.OFFICIAL,
            "bnetza-ladesaeulen",
            {"count": "autos"},
            {"official_options": ["Die Option „count“ erlaubt nur: stations, charging_points."]},
            id="option outside its choices",
        ),
        pytest.param(
            Mode.OFFICIAL,
            "bnetza-ladesaeulen",
            {"fast_only": "vielleicht"},
            {"official_options": ["Die Option „fast_only“ hat einen ungültigen Wert."]},
            id="no yes/no",
        ),
        pytest.param(
            Mode.OFFICIAL,
            "gibt-es-nicht",
            {},
            {"official_profile": ["Wert 'gibt-es-nicht' ist keine gültige Option."]},
            id="unknown profile",
        ),
    ],
)
def test_a_parameter_names_a_profile_only_when_official_with_options_the_profile_takes(
    edition, mode, profile, options, errors
):
    parameter = factories.parameter(edition, "ladepunkte")
    parameter.collection_mode, parameter.official_profile, parameter.official_options = mode, profile, options

    if not errors:
        parameter.full_clean()
        return
    with pytest.raises(ValidationError) as refused:
        parameter.full_clean()
    assert {field: refused.value.message_dict[field] for field in errors} == errors


def test_the_import_starts_from_the_catalogues_profile_and_options_and_the_editors_options_win(edition):
    parameter = factories.parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=parameter.pk).update(collection_mode=Mode.OFFICIAL)
    parameter = marked(parameter, "bnetza-ladesaeulen", {"count": "charging_points", "fast_only": "ja"})

    catalogue = official_profile_choose(parameter=parameter)
    mine = official_profile_choose(parameter=parameter, option_texts={"count": "stations"})
    other = official_profile_choose(parameter=parameter, profile_key="ags-tabelle", option_texts={"ags_column": "A"})

    assert (catalogue.profile_key, catalogue.options, catalogue.note) == (
        "bnetza-ladesaeulen",
        {"count": "charging_points", "fast_only": True},
        "",
    )
    assert mine.options == {"count": "stations", "fast_only": True}
    assert (other.profile_key, other.options) == ("ags-tabelle", {"ags_column": "A"})
    assert other.note == (
        "Achtung: Laut Katalog wird dieser Parameter mit dem Profil „bnetza-ladesaeulen“ importiert, gewählt ist "
        "„ags-tabelle“. Die Optionen des Katalogs gelten dann nicht."
    )


def test_without_a_profile_in_the_catalogue_the_editor_must_choose_one(edition):
    parameter = factories.parameter(edition, "ladepunkte")

    with pytest.raises(ValidationError) as refused:
        official_profile_choose(parameter=parameter)

    assert refused.value.messages == [
        f"Bitte wählen Sie ein Importprofil; der Katalog nennt für „{parameter.name}“ keines."
    ]


def test_a_clone_carries_the_profile_and_its_options(edition, editor):
    parameter = factories.parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=parameter.pk).update(collection_mode=Mode.OFFICIAL)
    marked(parameter, "bnetza-ladesaeulen", {"count": "stations"})
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.PUBLISHED)

    clone = edition_clone(user=editor, source=edition, year=edition.year + 1)

    assert Parameter.objects.filter(indicator__domain__edition=clone, key="ladepunkte").values_list(
        "collection_mode", "official_profile", "official_options"
    ).get() == ("official", "bnetza-ladesaeulen", {"count": "stations"})


@pytest.mark.usefixtures("official_dir")
def test_the_command_takes_the_catalogues_profile_and_options_when_none_is_given(editor, tmp_path):
    # given
    _edition, parameter, _unknown = official_edition(with_project_cities=False)
    marked(parameter)
    path = tmp_path / "breitband.csv"
    path.write_bytes(TABLE)
    out = StringIO()

    # when
    call_command(
        "import_official_data",
        str(path),
        "--edition=2030",
        "--parameter=ladepunkte",
        "--stand=2023-12-31",
        f"--user={editor.username}",
        stdout=out,
    )

    # then
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Allgemeine AGS-Tabelle (CSV oder XLSX), Stand 31.12.2023")
    assert OfficialImport.objects.get().profile_key == "ags-tabelle"
    assert sorted(Answer.objects.values_list("city__ags", "value_number")) == [(BOCHUM, 1234), (MUENCHEN, 17)]


@pytest.mark.usefixtures("official_dir")
def test_the_command_says_when_the_editor_picks_another_profile_than_the_catalogues(editor, tmp_path):
    # given
    _edition, parameter, _unknown = official_edition(with_project_cities=False)
    marked(parameter, "bnetza-ladesaeulen", {"count": "stations"})
    path = tmp_path / "breitband.csv"
    path.write_bytes(TABLE)
    out = StringIO()

    # when
    call_command(
        "import_official_data",
        str(path),
        "--edition=2030",
        "--parameter=ladepunkte",
        "--profile=ags-tabelle",
        "--option=ags_column=AGS",
        "--option=value_column=Wert",
        "--stand=2023-12-31",
        "--dry-run",
        f"--user={editor.username}",
        stdout=out,
    )

    # then
    assert out.getvalue().splitlines()[0] == (
        "Achtung: Laut Katalog wird dieser Parameter mit dem Profil „bnetza-ladesaeulen“ importiert, gewählt ist "
        "„ags-tabelle“. Die Optionen des Katalogs gelten dann nicht."
    )


@pytest.mark.usefixtures("official_dir")
def test_the_import_page_defaults_to_the_catalogue_and_warns_on_another_profile(role_groups, client):
    # given
    editor = factories.UserFactory(groups=["editors"], is_staff=True)
    client.force_login(editor)
    _edition, parameter, _unknown = official_edition(with_project_cities=False)
    marked(parameter)
    form = {"parameter": parameter.pk, "stand": "2023-12-31", "options": ""}

    # when: no profile chosen, then another than the catalogue's
    default = client.post(
        "/admin/indicators/officialimport/add/",
        {**form, "profile": "", "file": SimpleUploadedFile("b.csv", TABLE, content_type="text/csv")},
    )
    other = client.post(
        "/admin/indicators/officialimport/add/",
        {
            **form,
            "profile": "bnetza-ladesaeulen",
            "file": SimpleUploadedFile("b.csv", TABLE, content_type="text/csv"),
        },
    )

    # then
    assert [(row.city.ags, row.value_text) for row in default.context["preview"].rows] == [
        (BOCHUM, "1.234 Ladepunkte"),
        (MUENCHEN, "17 Ladepunkte"),
    ]
    assert "Achtung" not in default.content.decode()
    assert [str(m) for m in other.context["messages"]][0] == (
        "Achtung: Laut Katalog wird dieser Parameter mit dem Profil „ags-tabelle“ importiert, gewählt ist "
        "„bnetza-ladesaeulen“. Die Optionen des Katalogs gelten dann nicht."
    )


def test_a_profile_reads_the_same_file_once_and_again_for_other_cities_options_or_language(monkeypatch):
    # given
    from django.utils import translation

    from indicators.official import profile_for
    from indicators.official.ags_table import AgsTable

    calls = []
    original = AgsTable.read_rows

    def counted(self, data, **kwargs):
        calls.append(1)
        return original(self, data, **kwargs)

    monkeypatch.setattr(AgsTable, "read_rows", counted)
    profile = profile_for("ags-tabelle")
    data = b"AGS;Wert\n05911000;12\n09162000;7\n"
    cities = [("05911000", "Bochum"), ("09162000", "München")]
    options = {"ags_column": "AGS", "value_column": "Wert"}
    stand = date(2023, 12, 31)

    # when
    first = profile.read(data, cities=cities, stand=stand, **options)
    first.values.clear()  # a caller changing its reading does not change what is kept
    second = profile.read(data, cities=cities, stand=stand, **options)
    profile.read(data, cities=cities[:1], stand=stand, **options)
    with translation.override("en"):
        profile.read(data, cities=cities, stand=stand, **options)

    # then
    assert {ags: value.value for ags, value in second.values.items()} == {"05911000": 12, "09162000": 7}
    assert len(calls) == 3
