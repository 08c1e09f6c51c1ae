"""The editors' import of an official file (issue 16, section 2): preview and confirmation of the service, on
the real 2019-07-19 charging-point register with the project's cities, and on small AGS tables."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from indicators.importers import CITIES_CSV
from indicators.models import Answer, City, Edition, OfficialImport, Parameter, Participation
from indicators.official import profile_for
from indicators.services import answer_approve, official_import_confirm, official_import_preview, official_options_parse
from tests import factories

REGISTER = (
    Path(__file__).resolve().parent.parent / "data" / "official" / "bnetza" / "ladesaeulenregister-2019-07-19.xlsx"
)
REGISTER_SHA256 = "1ee46fa50b4891199b066e288187798a81142b4af13fc66f50997238ec026003"
BOCHUM, MUENCHEN = "05911000", "09162000"
STAND = date(2023, 12, 31)

pytestmark = pytest.mark.usefixtures("official_dir")


def project_cities() -> list[tuple[str, str]]:
    with open(CITIES_CSV, encoding="utf-8", newline="") as file:
        return [(row["ags"], row["name"]) for row in csv.DictReader(file)]


def official_edition(*, with_project_cities: bool) -> tuple[Edition, Parameter, City]:
    """small_edition with its "ladepunkte" taken from an official source; the project's 82 cities take part
    (or Bochum and München only), and one city no official file knows (AGS 05900999)."""
    edition = factories.small_edition(cities=0)
    for ags, name in project_cities():
        if with_project_cities or ags in (BOCHUM, MUENCHEN):
            city = factories.CityFactory(ags=ags, name=name)
            Participation.objects.create(edition=edition, city=city)
    unknown = factories.CityFactory(ags="05900999", name="Nirgendwo")
    Participation.objects.create(edition=edition, city=unknown)
    parameter = factories.parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=parameter.pk).update(collection_mode=Parameter.CollectionMode.OFFICIAL)
    parameter.refresh_from_db()
    return edition, parameter, unknown


def register_file() -> ContentFile:
    return ContentFile(REGISTER.read_bytes(), name="Ladesaeulenregister.xlsx")


def table(text: str, name: str = "breitband.csv") -> ContentFile:
    return ContentFile(text.encode(), name=name)


TABLE_OPTIONS = {"ags_column": "AGS", "value_column": "Wert"}


def test_the_preview_of_the_real_register_equals_the_profiles_reading_for_the_projects_cities(editor):
    # given
    edition, parameter, unknown = official_edition(with_project_cities=True)
    bochum = City.objects.get(ags=BOCHUM)
    factories.AnswerFactory(city=bochum, parameter=parameter, value_number=Decimal(40))
    reading = profile_for("bnetza-ladesaeulen").read(REGISTER.read_bytes(), cities=project_cities())
    # when
    preview = official_import_preview(
        user=editor, edition=edition, parameter=parameter, profile_key="bnetza-ladesaeulen", uploaded=register_file()
    )
    # then
    assert (preview.reading.stand, preview.reading.sha256) == (date(2019, 7, 19), REGISTER_SHA256)
    assert {row.city.ags: (row.value, row.rows) for row in preview.rows} == {
        ags: (value.value, value.rows) for ags, value in reading.values.items()
    }
    assert len(preview.rows) == 82
    by_ags = {row.city.ags: row for row in preview.rows}
    assert (by_ags[BOCHUM].value, by_ags[BOCHUM].current, by_ags[BOCHUM].changed) == (Decimal(50), Decimal(40), True)
    assert (by_ags[MUENCHEN].value, by_ags[MUENCHEN].current, by_ags[MUENCHEN].changed) == (Decimal(239), None, True)
    assert preview.not_in_file == [unknown]
    assert (len(preview.reading.unmatched), len(preview.reading.ambiguous)) == (43, 0)
    assert (preview.reading.rows_read, preview.reading.rows_counted) == (9690, 2973)
    assert preview.already_imported is None and preview.changed_count == 82
    assert preview.profile_name == "Ladesäulenregister der Bundesnetzagentur"
    assert OfficialImport.objects.count() == 0 and Answer.objects.count() == 1  # nothing written


def test_confirming_the_register_writes_every_value_with_its_provenance_and_a_second_import_changes_nothing(
    editor, official_dir, django_capture_on_commit_callbacks
):
    # given
    edition, parameter, unknown = official_edition(with_project_cities=False)
    bochum, muenchen = City.objects.get(ags=BOCHUM), City.objects.get(ags=MUENCHEN)
    approved = factories.AnswerFactory(
        city=bochum, parameter=parameter, value_number=Decimal(40), status=Answer.Status.APPROVED
    )
    untouched = factories.AnswerFactory(city=unknown, parameter=parameter, value_number=Decimal(7))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = official_import_confirm(
            user=editor,
            edition=edition,
            parameter=parameter,
            profile_key="bnetza-ladesaeulen",
            uploaded=register_file(),
        )
    # then
    assert (result.written, result.changed, result.already_imported) == (2, 2, False)
    imported = OfficialImport.objects.get()
    assert (
        imported.edition,
        imported.parameter,
        imported.source_name,
        imported.profile_key,
        imported.profile_version,
        imported.file_name,
        imported.sha256,
        imported.as_of,
        imported.imported_by,
    ) == (
        edition,
        parameter,
        "Ladesäulenregister der Bundesnetzagentur",
        "bnetza-ladesaeulen",
        "2",
        "Ladesaeulenregister.xlsx",
        REGISTER_SHA256,
        date(2019, 7, 19),
        editor,
    )
    with imported.file.open("rb") as stored:
        assert stored.read() == REGISTER.read_bytes()
    assert imported.file.name.startswith(f"official/{edition.pk}/{parameter.pk}/1ee46fa50b489119-")
    answer = Answer.objects.get(pk=approved.pk)
    assert (answer.value_number, answer.status, answer.source_kind, answer.official_import, answer.as_of) == (
        Decimal(50),
        Answer.Status.SUBMITTED,
        Parameter.CollectionMode.OFFICIAL,
        imported,
        date(2019, 7, 19),
    )
    assert len(answer.source_rows) == 26 and answer.reviewed_by is None
    assert answer.history.first().history_change_reason == (
        "Amtliche Daten importiert: Ladesäulenregister der Bundesnetzagentur, Stand 19.07.2019"
    )
    assert answer.history.first().history_user == editor
    new = Answer.objects.get(city=muenchen, parameter=parameter)
    assert (new.value_number, new.status, new.edition, new.official_import) == (
        Decimal(239),
        Answer.Status.SUBMITTED,
        edition,
        imported,
    )
    untouched.refresh_from_db()
    assert (untouched.value_number, untouched.source_kind, untouched.official_import) == (
        Decimal(7),
        Parameter.CollectionMode.CITY,
        None,
    )

    # when the same file is imported again
    versions = dict(Answer.objects.values_list("pk", "version"))
    again = official_import_confirm(
        user=editor, edition=edition, parameter=parameter, profile_key="bnetza-ladesaeulen", uploaded=register_file()
    )
    # then
    assert (again.official_import, again.written, again.changed, again.already_imported) == (imported, 0, 0, True)
    assert OfficialImport.objects.count() == 1
    assert dict(Answer.objects.values_list("pk", "version")) == versions
    assert sum(1 for path in official_dir.rglob("*") if path.is_file()) == 1


def test_an_approved_value_the_new_file_confirms_stays_approved_with_the_new_files_provenance(editor):
    # given
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    bochum = City.objects.get(ags=BOCHUM)
    approved = factories.AnswerFactory(
        city=bochum, parameter=parameter, value_number=Decimal(50), status=Answer.Status.APPROVED
    )
    # when
    result = official_import_confirm(
        user=editor,
        edition=edition,
        parameter=parameter,
        profile_key="ags-tabelle",
        uploaded=table(f"AGS;Wert\n{BOCHUM};50\n{MUENCHEN};240\n"),
        options=TABLE_OPTIONS,
        stand=STAND,
    )
    # then
    assert (result.written, result.changed) == (2, 1)
    approved.refresh_from_db()
    assert (approved.status, approved.official_import, approved.as_of, approved.source_rows) == (
        Answer.Status.APPROVED,
        result.official_import,
        STAND,
        [2],
    )


def test_a_broken_file_writes_nothing_and_says_why_in_german(editor, official_dir):
    # given
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    # when
    with pytest.raises(ValidationError) as error:
        official_import_confirm(
            user=editor,
            edition=edition,
            parameter=parameter,
            profile_key="bnetza-ladesaeulen",
            uploaded=ContentFile(b"PK\x03\x04 kaputt", name="register.xlsx"),
        )
    # then
    assert error.value.messages == [
        "Die Datei ist keine gültige XLSX-Datei. Das Ladesäulenregister wird als Excel-Arbeitsmappe (.xlsx) gelesen."
    ]
    assert (OfficialImport.objects.count(), Answer.objects.count()) == (0, 0)
    assert not official_dir.exists() or not any(path.is_file() for path in official_dir.rglob("*"))


def test_a_value_the_parameter_refuses_rolls_back_the_whole_import_and_its_file(editor, official_dir):
    # given: a count below the parameter's minimum of 0, after a valid row
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    # when
    with pytest.raises(ValidationError) as error:
        official_import_confirm(
            user=editor,
            edition=edition,
            parameter=parameter,
            profile_key="ags-tabelle",
            uploaded=table(f"AGS;Wert\n{BOCHUM};5\n{MUENCHEN};-3\n"),
            options=TABLE_OPTIONS,
            stand=STAND,
        )
    # then
    assert error.value.messages[0].startswith("Der Wert -3 für München passt nicht zum Parameter:")
    assert (OfficialImport.objects.count(), Answer.objects.count()) == (0, 0)
    assert not any(path.is_file() for path in official_dir.rglob("*"))


def test_a_table_without_a_stand_is_refused(editor):
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    with pytest.raises(ValidationError) as error:
        official_import_preview(
            user=editor,
            edition=edition,
            parameter=parameter,
            profile_key="ags-tabelle",
            uploaded=table(f"AGS;Wert\n{BOCHUM};5\n"),
            options=TABLE_OPTIONS,
        )
    assert error.value.messages == ["Bitte geben Sie den Stand der Datei an."]


def test_only_editors_import(reviewer):
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    with pytest.raises(PermissionDenied):
        official_import_preview(
            user=reviewer,
            edition=edition,
            parameter=parameter,
            profile_key="ags-tabelle",
            uploaded=table(f"AGS;Wert\n{BOCHUM};5\n"),
            options=TABLE_OPTIONS,
            stand=STAND,
        )
    assert OfficialImport.objects.count() == 0


def test_a_parameter_the_city_answers_is_refused(editor):
    # given
    edition, _parameter, _unknown = official_edition(with_project_cities=False)
    busse = factories.parameter(edition, "busse")
    # when
    with pytest.raises(ValidationError) as error:
        official_import_confirm(
            user=editor,
            edition=edition,
            parameter=busse,
            profile_key="ags-tabelle",
            uploaded=table(f"AGS;Wert\n{BOCHUM};5\n"),
            options=TABLE_OPTIONS,
            stand=STAND,
        )
    # then
    assert error.value.messages == [
        f"„{busse.name}“ wird nicht aus einer amtlichen Quelle übernommen (Erhebungsart: Angabe der Stadt)."
    ]
    assert (OfficialImport.objects.count(), Answer.objects.count()) == (0, 0)


def test_a_parameter_of_another_edition_is_refused(editor):
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    other = factories.small_edition(cities=0, year=2031)
    with pytest.raises(ValidationError) as error:
        official_import_preview(
            user=editor,
            edition=other,
            parameter=parameter,
            profile_key="ags-tabelle",
            uploaded=table(f"AGS;Wert\n{BOCHUM};5\n"),
            options=TABLE_OPTIONS,
            stand=STAND,
        )
    assert error.value.messages == ["Der Parameter „ladepunkte“ gehört nicht zur Ausgabe 2031."]


def test_a_published_edition_is_refused(editor):
    # given
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.PUBLISHED)
    edition.refresh_from_db()
    # when
    with pytest.raises(ValidationError) as error:
        official_import_confirm(
            user=editor,
            edition=edition,
            parameter=parameter,
            profile_key="ags-tabelle",
            uploaded=table(f"AGS;Wert\n{BOCHUM};5\n"),
            options=TABLE_OPTIONS,
            stand=STAND,
        )
    # then
    assert error.value.messages == ["In eine veröffentlichte Ausgabe werden keine amtlichen Daten importiert."]
    assert (OfficialImport.objects.count(), Answer.objects.count()) == (0, 0)


def test_a_reviewer_approves_an_imported_answer_whose_parameter_requires_evidence(editor, reviewer):
    # given: the imported file is the answer's evidence (no URL, no uploaded file)
    edition, parameter, _unknown = official_edition(with_project_cities=False)
    Parameter.objects.filter(pk=parameter.pk).update(evidence_required=True)
    parameter.refresh_from_db()
    official_import_confirm(
        user=editor,
        edition=edition,
        parameter=parameter,
        profile_key="ags-tabelle",
        uploaded=table(f"AGS;Wert\n{BOCHUM};5\n"),
        options=TABLE_OPTIONS,
        stand=STAND,
    )
    answer = Answer.objects.get(city__ags=BOCHUM, parameter=parameter)
    assert (answer.evidence_url, answer.status) == ("", Answer.Status.SUBMITTED)
    # when
    approved = answer_approve(user=reviewer, answer=answer)
    # then
    assert (approved.status, approved.reviewed_by) == (Answer.Status.APPROVED, reviewer)


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ({"count": "stations", "fast_only": "ja", "in_operation_by": "2019-06-30"},
         {"count": "stations", "fast_only": True, "in_operation_by": date(2019, 6, 30)}),
        ({"fast_only": "nein", "in_operation_by": ""}, {"fast_only": False}),
    ],
)  # fmt: skip
def test_profile_options_given_as_text_are_read_in_their_types(texts, expected):
    assert official_options_parse("bnetza-ladesaeulen", texts) == expected


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"schnell": "ja"}, "Das Profil „bnetza-ladesaeulen“ kennt die Option „schnell“ nicht."),
        ({"fast_only": "vielleicht"}, "Die Option „fast_only“ hat einen ungültigen Wert."),
        ({"in_operation_by": "30.06.2019"}, "Die Option „in_operation_by“ hat einen ungültigen Wert."),
    ],
)
def test_a_wrong_profile_option_is_refused_in_german(texts, message):
    with pytest.raises(ValidationError) as error:
        official_options_parse("bnetza-ladesaeulen", texts)
    assert error.value.messages == [message]
