"""Where a value comes from (issue 16, section 1): the parameter's collection mode, an answer's provenance."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from indicators import services
from indicators.data.check_catalogue import check, load
from indicators.importers import catalogue_import
from indicators.models import Answer, Edition, Parameter
from indicators.services import AnswerInput
from indicators.workflow import WorkflowError
from tests.factories import (
    AnswerFactory,
    EditionFactory,
    EvidenceFileFactory,
    OfficialImportFactory,
    UserFactory,
    parameter,
    small_edition,
)

Mode = Parameter.CollectionMode
pytestmark = pytest.mark.django_db


def set_mode(edition, key: str, mode: str) -> Parameter:
    item = parameter(edition, key)
    Parameter.objects.filter(pk=item.pk).update(collection_mode=mode)
    item.refresh_from_db()
    return item


def official_answer(edition, city, key="ladepunkte", **kwargs) -> Answer:
    item = set_mode(edition, key, Mode.OFFICIAL)
    official = OfficialImportFactory(parameter=item)
    return AnswerFactory(
        parameter=item,
        city=city,
        value_number=Decimal(120),
        source_kind=Mode.OFFICIAL,
        official_import=official,
        source_rows=[4, 17],
        as_of=official.as_of,
        **kwargs,
    )


# --- the parameter's collection mode --------------------------------------------------------------------


def test_a_new_parameter_is_answered_by_the_city(edition):
    item = parameter(edition, "busse")

    assert item.collection_mode == "city"
    assert item.is_answered_by_city is True
    assert item.get_collection_mode_display() == "Angabe der Stadt"


def test_collection_mode_labels_are_german():
    assert [str(label) for _, label in Mode.choices] == ["Angabe der Stadt", "Amtliche Quelle", "Recherche"]


def test_editor_sets_the_collection_mode_through_catalogue_update(edition, editor):
    item = parameter(edition, "ladepunkte")

    services.catalogue_update(user=editor, item=item, changes={"collection_mode": Mode.OFFICIAL})

    item.refresh_from_db()
    assert item.collection_mode == "official"
    assert item.history.first().collection_mode == "official"


def test_catalogue_update_refuses_an_unknown_collection_mode(edition, editor):
    item = parameter(edition, "ladepunkte")

    with pytest.raises(ValidationError) as error:
        services.catalogue_update(user=editor, item=item, changes={"collection_mode": "guessed"})

    assert "collection_mode" in error.value.message_dict
    item.refresh_from_db()
    assert item.collection_mode == "city"


def test_the_collection_mode_of_a_published_edition_is_frozen(edition, editor):
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.PUBLISHED)
    item = parameter(edition, "ladepunkte")

    with pytest.raises(WorkflowError):
        services.catalogue_update(user=editor, item=item, changes={"collection_mode": Mode.RESEARCH})

    item.refresh_from_db()
    assert item.collection_mode == "city"


def test_cloning_an_edition_carries_the_collection_modes(edition, editor):
    set_mode(edition, "ladepunkte", Mode.OFFICIAL)
    set_mode(edition, "smart-meter", Mode.RESEARCH)

    clone = services.edition_clone(user=editor, source=edition, year=2031)

    modes = dict(Parameter.objects.filter(indicator__domain__edition=clone).values_list("key", "collection_mode"))
    assert modes == {
        "online-termine": "city",
        "wartezeit": "city",
        "smart-meter": "research",
        "busse": "city",
        "ladepunkte": "official",
    }


def test_the_catalogue_yaml_may_name_a_collection_mode():
    data = load()
    first = data["domains"][0]["indicators"][0]["parameters"][0]
    first["collection_mode"] = "official"
    edition = EditionFactory(year=2044)

    catalogue_import(edition=edition, data=data)

    assert Parameter.objects.get(indicator__domain__edition=edition, key=first["key"]).collection_mode == "official"
    # the catalogue's own official parameter (public charging points, from the BNetzA register) and this one
    assert sorted(
        Parameter.objects.filter(indicator__domain__edition=edition)
        .exclude(collection_mode="city")
        .values_list("key", "collection_mode", "official_profile", "official_options")
    ) == sorted(
        [
            (first["key"], "official", "", {}),
            ("oeffentliche-ladepunkte", "official", "bnetza-ladesaeulen", {"count": "charging_points"}),
        ]
    )


def test_the_catalogue_checker_refuses_an_unknown_collection_mode():
    data = load()
    first = data["domains"][0]["indicators"][0]["parameters"][0]
    first["collection_mode"] = "geschätzt"

    problems = check(data)

    assert [p for p in problems if "collection_mode" in p] == [
        f"indicator digitalstrategie parameter 1 ({first['key']}): "
        "collection_mode must be one of city, official, research"
    ]


# --- a city may not write what it does not answer --------------------------------------------------------


@pytest.mark.parametrize(("mode", "label"), [(Mode.OFFICIAL, "Amtliche Quelle"), (Mode.RESEARCH, "Recherche")])
def test_answer_save_refuses_a_city_write_to_an_official_or_researched_parameter(edition, city, staff, mode, label):
    item = set_mode(edition, "ladepunkte", mode)

    with pytest.raises(WorkflowError) as error:
        services.answer_save(user=staff, city=city, parameter=item, data=AnswerInput(value="12"))

    assert str(error.value.message) == (
        f"„{item.name}“ wird nicht von der Stadt angegeben ({label}); der Wert kann hier nicht geändert werden."
    )
    assert not Answer.objects.filter(city=city, parameter=item).exists()


def test_answer_save_refuses_a_city_write_to_an_imported_answer(edition, city, staff):
    answer = official_answer(edition, city)
    # even when the catalogue has been turned back to "city" since the import
    Parameter.objects.filter(pk=answer.parameter_id).update(collection_mode=Mode.CITY)

    with pytest.raises(WorkflowError) as error:
        services.answer_save(
            user=staff, city=city, parameter=parameter(edition, "ladepunkte"), data=AnswerInput(value="12")
        )

    assert str(error.value.message) == (
        "Diese Antwort stammt nicht von der Stadt (Herkunft: Amtliche Quelle); die Stadt kann sie nicht ändern."
    )
    answer.refresh_from_db()
    assert (answer.value_number, answer.version) == (Decimal(120), 1)


def test_answer_save_still_checks_the_city_first(edition, city, other_staff):
    """Staff of another city learn nothing about the parameter's provenance: the permission comes first."""
    item = set_mode(edition, "ladepunkte", Mode.OFFICIAL)

    with pytest.raises(Exception) as error:
        services.answer_save(user=other_staff, city=city, parameter=item, data=AnswerInput(value="12"))

    assert "Amtliche Quelle" not in str(error.value)


