"""Desk research (issue 16, section 3): researchers and editors enter values with a source and a Stand for
cities that have not answered; the values are marked researched and go through review like any other."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Answer, Edition, EvidenceFile, Notification, Parameter
from indicators.selectors.portal import questionnaire
from indicators.selectors.research import research_cities, research_rows
from indicators.services import (
    AnswerInput,
    ConflictError,
    answer_approve,
    answer_request_changes,
    answer_save,
)
from indicators.services.research import ResearchInput, answer_research
from indicators.workflow import WorkflowError
from tests import factories
from tests.factories import AnswerFactory, CityFactory, UserFactory, parameter
from tests.indicators.test_evidence import pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("evidence_storage_dir")]

Mode = Parameter.CollectionMode
Status = Answer.Status
SOURCE = "https://statistik.example/solar-2024.pdf"
STAND = date(2024, 3, 31)


@pytest.fixture
def researcher(db):
    return UserFactory(groups=["researchers"], is_staff=True)


def research(user, city, item, value="1.234,5", url=SOURCE, as_of=STAND, **kwargs):
    data = ResearchInput(
        value=value, evidence_url=url, as_of=as_of, note=kwargs.pop("note", ""), file=kwargs.pop("file", None)
    )
    return answer_research(user=user, city=city, parameter=item, data=data, **kwargs)


def nothing_written():
    return Answer.objects.count() == 0 and Answer.history.count() == 0 and EvidenceFile.objects.count() == 0


def test_a_researched_value_is_stored_with_its_source_and_stand_and_submitted_to_review(researcher, city, solar):
    # when
    answer = research(researcher, city, solar, note="Solarkataster der Stadt")

    # then
    answer.refresh_from_db()
    assert answer.value_number == Decimal("1234.5")
    assert (answer.source_kind, answer.researched_by, answer.status) == (Mode.RESEARCH, researcher, Status.SUBMITTED)
    assert (answer.evidence_url, answer.as_of, answer.note) == (SOURCE, STAND, "Solarkataster der Stadt")
    assert answer.version == 1
    [history] = answer.history.all()
    assert (history.history_user, history.history_change_reason) == (
        researcher,
        "recherchiert, zur Prüfung eingereicht",
    )
    assert (history.source_kind, history.researched_by_id) == (Mode.RESEARCH, researcher.pk)


def test_a_city_parameter_the_city_has_not_answered_can_be_researched_by_an_editor(editor, city, edition):
    # given: the city's draft without a value
    busse = parameter(edition, "busse")
    AnswerFactory(parameter=busse, city=city, note="kommt noch")

    # when
    answer = research(editor, city, busse, value="45 %")

    # then
    answer.refresh_from_db()
    assert (answer.value_number, answer.source_kind, answer.researched_by) == (Decimal(45), Mode.RESEARCH, editor)
    assert answer.status == Status.SUBMITTED
    assert answer.version == 2


def test_an_evidence_file_is_a_source_and_is_stored_with_the_answer(researcher, city, solar, evidence_storage_dir):
    # when
    upload = SimpleUploadedFile("Solarkataster.pdf", pdf_bytes(), content_type="application/pdf")
    answer = research(researcher, city, solar, url="", file=upload)

    # then
    [stored] = answer.evidence_files.all()
    assert (stored.original_name, stored.uploaded_by, stored.content_type) == (
        "Solarkataster.pdf",
        researcher,
        "application/pdf",
    )
    assert stored.file.storage.exists(stored.file.name)
    answer.refresh_from_db()
    assert answer.evidence_url == ""
    assert answer.source_kind == Mode.RESEARCH


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"url": ""},
            "evidence_url",
            "Ein recherchierter Wert braucht eine Quelle: einen Link oder eine Nachweisdatei.",
        ),
        ({"as_of": None}, "as_of", "Bitte den Stand des recherchierten Werts angeben."),
        ({"value": ""}, "value", "Bitte einen Wert angeben."),
        ({"value": "zwölf"}, "value", "„zwölf“ ist keine Zahl."),
        ({"value": "-3"}, "value_number", "Der Wert muss mindestens 0 kWp sein."),
        ({"url": "keine-adresse"}, "evidence_url", "Gib eine gültige URL ein."),
    ],
)
def test_wrong_input_is_refused_with_a_german_message_and_nothing_is_written(
    researcher, city, solar, change, field, message
):
    # when
    with pytest.raises(ValidationError) as refused:
        research(researcher, city, solar, **change)

    # then
    assert refused.value.message_dict == {field: [message]}
    assert nothing_written()


def test_a_disguised_file_is_refused_and_nothing_is_stored(researcher, city, solar, evidence_storage_dir):
    upload = SimpleUploadedFile("Nachweis.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf")

    with pytest.raises(ValidationError) as refused:
        research(researcher, city, solar, url="", file=upload)

    assert list(refused.value.message_dict) == ["file"]
    assert nothing_written()
    assert not evidence_storage_dir.exists() or not any(evidence_storage_dir.rglob("*.*"))


def test_a_city_s_own_value_is_never_overwritten(researcher, city, edition):
    # given
    busse = parameter(edition, "busse")
    own = AnswerFactory(parameter=busse, city=city, value_number=Decimal(20))

    # when
    with pytest.raises(WorkflowError) as refused:
        research(researcher, city, busse, value="45")

    # then
    assert refused.value.messages == [
        f"Die Stadt hat „{busse.name}“ selbst beantwortet; ihr Wert wird nicht überschrieben."
    ]
    own.refresh_from_db()
    assert (own.value_number, own.source_kind, own.version, own.researched_by) == (Decimal(20), Mode.CITY, 1, None)


def test_an_official_parameter_is_not_researched(researcher, city, edition):
    ladepunkte = parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=ladepunkte.pk).update(collection_mode=Mode.OFFICIAL)
    ladepunkte.refresh_from_db()

    with pytest.raises(WorkflowError) as refused:
        research(researcher, city, ladepunkte, value="12")

    assert refused.value.messages == [
        f"„{ladepunkte.name}“ wird aus einer amtlichen Quelle importiert und nicht recherchiert."
    ]
    assert nothing_written()


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("reviewer", "Nur das Rechercheteam und die Redaktion können recherchierte Werte eintragen."),
        ("staff", "Nur das Rechercheteam und die Redaktion können recherchierte Werte eintragen."),
        ("researcher of the city", "Sie können keine Werte für eine Stadt recherchieren, der Sie angehören."),
        ("editor of the city", "Sie können keine Werte für eine Stadt recherchieren, der Sie angehören."),
    ],
)
def test_who_may_not_research_is_refused(city, solar, who, message):
    user = {
        "reviewer": lambda: UserFactory(groups=["reviewers"]),
        "staff": lambda: UserFactory(cities=[city]),
        "researcher of the city": lambda: UserFactory(groups=["researchers"], cities=[city]),
        "editor of the city": lambda: UserFactory(groups=["editors"], cities=[city]),
    }[who]()

    with pytest.raises(PermissionDenied) as refused:
        research(user, city, solar)

    assert str(refused.value) == message
    assert nothing_written()


def test_a_city_outside_the_edition_is_refused(researcher, solar, edition):
    elsewhere = CityFactory(name="Nirgendwo")

    with pytest.raises(PermissionDenied) as refused:
        research(researcher, elsewhere, solar)

    assert str(refused.value) == f"Nirgendwo nimmt an der Ausgabe {edition.year} nicht teil."
    assert nothing_written()


@pytest.mark.parametrize("phase", [Edition.Phase.DRAFT, Edition.Phase.PUBLISHED, Edition.Phase.ARCHIVED])
def test_research_happens_only_in_collection_and_review(researcher, city, solar, edition, phase):
    Edition.objects.filter(pk=edition.pk).update(phase=phase)

    with pytest.raises(WorkflowError) as refused:
        research(researcher, city, solar)

    assert refused.value.messages == ["In dieser Phase der Ausgabe wird nicht recherchiert."]
    assert nothing_written()


def test_research_works_in_review_too(researcher, city, solar, edition):
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)

    answer = research(researcher, city, solar)

    assert answer.status == Status.SUBMITTED


def test_a_value_being_reviewed_is_not_changed(researcher, city, solar):
    answer = research(researcher, city, solar)

    with pytest.raises(WorkflowError) as refused:
        research(researcher, city, solar, value="99", expected_version=answer.version)

    assert refused.value.messages == ["Der Wert ist eingereicht und wird gerade geprüft."]
    answer.refresh_from_db()
    assert (answer.value_number, answer.version) == (Decimal("1234.5"), 1)


def test_a_stale_form_conflicts(researcher, city, solar, reviewer):
    # given: a researched value sent back (version 2)
    answer = research(researcher, city, solar)
    answer_request_changes(user=reviewer, answer=answer, reason="Quelle ist von 2019")

    # when: a form read before the send back
    with pytest.raises(ConflictError):
        research(researcher, city, solar, value="99", expected_version=1)

    # then
    answer.refresh_from_db()
    assert (answer.value_number, answer.status) == (Decimal("1234.5"), Status.CHANGES_REQUESTED)


def test_a_sent_back_value_goes_to_the_researcher_not_the_city_and_is_reviewed_again(
    researcher, reviewer, city, solar, edition, django_capture_on_commit_callbacks
):
    # given: the city has staff with e-mail addresses
    UserFactory(cities=[city])
    answer = research(researcher, city, solar)

    # when: the reviewer sends it back
    with django_capture_on_commit_callbacks(execute=True):
        answer_request_changes(user=reviewer, answer=answer, reason="Stand ist veraltet: bitte 2024")

    # then: nobody of the city is told; the researcher finds it on the research page
    assert Notification.objects.count() == 0
    [row] = research_rows(edition=edition, city=city, sent_back_only=True)
    assert (row.parameter, row.answer.review_reason) == (solar, "Stand ist veraltet: bitte 2024")
    assert [
        (r.city, r.sent_back_count) for r in research_cities(user=researcher, edition=edition, sent_back_only=True)
    ] == [(city, 1)]

    # when: the researcher corrects it, and the reviewer approves
    answer = research(researcher, city, solar, value="1.500", as_of=date(2024, 6, 30), expected_version=2)
    assert (answer.status, answer.version) == (Status.SUBMITTED, 3)
    answer = answer_approve(user=reviewer, answer=answer, expected_version=3)

    # then
    answer.refresh_from_db()
    assert (answer.status, answer.value_number, answer.as_of) == (Status.APPROVED, Decimal(1500), date(2024, 6, 30))
    assert research_rows(edition=edition, city=city, sent_back_only=True) == []
    assert list(answer.history.order_by("history_id").values_list("status", "history_change_reason")) == [
        (Status.SUBMITTED, "recherchiert, zur Prüfung eingereicht"),
        (Status.CHANGES_REQUESTED, "Stand ist veraltet: bitte 2024"),
        (Status.SUBMITTED, "recherchiert, zur Prüfung eingereicht"),
        (Status.APPROVED, "freigegeben"),
    ]


def test_correcting_an_approved_value_starts_its_review_again(researcher, reviewer, city, solar):
    answer = answer_approve(user=reviewer, answer=research(researcher, city, solar))

    answer = research(researcher, city, solar, value="2000", expected_version=answer.version)

    answer.refresh_from_db()
    assert (answer.status, answer.value_number, answer.reviewed_by) == (Status.SUBMITTED, Decimal(2000), None)


def test_the_city_cannot_change_a_researched_value_and_sees_it_with_its_source(researcher, city, edition, staff):
    # given
    busse = parameter(edition, "busse")
    research(researcher, city, busse, value="45")

    # when / then: the city's save is refused
    with pytest.raises(WorkflowError):
        answer_save(user=staff, city=city, parameter=busse, data=AnswerInput(value="50"))
    assert Answer.objects.get(parameter=busse, city=city).value_number == Decimal(45)

    # and its questionnaire shows it read-only with the source
    sheet = questionnaire(edition=edition, city=city)
    rows = {row.parameter.key: row for block in sheet.domains for group in block.indicators for row in group.rows}
    assert rows["busse"].provenance == f"Recherchiert: {SOURCE}, Stand 31.03.2024"


def test_the_research_rows_leave_out_the_city_s_own_and_imported_values(researcher, city, edition, solar):
    # given: the city answered online-termine; ladepunkte is official; wartezeit has an empty draft
    AnswerFactory(parameter=parameter(edition, "online-termine"), city=city, value_bool=True)
    Parameter.objects.filter(pk=parameter(edition, "ladepunkte").pk).update(collection_mode=Mode.OFFICIAL)
    AnswerFactory(parameter=parameter(edition, "wartezeit"), city=city)

    # when
    rows = research_rows(edition=edition, city=city)

    # then: in catalogue order
    assert [row.parameter.key for row in rows] == ["wartezeit", "solarleistung", "smart-meter", "busse"]
    assert [row.answer is not None for row in rows] == [True, False, False, False]


def test_the_list_of_cities_leaves_out_the_researcher_s_own_and_counts_what_is_open(edition, solar):
    # given
    first, second = factories.cities_of(edition)[:2]
    researcher = UserFactory(groups=["researchers"], cities=[second])
    AnswerFactory(parameter=parameter(edition, "online-termine"), city=first, value_bool=True)

    # when
    rows = research_cities(user=researcher, edition=edition)

    # then: 6 parameters, first answered one
    assert second not in [row.city for row in rows]
    assert {row.city: row.open_count for row in rows}[first] == 5
    assert len(rows) == 4


def test_nobody_reviews_a_value_they_researched_themselves(city, solar):
    # given: someone who both researches and reviews
    both = UserFactory(groups=["researchers", "reviewers"])
    answer = research(both, city, solar)

    # when
    with pytest.raises(PermissionDenied) as refused:
        answer_approve(user=both, answer=answer)

    # then
    assert str(refused.value) == "Sie können keinen Wert prüfen, den Sie selbst recherchiert haben."
    answer.refresh_from_db()
    assert answer.status == Status.SUBMITTED