def test_a_city_answer_to_a_city_parameter_is_saved_as_entered_by_the_city(edition, city, staff):
    answer = services.answer_save(
        user=staff, city=city, parameter=parameter(edition, "busse"), data=AnswerInput(value="40")
    )

    assert (answer.source_kind, answer.official_import, answer.source_rows, answer.researched_by) == (
        "city",
        None,
        [],
        None,
    )


# --- the provenance rules of the model -------------------------------------------------------------------


def test_a_researched_answer_without_a_source_is_refused(edition, city):
    researcher = UserFactory()
    answer = AnswerFactory(
        parameter=parameter(edition, "busse"), city=city, value_number=Decimal(40), researched_by=researcher
    )
    answer.source_kind = Mode.RESEARCH

    with pytest.raises(ValidationError) as error:
        answer.full_clean()

    assert error.value.message_dict == {
        "evidence_url": ["Ein recherchierter Wert braucht eine Quelle (Link oder Datei)."]
    }


def test_a_researched_answer_with_a_source_url_or_file_is_valid(edition, city):
    researcher = UserFactory()
    with_url = AnswerFactory(
        parameter=parameter(edition, "busse"),
        city=city,
        value_number=Decimal(40),
        source_kind=Mode.RESEARCH,
        researched_by=researcher,
        evidence_url="https://stadt.example/haushalt.pdf",
    )
    with_file = AnswerFactory(
        parameter=parameter(edition, "wartezeit"),
        city=city,
        value_number=Decimal(3),
        source_kind=Mode.RESEARCH,
        researched_by=researcher,
    )
    EvidenceFileFactory(answer=with_file)

    with_url.full_clean()
    with_file.full_clean()

    assert with_url.public_provenance == ("recherche", "https://stadt.example/haushalt.pdf", None)
    assert with_file.public_provenance == ("recherche", None, None)


def test_a_researched_answer_names_its_researcher(edition, city):
    answer = AnswerFactory(
        parameter=parameter(edition, "busse"),
        city=city,
        value_number=Decimal(40),
        source_kind=Mode.RESEARCH,
        evidence_url="https://stadt.example/haushalt.pdf",
    )

    with pytest.raises(ValidationError) as error:
        answer.full_clean()

    assert error.value.message_dict == {
        "researched_by": ["Ein recherchierter Wert braucht die Person, die ihn recherchiert hat."]
    }


def test_an_official_answer_needs_its_import_and_a_city_answer_has_none(edition, city):
    official = official_answer(edition, city)
    official.full_clean()
    assert official.public_provenance[1] == "Bundesnetzagentur, Ladesäulenregister (Ladesaeulenregister.xlsx)"

    official.official_import = None
    with pytest.raises(ValidationError) as error:
        official.full_clean()
    assert error.value.message_dict == {
        "official_import": ["Ein amtlicher Wert braucht den Import, aus dem er stammt."]
    }

    city_answer = AnswerFactory(
        parameter=parameter(edition, "busse"), city=city, value_number=Decimal(40), source_rows=[3]
    )
    with pytest.raises(ValidationError) as error:
        city_answer.full_clean()
    assert error.value.message_dict == {
        "official_import": ["Nur ein amtlicher Wert verweist auf einen Import amtlicher Daten."]
    }


@pytest.mark.parametrize("rows", [[0], ["4"], [True], {"row": 4}, [1.5]])
def test_source_rows_are_a_list_of_positive_row_numbers(edition, city, rows):
    answer = official_answer(edition, city)
    answer.source_rows = rows

    with pytest.raises(ValidationError) as error:
        answer.full_clean()

    assert error.value.message_dict == {
        "source_rows": ["Die Zeilen der Quelldatei sind eine Liste positiver ganzer Zahlen."]
    }


def test_the_same_file_is_imported_once_per_parameter(edition):
    item = parameter(edition, "ladepunkte")
    OfficialImportFactory(parameter=item, sha256="f" * 64)

    with pytest.raises(IntegrityError):
        OfficialImportFactory(parameter=item, sha256="f" * 64)


def test_the_provenance_is_in_the_answers_history(edition, city):
    answer = official_answer(edition, city)
    researcher = UserFactory()

    answer.source_kind, answer.official_import, answer.source_rows = Mode.RESEARCH, None, []
    answer.researched_by, answer.evidence_url = researcher, "https://stadt.example/ladepunkte"
    answer.as_of = date(2024, 3, 1)
    answer.save()

    first, second = answer.history.order_by("history_id")
    assert (first.source_kind, first.official_import_id, first.source_rows, first.as_of) == (
        "official",
        answer.history.earliest("history_id").official_import_id,
        [4, 17],
        date(2019, 7, 19),
    )
    assert first.official_import_id is not None
    assert (second.source_kind, second.official_import_id, second.source_rows, second.researched_by_id) == (
        "research",
        None,
        [],
        researcher.pk,
    )


def test_a_city_cannot_submit_or_confirm_an_imported_answer(edition, city, staff):
    answer = official_answer(edition, city)
    message = f"„{answer.parameter.name}“ wird nicht von der Stadt angegeben (Amtliche Quelle); " + (
        "der Wert kann hier nicht geändert werden."
    )

    with pytest.raises(WorkflowError) as submit_error:
        services.answer_submit(user=staff, answer=answer)
    with pytest.raises(WorkflowError) as confirm_error:
        services.answer_value_confirm(user=staff, answer=answer, note="stimmt")

    assert [str(submit_error.value.message), str(confirm_error.value.message)] == [message, message]
    answer.refresh_from_db()
    assert (answer.status, answer.value_confirmation, answer.version) == ("draft", "", 1)


def test_submit_all_leaves_imported_and_researched_answers_alone(edition, city, staff):
    official = official_answer(edition, city)
    own = AnswerFactory(
        parameter=parameter(edition, "busse"), city=city, value_number=Decimal(40), evidence_url="https://x.example/a"
    )

    submitted, skipped = services.answers_submit_complete(user=staff, edition=edition, city=city)

    assert ([a.pk for a in submitted], skipped) == ([own.pk], [])
    official.refresh_from_db()
    assert official.status == "draft"


def test_a_city_cannot_add_or_remove_evidence_files_of_an_imported_answer(edition, city, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.services import evidence

    answer = official_answer(edition, city)
    kept = EvidenceFileFactory(answer=answer)

    with pytest.raises(WorkflowError):
        evidence.evidence_file_add(
            user=staff, answer=answer, uploaded=SimpleUploadedFile("n.pdf", b"%PDF-1.4\n", "application/pdf")
        )
    with pytest.raises(WorkflowError):
        evidence.evidence_file_remove(user=staff, evidence_file=kept)

    assert list(answer.evidence_files.values_list("pk", flat=True)) == [kept.pk]


def test_an_editor_sets_the_collection_mode_in_the_catalogue_admin(admin_login, editor):
    from tests.indicators.test_catalogue_frozen import add_form_data

    edition = small_edition(year=2045, phase=Edition.Phase.DRAFT)
    item = parameter(edition, "ladepunkte")
    client = admin_login(editor)

    form = client.get(f"/admin/indicators/parameter/{item.pk}/change/").content.decode()
    response = client.post(
        f"/admin/indicators/parameter/{item.pk}/change/", add_form_data(client, item, collection_mode="official")
    )
    listing = client.get("/admin/indicators/parameter/?collection_mode__exact=official").content.decode()

    assert '<option value="official">Amtliche Quelle</option>' in form
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.collection_mode == "official"
    assert item.history.first().history_user == editor
    assert "Amtliche Quelle" in listing and item.name_de in listing


def test_official_and_researched_parameters_without_a_value_do_not_block_the_sign_off(edition, city):
    from indicators.services import coordination
    from tests.factories import coordinator_of

    # given: the city answered its three own parameters; the other two are official and researched, empty
    set_mode(edition, "ladepunkte", Mode.OFFICIAL)
    set_mode(edition, "busse", Mode.RESEARCH)
    for key, value in {
        "online-termine": {"value_bool": True},
        "wartezeit": {"value_number": Decimal(4)},
        "smart-meter": {"value_choice": "live"},
    }.items():
        Answer.objects.create(edition=edition, city=city, parameter=parameter(edition, key), **value)
    coordinator = coordinator_of(city)

    # when
    assert coordination.missing_answer_count(edition=edition, city=city) == 0
    participation = coordination.questionnaire_sign_off(user=coordinator, edition=edition, city=city)

    # then
    assert participation.signed_off_by == coordinator


def test_the_citys_progress_counts_only_what_it_answers(edition, city):
    from indicators import selectors

    set_mode(edition, "ladepunkte", Mode.OFFICIAL)
    official_answer(edition, city)  # an imported value is not the city's progress
    Answer.objects.create(edition=edition, city=city, parameter=parameter(edition, "wartezeit"), value_number=4)

    progress = selectors.questionnaire(edition=edition, city=city).progress

    assert (progress.total, progress.answered, progress.draft) == (4, 1, 1)


def test_an_import_is_protected_while_answers_refer_to_it_but_goes_with_its_edition(edition, city):
    from django.db.models import RestrictedError

    from indicators.models import OfficialImport

    answer = official_answer(edition, city)

    with pytest.raises(RestrictedError):
        answer.official_import.delete()
    Edition.objects.filter(pk=edition.pk).delete()

    assert (OfficialImport.objects.count(), Answer.objects.count()) == (0, 0)
