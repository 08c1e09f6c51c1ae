"""Write services of indicators (DESIGN §3, §4, §7): answer workflow, permissions, audit, editions, bonuses."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from indicators import services
from indicators.models import Answer, Domain, Edition, Indicator, InnovationProject, Parameter
from indicators.services import AnswerInput, ConflictError
from indicators.workflow import WorkflowError
from scoring.models import DomainScore, ScoreRun
from tests.factories import (
    VALID_VALUE,
    AnswerFactory,
    CityFactory,
    EditionFactory,
    EvidenceFileFactory,
    InnovationProjectFactory,
    UserFactory,
    cities_of,
    coordinator_of,
    parameter,
)

Status = Answer.Status
Phase = Edition.Phase

# Status and phase labels as the services put them into messages (German is the default language).
STATUS_LABEL = {
    "draft": "Entwurf",
    "submitted": "eingereicht",
    "changes_requested": "zur Überarbeitung",
    "approved": "freigegeben",
}
PHASE_LABEL = {
    "draft": "Entwurf",
    "collection": "Datenerhebung",
    "review": "Prüfung",
    "published": "Veröffentlicht",
    "archived": "Archiviert",
}
OWN_CITY_ONLY = "Sie können nur Antworten Ihrer eigenen Stadt bearbeiten."
NOT_IN_THIS_PHASE = "In dieser Phase der Ausgabe können Sie diese Antwort nicht ändern."
SUBMITTED_IS_LOCKED = "Die Antwort ist eingereicht und wird gerade geprüft."
REVIEWERS_ONLY = "Nur Prüferinnen und Prüfer können Antworten prüfen."
OWN_CITY_REVIEW = "Sie können keine Antworten einer Stadt prüfen, der Sie angehören."
NO_REVIEW_IN_PHASE = "In dieser Phase der Ausgabe wird nicht geprüft."
EDITORS_ONLY = "Nur die Redaktion kann Ausgaben und Katalog verwalten."
CONFLICT = "Die Antwort wurde inzwischen von jemand anderem geändert."

EVIDENCE_URL = "https://stadt.example/nachweis.pdf"


def edge_ids(edges) -> list[str]:
    return [f"{source}->{target}" for source, target in edges]


# --- Fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def actors(staff, reviewer):
    return SimpleNamespace(staff=staff, reviewer=reviewer)


@pytest.fixture
def recompute_requests(monkeypatch):
    """Edition ids passed to indicators.services.scores_recompute_enqueue (replaced by a recorder)."""
    calls = []
    monkeypatch.setattr("indicators.services.base.scores_recompute_enqueue", calls.append)
    return calls


def answer_of(edition, city, key="wartezeit", status=Status.DRAFT, **fields) -> Answer:
    values = {**VALID_VALUE[key], "evidence_url": EVIDENCE_URL, **fields}
    return AnswerFactory(parameter=parameter(edition, key), city=city, status=status, **values)


def row(answer: Answer) -> dict:
    """What the database holds for an answer."""
    return Answer.objects.values(
        "status",
        "version",
        "value_bool",
        "value_choice",
        "value_number",
        "evidence_url",
        "note",
        "review_reason",
        "reviewed_by",
        "updated_by",
    ).get(pk=answer.pk)


def set_phase(edition: Edition, phase: str) -> None:
    Edition.objects.filter(pk=edition.pk).update(phase=phase)


def save(user, answer_or_city, key_or_parameter, value, **kwargs) -> Answer:
    """answer_save for an existing answer (city and parameter taken from it) or for a city and parameter."""
    if isinstance(answer_or_city, Answer):
        city, param = answer_or_city.city, answer_or_city.parameter
    else:
        city, param = answer_or_city, key_or_parameter
    expected_version = kwargs.pop("expected_version", None)
    data = AnswerInput(value=value, evidence_url=kwargs.pop("evidence_url", EVIDENCE_URL), **kwargs)
    return services.answer_save(user=user, city=city, parameter=param, data=data, expected_version=expected_version)


# --- Answer.TRANSITIONS through the services ---------------------------------------------------


def _submit(answer, actors):
    return services.answer_submit(user=actors.staff, answer=answer)


def _approve(answer, actors):
    return services.answer_approve(user=actors.reviewer, answer=answer)


def _request_changes(answer, actors):
    return services.answer_request_changes(user=actors.reviewer, answer=answer, reason="Quelle ist veraltet.")


def _edit(answer, actors):
    return save(actors.staff, answer, None, Decimal(11))


# One service per edge of the workflow (DESIGN §4).
SERVICE_FOR_EDGE = {
    ("draft", "submitted"): _submit,
    ("submitted", "approved"): _approve,
    ("submitted", "changes_requested"): _request_changes,
    ("changes_requested", "draft"): _edit,
    ("approved", "draft"): _edit,
}
# The three services that move along one fixed edge, and every status they must refuse to start from.
TRANSITION_SERVICES = {"submitted": _submit, "approved": _approve, "changes_requested": _request_changes}
ILLEGAL_TRANSITIONS = [
    (source, target)
    for target in TRANSITION_SERVICES
    for source in Status.values
    if target not in Answer.TRANSITIONS[source]
]


def test_every_edge_of_the_transitions_table_has_a_service():
    edges = {(source, target) for source, targets in Answer.TRANSITIONS.items() for target in targets}

    assert set(SERVICE_FOR_EDGE) == edges


@pytest.mark.parametrize(("source", "target"), list(SERVICE_FOR_EDGE), ids=edge_ids(list(SERVICE_FOR_EDGE)))
def test_legal_transition_via_its_service_moves_the_answer_and_increments_its_version(
    edition, city, actors, source, target
):
    # given
    answer = answer_of(edition, city, status=source)
    assert answer.version == 1

    # when
    returned = SERVICE_FOR_EDGE[(source, target)](answer, actors)

    # then
    stored = row(answer)
    assert (stored["status"], stored["version"]) == (target, 2)
    assert (returned.status, returned.version) == (target, 2)
    assert answer.history.first().status == target


@pytest.mark.parametrize(("source", "target"), ILLEGAL_TRANSITIONS, ids=edge_ids(ILLEGAL_TRANSITIONS))
def test_illegal_transition_raises_workflow_error_and_changes_nothing(edition, city, actors, source, target):
    # given
    answer = answer_of(edition, city, status=source)
    before = row(answer)

    # when
    with pytest.raises(WorkflowError) as error:
        TRANSITION_SERVICES[target](answer, actors)

    # then
    assert error.value.messages == [
        f"Eine Antwort im Status „{STATUS_LABEL[source]}“ kann nicht in den Status „{STATUS_LABEL[target]}“ wechseln."
    ]
    assert row(answer) == before
    assert answer.history.count() == 1


def test_illegal_transitions_cover_approving_a_draft_and_submitting_an_approved_answer():
    assert {("draft", "approved"), ("approved", "submitted"), ("draft", "changes_requested")} <= set(
        ILLEGAL_TRANSITIONS
    )
    assert len(ILLEGAL_TRANSITIONS) == 9


def test_submitted_answer_cannot_be_edited_in_collection(edition, city, staff):
    answer = answer_of(edition, city, status=Status.SUBMITTED)
    before = row(answer)

    with pytest.raises(WorkflowError) as error:
        save(staff, answer, None, Decimal(20))

    assert error.value.messages == [SUBMITTED_IS_LOCKED]
    assert row(answer) == before


# --- answer_save: values -----------------------------------------------------------------------


def test_answer_save_creates_a_draft_with_version_1(edition, city, staff):
    answer = services.answer_save(
        user=staff,
        city=city,
        parameter=parameter(edition, "busse"),
        data=AnswerInput(
            value="42,5",
            evidence_url="  https://stadt.example/busse  ",
            note="ÖPNV-Bericht S. 12",
            as_of=date(2030, 3, 31),
        ),
    )

    stored = Answer.objects.get()
    assert stored.pk == answer.pk
    assert (stored.edition, stored.city, stored.parameter.key) == (edition, city, "busse")
    assert (stored.status, stored.version, stored.updated_by) == ("draft", 1, staff)
    assert (stored.value_number, stored.value_bool, stored.value_choice) == (Decimal("42.5"), None, "")
    assert (stored.evidence_url, stored.note, stored.as_of) == (
        "https://stadt.example/busse",
        "ÖPNV-Bericht S. 12",
        date(2030, 3, 31),
    )


@pytest.mark.parametrize(
    ("key", "raw", "field", "expected"),
    [
        ("online-termine", True, "value_bool", True),
        ("online-termine", False, "value_bool", False),
        ("online-termine", "ja", "value_bool", True),
        ("online-termine", " Ja ", "value_bool", True),
        ("online-termine", "nein", "value_bool", False),
        ("online-termine", "NEIN", "value_bool", False),
        ("online-termine", "yes", "value_bool", True),
        ("online-termine", 0, "value_bool", False),
        ("smart-meter", "planned", "value_choice", "planned"),
        ("smart-meter", " live ", "value_choice", "live"),
        ("wartezeit", "3,5", "value_number", Decimal("3.5")),
        ("wartezeit", "3.5", "value_number", Decimal("3.5")),
        ("wartezeit", 12, "value_number", Decimal(12)),
        ("wartezeit", 0.25, "value_number", Decimal("0.25")),
        ("busse", "100", "value_number", Decimal(100)),
        ("busse", Decimal("0"), "value_number", Decimal(0)),
        ("ladepunkte", "120", "value_number", Decimal(120)),
        ("ladepunkte", "120,0", "value_number", Decimal(120)),
    ],
)
def test_answer_save_stores_the_value_typed_for_the_parameter_kind(edition, city, staff, key, raw, field, expected):
    answer = save(staff, city, parameter(edition, key), raw)

    stored = Answer.objects.get(pk=answer.pk)
    assert getattr(stored, field) == expected
    assert stored.value == expected
    other_fields = {"value_bool", "value_choice", "value_number"} - {field}
    assert {name: getattr(stored, name) for name in other_fields} == {
        name: ("" if name == "value_choice" else None) for name in other_fields
    }


INVALID_VALUES = [
    ("online-termine", "vielleicht", "value", "Bitte „ja“ oder „nein“ angeben."),
    ("online-termine", 2, "value", "Bitte „ja“ oder „nein“ angeben."),
    ("smart-meter", "everywhere", "value_choice", "„everywhere“ ist keine der erlaubten Optionen."),
    ("wartezeit", "drei", "value", "„drei“ ist keine Zahl."),
    ("wartezeit", True, "value", "Bitte eine Zahl angeben."),
    ("wartezeit", "NaN", "value", "Bitte eine endliche Zahl angeben."),
    ("wartezeit", "Infinity", "value", "Bitte eine endliche Zahl angeben."),
    ("wartezeit", "-1", "value_number", "Der Wert muss mindestens 0 Tage sein."),
    ("wartezeit", "365,5", "value_number", "Der Wert darf höchstens 365 Tage sein."),
    ("busse", "100,1", "value_number", "Der Wert darf höchstens 100 % sein."),
    ("busse", "-0,5", "value_number", "Der Wert muss mindestens 0 % sein."),
    ("ladepunkte", "3,5", "value_number", "Eine Anzahl ist eine ganze Zahl."),
    ("ladepunkte", "-2", "value_number", "Der Wert muss mindestens 0 Ladepunkte sein."),
]


@pytest.mark.parametrize(("key", "raw", "field", "message"), INVALID_VALUES)
def test_answer_save_with_an_invalid_value_raises_and_creates_nothing(edition, city, staff, key, raw, field, message):
    with pytest.raises(ValidationError) as error:
        save(staff, city, parameter(edition, key), raw)

    assert error.value.message_dict == {field: [message]}
    assert Answer.objects.count() == 0
    assert Answer.history.count() == 0


@pytest.mark.parametrize(("key", "raw", "field", "message"), INVALID_VALUES)
def test_answer_save_with_an_invalid_value_leaves_the_existing_answer_unchanged(
    edition, city, staff, key, raw, field, message
):
    # given
    answer = answer_of(edition, city, key, note="alt")
    before = row(answer)

    # when
    with pytest.raises(ValidationError) as error:
        save(staff, answer, None, raw, note="neu")

    # then
    assert error.value.message_dict == {field: [message]}
    assert row(answer) == before
    assert answer.history.count() == 1


def test_answer_save_with_an_invalid_evidence_url_saves_nothing(edition, city, staff):
    with pytest.raises(ValidationError) as error:
        save(staff, city, parameter(edition, "busse"), "40", evidence_url="siehe Anhang")

    assert error.value.message_dict == {"evidence_url": ["Gib eine gültige URL ein."]}
    assert Answer.objects.count() == 0


@pytest.mark.parametrize("empty", [None, ""])
def test_answer_save_with_an_empty_value_clears_it(edition, city, staff, empty):
    answer = answer_of(edition, city, "wartezeit")

    save(staff, answer, None, empty)

    stored = Answer.objects.get(pk=answer.pk)
    assert (stored.value_number, stored.has_value, stored.version) == (None, False, 2)


def test_answer_save_increments_the_version_on_every_write(edition, city, staff):
    wartezeit = parameter(edition, "wartezeit")

    versions = [save(staff, city, wartezeit, days).version for days in (10, 12, 12)]

    assert versions == [1, 2, 3]
    assert row(Answer.objects.get())["version"] == 3


def test_answer_save_with_a_stale_version_raises_conflict_carrying_the_current_answer(edition, city, staff):
    # given: someone else saved version 3 with 10 days
    answer = answer_of(edition, city, "wartezeit", version=3, value_number=Decimal(10))
    before = row(answer)

    # when: a form that was loaded at version 2 is saved
    with pytest.raises(ConflictError) as error:
        save(staff, answer, None, "20", expected_version=2)

    # then
    assert str(error.value) == CONFLICT
    current = error.value.current
    assert (current.pk, current.version, current.value_number) == (answer.pk, 3, Decimal(10))
    assert row(answer) == before
    assert answer.history.count() == 1


def test_answer_save_with_the_current_version_succeeds(edition, city, staff):
    answer = answer_of(edition, city, "wartezeit", version=3)

    saved = save(staff, answer, None, "20", expected_version=3)

    assert (saved.version, row(answer)["version"], row(answer)["value_number"]) == (4, 4, Decimal(20))


def test_answer_save_expecting_an_answer_that_does_not_exist_is_a_conflict(edition, city, staff):
    with pytest.raises(ConflictError) as error:
        save(staff, city, parameter(edition, "wartezeit"), "20", expected_version=2)

    assert error.value.current is None
    assert Answer.objects.count() == 0


def test_answer_save_expecting_version_0_creates_the_answer(edition, city, staff):
    answer = save(staff, city, parameter(edition, "wartezeit"), "20", expected_version=0)

    assert (answer.version, Answer.objects.count()) == (1, 1)


def test_editing_an_approved_answer_returns_it_to_draft_and_requests_a_recompute_after_commit(
    edition, city, staff, recompute_requests, django_capture_on_commit_callbacks
):
    # given
    answer = answer_of(edition, city, "wartezeit", status=Status.APPROVED)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        saved = save(staff, answer, None, "14")
        assert recompute_requests == []  # not before the commit

    # then
    assert (saved.status, row(answer)["status"], row(answer)["value_number"]) == ("draft", "draft", Decimal(14))
    assert recompute_requests == [edition.pk]
    assert answer.history.first().history_change_reason == "bearbeitet, Freigabe aufgehoben"


@pytest.mark.parametrize("status", ["draft", "changes_requested"])
def test_editing_an_unapproved_answer_requests_no_recompute(
    edition, city, staff, recompute_requests, django_capture_on_commit_callbacks, status
):
    answer = answer_of(edition, city, "wartezeit", status=status)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        save(staff, answer, None, "14")

    # only the parameter's review flags are refreshed after commit (issue 17), no recompute
    assert ([getattr(c, "review_flags_args", None) for c in callbacks], recompute_requests) == (
        [(edition.pk, answer.parameter_id, False)],
        [],
    )
    assert row(answer)["status"] == "draft"


def test_editing_an_approved_answer_recomputes_the_scores_without_it(
    edition, city, staff, reviewer, django_capture_on_commit_callbacks
):
    # given: an approved "yes" that made the city first
    answer = answer_of(edition, city, "online-termine", status=Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_approve(user=reviewer, answer=answer)
    first_run = ScoreRun.objects.get()
    assert first_run.approved_answer_count == 1
    assert first_run.city_scores.get(city=city).rank == 1

    # when
    with django_capture_on_commit_callbacks(execute=True):
        save(staff, answer, None, "nein")

    # then: a new run without any approved answer, where everybody scores 0
    assert ScoreRun.objects.count() == 2
    latest = ScoreRun.objects.latest()
    assert latest.pk != first_run.pk
    assert latest.approved_answer_count == 0
    assert set(latest.city_scores.values_list("total", flat=True)) == {0.0}


def test_editing_an_answer_sent_back_revises_it_to_draft(edition, city, staff):
    answer = answer_of(edition, city, "wartezeit", status=Status.CHANGES_REQUESTED, review_reason="Quelle fehlt.")

    save(staff, answer, None, "9", evidence_url="https://stadt.example/neu.pdf")

    stored = row(answer)
    assert (stored["status"], stored["version"], stored["value_number"], stored["evidence_url"]) == (
        "draft",
        2,
        Decimal(9),
        "https://stadt.example/neu.pdf",
    )


# --- Permissions -------------------------------------------------------------------------------


@pytest.fixture
def outsider(request, other_staff, reviewer, editor):
    """A logged-in user who does not belong to the answer's city."""
    return {
        "staff of another city": other_staff,
        "reviewer": reviewer,
        "editor": editor,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }[request.param]


OUTSIDERS = ["staff of another city", "reviewer", "editor", "superuser"]


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_only_members_of_the_city_can_create_its_answers(edition, city, outsider):
    with pytest.raises(PermissionDenied) as error:
        save(outsider, city, parameter(edition, "wartezeit"), "10")

    assert str(error.value) == OWN_CITY_ONLY
    assert Answer.objects.count() == 0


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_only_members_of_the_city_can_edit_its_answers(edition, city, outsider):
    answer = answer_of(edition, city, "wartezeit")
    before = row(answer)

    with pytest.raises(PermissionDenied) as error:
        save(outsider, answer, None, "99")

    assert str(error.value) == OWN_CITY_ONLY
    assert row(answer) == before


def test_staff_of_another_city_cannot_submit_the_answer(edition, city, other_staff):
    answer = answer_of(edition, city, "wartezeit")
    before = row(answer)

    with pytest.raises(PermissionDenied) as error:
        services.answer_submit(user=other_staff, answer=answer)

    assert str(error.value) == OWN_CITY_ONLY
    assert row(answer) == before


def test_coordinator_of_the_city_can_save_and_submit_its_answers(edition, city):
    coordinator = coordinator_of(city)

    answer = save(coordinator, city, parameter(edition, "wartezeit"), "7")
    services.answer_submit(user=coordinator, answer=answer)

    stored = row(answer)
    assert (stored["status"], stored["version"], stored["updated_by"]) == ("submitted", 2, coordinator.pk)


@pytest.mark.parametrize("service", [_approve, _request_changes], ids=["approve", "request_changes"])
def test_reviewer_cannot_review_an_answer_of_their_own_city(edition, city, staff, service):
    # given: a reviewer who also works for the city
    own_reviewer = UserFactory(groups=["reviewers"], cities=[city])
    answer = answer_of(edition, city, status=Status.SUBMITTED)
    before = row(answer)

    # when
    with pytest.raises(PermissionDenied) as error:
        service(answer, SimpleNamespace(staff=staff, reviewer=own_reviewer))

    # then
    assert str(error.value) == OWN_CITY_REVIEW
    assert row(answer) == before


def test_reviewer_of_another_city_can_approve(edition, city, other_city):
    reviewer_elsewhere = UserFactory(groups=["reviewers"], cities=[other_city])
    answer = answer_of(edition, city, status=Status.SUBMITTED, review_reason="alte Begründung")

    services.answer_approve(user=reviewer_elsewhere, answer=answer)

    answer.refresh_from_db()
    assert (answer.status, answer.version, answer.reviewed_by, answer.review_reason) == (
        "approved",
        2,
        reviewer_elsewhere,
        "",
    )
    assert answer.reviewed_at is not None


def test_reviewer_of_another_city_can_request_changes(edition, city, other_city):
    reviewer_elsewhere = UserFactory(groups=["reviewers"], cities=[other_city])
    answer = answer_of(edition, city, status=Status.SUBMITTED)

    services.answer_request_changes(user=reviewer_elsewhere, answer=answer, reason="Stand fehlt.")

    assert (row(answer)["status"], row(answer)["reviewed_by"]) == ("changes_requested", reviewer_elsewhere.pk)


@pytest.mark.parametrize("who", ["staff of the city", "staff of another city", "editor", "plain user"])
@pytest.mark.parametrize("service", [_approve, _request_changes], ids=["approve", "request_changes"])
def test_non_reviewer_cannot_review(edition, city, staff, other_staff, editor, who, service):
    user = {
        "staff of the city": staff,
        "staff of another city": other_staff,
        "editor": editor,
        "plain user": UserFactory(),
    }[who]
    answer = answer_of(edition, city, status=Status.SUBMITTED)
    before = row(answer)

    with pytest.raises(PermissionDenied) as error:
        service(answer, SimpleNamespace(staff=staff, reviewer=user))

    assert str(error.value) == REVIEWERS_ONLY
    assert row(answer) == before


@pytest.mark.parametrize(
    ("status", "review_reason", "allowed"),
    [
        ("draft", "", False),
        ("submitted", "", False),
        ("approved", "", False),
        ("changes_requested", "Quelle fehlt.", True),
        ("draft", "Quelle fehlt.", True),  # sent back and already revised once
    ],
)
def test_in_review_staff_may_edit_only_answers_sent_back_to_them(edition, city, staff, status, review_reason, allowed):
    # given
    set_phase(edition, Phase.REVIEW)
    answer = answer_of(edition, city, "wartezeit", status=status, review_reason=review_reason)
    before = row(answer)

    # when / then
    if allowed:
        save(staff, answer, None, "8")
        assert (row(answer)["status"], row(answer)["version"], row(answer)["value_number"]) == ("draft", 2, Decimal(8))
    else:
        with pytest.raises(WorkflowError) as error:
            save(staff, answer, None, "8")
        assert error.value.messages == [NOT_IN_THIS_PHASE]
        assert row(answer) == before


def test_in_review_staff_cannot_create_new_answers(edition, city, staff):
    set_phase(edition, Phase.REVIEW)

    with pytest.raises(WorkflowError) as error:
        save(staff, city, parameter(edition, "wartezeit"), "8")

    assert error.value.messages == [NOT_IN_THIS_PHASE]
    assert Answer.objects.count() == 0


def test_in_review_a_sent_back_answer_goes_round_the_loop_to_approval(edition, city, staff, reviewer):
    # given
    set_phase(edition, Phase.REVIEW)
    answer = answer_of(edition, city, "wartezeit", status=Status.SUBMITTED)

    # when
    services.answer_request_changes(user=reviewer, answer=answer, reason="Bitte Stand 2030 angeben.")
    save(staff, answer, None, "6")
    services.answer_submit(user=staff, answer=answer)
    services.answer_approve(user=reviewer, answer=answer)

    # then
    stored = row(answer)
    assert (stored["status"], stored["version"], stored["value_number"], stored["review_reason"]) == (
        "approved",
        5,
        Decimal(6),
        "",
    )
    assert [h.status for h in answer.history.order_by("history_id")] == [
        "submitted",
        "changes_requested",
        "draft",
        "submitted",
        "approved",
    ]


@pytest.mark.parametrize("phase", ["draft", "published", "archived"])
@pytest.mark.parametrize("status", ["draft", "changes_requested", "approved"])
def test_outside_collection_and_review_nobody_edits_answers(edition, city, staff, editor, phase, status):
    # given
    set_phase(edition, phase)
    answer = answer_of(edition, city, "wartezeit", status=status, review_reason="Quelle fehlt.")
    before = row(answer)

    # when / then: the city's staff are stopped by the phase, everybody else by the city
    with pytest.raises(WorkflowError) as error:
        save(staff, answer, None, "99")
    assert error.value.messages == [NOT_IN_THIS_PHASE]
    with pytest.raises(PermissionDenied):
        save(editor, answer, None, "99")
    assert row(answer) == before


@pytest.mark.parametrize("phase", ["draft", "published", "archived"])
def test_outside_collection_and_review_no_answer_is_submitted(edition, city, staff, phase):
    set_phase(edition, phase)
    answer = answer_of(edition, city, "wartezeit")

    with pytest.raises(WorkflowError) as error:
        services.answer_submit(user=staff, answer=answer)

    assert error.value.messages == [NOT_IN_THIS_PHASE]
    assert row(answer)["status"] == "draft"


@pytest.mark.parametrize("phase", ["draft", "published", "archived"])
@pytest.mark.parametrize("service", [_approve, _request_changes], ids=["approve", "request_changes"])
def test_outside_collection_and_review_nothing_is_reviewed(edition, city, actors, phase, service):
    set_phase(edition, phase)
    answer = answer_of(edition, city, status=Status.SUBMITTED)

    with pytest.raises(WorkflowError) as error:
        service(answer, actors)

    assert error.value.messages == [NO_REVIEW_IN_PHASE]
    assert row(answer)["status"] == "submitted"


@pytest.mark.parametrize("service", ["save", "submit", "approve"])
def test_a_stale_write_by_an_unauthorised_user_is_refused_without_revealing_the_answer(
    edition, city, other_staff, service
):
    answer = answer_of(
        edition,
        city,
        "wartezeit",
        status="submitted" if service == "approve" else "draft",
        note="interne Notiz der Stadt",
    )
    call = {
        "save": lambda: save(other_staff, answer, None, "1", expected_version=99),
        "submit": lambda: services.answer_submit(user=other_staff, answer=answer, expected_version=99),
        "approve": lambda: services.answer_approve(user=other_staff, answer=answer, expected_version=99),
    }[service]

    with pytest.raises(PermissionDenied):
        call()


def test_staff_of_a_city_not_taking_part_in_the_edition_cannot_answer(edition):
    outside_city = CityFactory()
    outside_staff = UserFactory(cities=[outside_city])

    with pytest.raises((PermissionDenied, WorkflowError)):
        save(outside_staff, outside_city, parameter(edition, "wartezeit"), "10")

    assert not Answer.objects.filter(city=outside_city).exists()


# --- answer_submit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "empty"),
    [
        ("wartezeit", {"value_number": None}),
        ("online-termine", {"value_bool": None}),
        ("smart-meter", {"value_choice": ""}),
    ],
)
def test_answer_without_a_value_cannot_be_submitted(edition, city, staff, key, empty):
    answer = answer_of(edition, city, key, **empty)

    with pytest.raises(ValidationError) as error:
        services.answer_submit(user=staff, answer=answer)

    assert error.value.messages == ["Die Antwort hat noch keinen Wert."]
    assert (row(answer)["status"], row(answer)["version"]) == ("draft", 1)


@pytest.mark.parametrize(("evidence", "submitted"), [("none", False), ("url", True), ("file", True)])
def test_answer_to_a_parameter_requiring_evidence_needs_a_link_or_a_file(edition, city, staff, evidence, submitted):
    # given: "busse" requires evidence
    answer = answer_of(edition, city, "busse", evidence_url=EVIDENCE_URL if evidence == "url" else "")
    if evidence == "file":
        EvidenceFileFactory(answer=answer)

    # when / then
    if submitted:
        services.answer_submit(user=staff, answer=answer)
        assert row(answer)["status"] == "submitted"
    else:
        with pytest.raises(ValidationError) as error:
            services.answer_submit(user=staff, answer=answer)
        assert error.value.messages == ["Für diesen Parameter ist ein Nachweis (Link oder Datei) erforderlich."]
        assert (row(answer)["status"], row(answer)["version"]) == ("draft", 1)


def test_answer_to_a_parameter_without_required_evidence_is_submitted_without_it(edition, city, staff):
    answer = answer_of(edition, city, "online-termine", evidence_url="")

    services.answer_submit(user=staff, answer=answer)

    stored = row(answer)
    assert (stored["status"], stored["version"], stored["updated_by"]) == ("submitted", 2, staff.pk)


def test_submit_with_a_stale_version_is_a_conflict(edition, city, staff):
    answer = answer_of(edition, city, "wartezeit", version=4)

    with pytest.raises(ConflictError) as error:
        services.answer_submit(user=staff, answer=answer, expected_version=3)

    assert error.value.current.version == 4
    assert (row(answer)["status"], row(answer)["version"]) == ("draft", 4)


# --- answer_approve / answer_request_changes ---------------------------------------------------


def test_approve_requests_a_recompute_after_commit(
    edition, city, reviewer, recompute_requests, django_capture_on_commit_callbacks
):
    answer = answer_of(edition, city, status=Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.answer_approve(user=reviewer, answer=answer)
        assert recompute_requests == []

    assert recompute_requests == [edition.pk]


def test_approve_computes_a_score_run_with_the_answer(edition, city, reviewer, django_capture_on_commit_callbacks):
    answer = answer_of(edition, city, "online-termine", status=Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.answer_approve(user=reviewer, answer=answer)

    run = ScoreRun.objects.get(edition=edition)
    assert (run.approved_answer_count, run.city_count) == (1, 5)
    assert run.city_scores.get(city=city).rank == 1


def test_approve_with_a_stale_version_is_a_conflict(edition, city, reviewer):
    answer = answer_of(edition, city, status=Status.SUBMITTED, version=2)

    with pytest.raises(ConflictError):
        services.answer_approve(user=reviewer, answer=answer, expected_version=1)

    assert (row(answer)["status"], row(answer)["version"]) == ("submitted", 2)


@pytest.mark.parametrize("reason", ["", "   \n", None])
def test_request_changes_requires_a_reason(edition, city, reviewer, reason):
    answer = answer_of(edition, city, status=Status.SUBMITTED)
    before = row(answer)

    with pytest.raises(ValidationError) as error:
        services.answer_request_changes(user=reviewer, answer=answer, reason=reason)

    assert error.value.message_dict == {"reason": ["Bitte begründen Sie, was geändert werden soll."]}
    assert row(answer) == before


def test_request_changes_stores_the_reason_and_requests_no_recompute(
    edition, city, reviewer, recompute_requests, django_capture_on_commit_callbacks
):
    answer = answer_of(edition, city, status=Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.answer_request_changes(user=reviewer, answer=answer, reason="  Die Quelle ist von 2021.  ")

    answer.refresh_from_db()
    assert (answer.status, answer.review_reason, answer.reviewed_by, answer.version) == (
        "changes_requested",
        "Die Quelle ist von 2021.",
        reviewer,
        2,
    )
    assert answer.reviewed_at is not None
    assert recompute_requests == []


def test_a_long_reason_is_stored_whole_and_shortened_to_100_characters_in_the_audit_row(edition, city, reviewer):
    reason = "Bitte die Quelle nachreichen. " * 5  # 150 characters
    answer = answer_of(edition, city, status=Status.SUBMITTED)

    services.answer_request_changes(user=reviewer, answer=answer, reason=reason)

    assert row(answer)["review_reason"] == reason.strip()
    assert answer.history.first().history_change_reason == reason[:100]


# --- Audit -------------------------------------------------------------------------------------


def test_every_value_change_and_transition_is_an_audit_row_with_user_and_reason(edition, city, staff, reviewer):
    # given / when: the whole life of one answer
    wartezeit = parameter(edition, "wartezeit")
    answer = save(staff, city, wartezeit, "10")
    save(staff, answer, None, "12")
    services.answer_submit(user=staff, answer=answer)
    services.answer_request_changes(user=reviewer, answer=answer, reason="Stand fehlt.")
    save(staff, answer, None, "14")
    services.answer_submit(user=staff, answer=answer)
    services.answer_approve(user=reviewer, answer=answer)
    save(staff, answer, None, "15")

    # then
    history = list(answer.history.order_by("history_id"))
    assert [(h.version, h.status, h.value_number, h.history_user, h.history_change_reason) for h in history] == [
        (1, "draft", Decimal(10), staff, "bearbeitet"),
        (2, "draft", Decimal(12), staff, "bearbeitet"),
        (3, "submitted", Decimal(12), staff, "eingereicht"),
        (4, "changes_requested", Decimal(12), reviewer, "Stand fehlt."),
        (5, "draft", Decimal(14), staff, "bearbeitet"),
        (6, "submitted", Decimal(14), staff, "eingereicht"),
        (7, "approved", Decimal(14), reviewer, "freigegeben"),
        (8, "draft", Decimal(15), staff, "bearbeitet, Freigabe aufgehoben"),
    ]
    assert [h.history_type for h in history] == ["+"] + ["~"] * 7


def test_old_and_new_values_are_recoverable_from_consecutive_audit_rows(edition, city, staff):
    # given
    answer = save(staff, city, parameter(edition, "wartezeit"), "10", note="erste Schätzung")
    save(staff, answer, None, "12,5", note="laut Terminsystem")

    # when
    older, newer = answer.history.order_by("history_id")
    delta = newer.diff_against(older)

    # then
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["value_number"] == (Decimal(10), Decimal("12.5"))
    assert changes["note"] == ("erste Schätzung", "laut Terminsystem")
    assert changes["version"] == (1, 2)
    assert "status" not in changes


def test_a_refused_write_leaves_no_audit_row(edition, city, staff, other_staff):
    answer = answer_of(edition, city, "wartezeit")

    with pytest.raises(PermissionDenied):
        save(other_staff, answer, None, "11")
    with pytest.raises(WorkflowError):
        services.answer_approve(user=UserFactory(groups=["reviewers"]), answer=answer)
    with pytest.raises(ValidationError):
        save(staff, answer, None, "-3")

    assert answer.history.count() == 1


# --- edition_set_phase -------------------------------------------------------------------------


def move(user, edition: Edition, phase: str) -> Edition:
    """Edition.move_to as its callers use it: in a transaction, on the locked row."""
    with transaction.atomic():
        locked = services.lock_edition(edition.pk)
        locked.move_to(phase, user=user)
    return locked


LEGAL_PHASE_MOVES = [(source, target) for source, targets in Edition.PHASE_PIPELINE.items() for target in targets]
ILLEGAL_PHASE_MOVES = [
    (source, target)
    for source in Phase.values
    for target in Phase.values
    if target not in Edition.PHASE_PIPELINE[source]
]


@pytest.mark.parametrize(("source", "target"), LEGAL_PHASE_MOVES, ids=edge_ids(LEGAL_PHASE_MOVES))
def test_editor_moves_an_edition_along_the_phase_pipeline(db, editor, source, target):
    edition = EditionFactory(year=2031, phase=source)

    returned = move(editor, edition, target)

    edition.refresh_from_db()
    assert (returned.phase, edition.phase) == (target, target)
    latest = edition.history.first()
    assert (latest.phase, latest.history_user, latest.history_change_reason) == (target, editor, PHASE_LABEL[target])
    assert (edition.published_at is not None) is (target == "published")


def test_legal_phase_moves_are_the_designed_five():
    assert sorted(LEGAL_PHASE_MOVES) == sorted(
        [
            ("draft", "collection"),
            ("collection", "review"),
            ("review", "collection"),
            ("review", "published"),
            ("published", "archived"),
        ]
    )


@pytest.mark.parametrize(("source", "target"), ILLEGAL_PHASE_MOVES, ids=edge_ids(ILLEGAL_PHASE_MOVES))
def test_illegal_phase_move_raises_workflow_error_and_changes_nothing(db, editor, source, target):
    edition = EditionFactory(year=2031, phase=source)

    with pytest.raises(WorkflowError) as error:
        move(editor, edition, target)

    assert error.value.messages == [
        f"Eine Ausgabe in der Phase „{PHASE_LABEL[source]}“ kann nicht in die Phase „{PHASE_LABEL[target]}“ wechseln."
    ]
    edition.refresh_from_db()
    assert (edition.phase, edition.history.count()) == (source, 1)


def test_publishing_is_not_a_plain_phase_change(db, editor):
    # edition_publish freezes the results in the same transaction; the plain phase change refuses.
    edition = EditionFactory(year=2031, phase=Phase.REVIEW)

    with pytest.raises(WorkflowError) as error:
        services.edition_set_phase(user=editor, edition=edition, phase=Phase.PUBLISHED)

    assert error.value.messages == [
        "Eine Ausgabe wird mit „Veröffentlichen“ veröffentlicht, das ihre Ergebnisse einfriert."
    ]
    edition.refresh_from_db()
    assert edition.phase == Phase.REVIEW


@pytest.mark.parametrize("who", ["reviewer", "staff", "plain user", "anonymous"])
def test_only_editors_change_the_phase(edition, reviewer, staff, who):
    user = {"reviewer": reviewer, "staff": staff, "plain user": UserFactory(), "anonymous": AnonymousUser()}[who]

    with pytest.raises(PermissionDenied) as error:
        services.edition_set_phase(user=user, edition=edition, phase=Phase.REVIEW)

    assert str(error.value) == EDITORS_ONLY
    edition.refresh_from_db()
    assert edition.phase == "collection"


def test_superuser_counts_as_editor_for_phase_changes(edition):
    admin = UserFactory(is_superuser=True)

    services.edition_set_phase(user=admin, edition=edition, phase=Phase.REVIEW)

    assert Edition.objects.get(pk=edition.pk).phase == "review"


def test_phase_change_is_recorded_with_user_and_reason(edition, editor):
    services.edition_set_phase(user=editor, edition=edition, phase=Phase.REVIEW, reason="Erhebung am 30.4. beendet")
    services.edition_set_phase(user=editor, edition=edition, phase=Phase.COLLECTION, reason="Frist verlängert")

    rows = list(edition.history.order_by("history_id").values_list("phase", "history_user", "history_change_reason"))
    assert rows[1:] == [
        ("review", editor.pk, "Erhebung am 30.4. beendet"),
        ("collection", editor.pk, "Frist verlängert"),
    ]


def test_unknown_phase_is_a_workflow_error(edition, editor):
    with pytest.raises(WorkflowError):
        services.edition_set_phase(user=editor, edition=edition, phase="finished")

    assert Edition.objects.get(pk=edition.pk).phase == "collection"


# --- edition_clone -----------------------------------------------------------------------------


def catalogue_of(edition: Edition) -> dict:
    """The catalogue of an edition as comparable plain data (no ids)."""
    return {
        "domains": list(
            Domain.objects.filter(edition=edition)
            .order_by("position", "key")
            .values_list("key", "name_de", "name_en", "weight", "position")
        ),
        "indicators": list(
            Indicator.objects.filter(domain__edition=edition)
            .order_by("domain__position", "position", "key")
            .values_list("domain__key", "key", "name_de", "name_en", "description_de", "weight", "position")
        ),
        "parameters": list(
            Parameter.objects.filter(indicator__domain__edition=edition)
            .order_by("indicator__domain__position", "indicator__position", "position", "key")
            .values_list(
                "indicator__key",
                "key",
                "kind",
                "name_de",
                "unit",
                "min_value",
                "max_value",
                "higher_is_better",
                "per_capita",
                "goal_worst",
                "goal_best",
                "options",
                "weight",
                "evidence_required",
                "position",
            )
        ),
    }


def test_edition_clone_copies_catalogue_methodology_and_participations_into_a_new_draft(edition, editor, city):
    # given: a source with its own methodology, weights and goalposts, plus answers and a bonus project
    Edition.objects.filter(pk=edition.pk).update(
        missing_policy="exclude",
        normalisation="target",
        aggregation="geometric",
        bonus_cap=Decimal(3),
        is_demo=True,
    )
    edition.refresh_from_db()
    Domain.objects.filter(edition=edition, key="mobilitaet").update(weight=Decimal(2))
    Indicator.objects.filter(domain__edition=edition, key="energie").update(weight=Decimal("0.5"))
    Parameter.objects.filter(indicator__domain__edition=edition, key="busse").update(
        weight=Decimal(3), goal_worst=Decimal(0), goal_best=Decimal(80)
    )
    answer_of(edition, city, "busse", status=Status.APPROVED)
    InnovationProjectFactory(domain=edition.domains.get(key="mobilitaet"), city=city, bonus_points=Decimal(2))
    source_catalogue = catalogue_of(edition)
    source_parameter_ids = set(
        Parameter.objects.filter(indicator__domain__edition=edition).values_list("pk", flat=True)
    )

    # when
    clone = services.edition_clone(user=editor, source=edition, year=2031)

    # then: a new draft edition with the same methodology
    clone.refresh_from_db()
    assert (clone.year, clone.title, clone.phase, clone.published_at) == (2031, "Smart City Index 2031", "draft", None)
    assert (clone.missing_policy, clone.normalisation, clone.aggregation, clone.bonus_cap, clone.is_demo) == (
        "exclude",
        "target",
        "geometric",
        Decimal(3),
        True,
    )
    # the same catalogue, as new rows
    cloned = catalogue_of(clone)
    assert cloned == source_catalogue
    assert (len(cloned["domains"]), len(cloned["indicators"]), len(cloned["parameters"])) == (2, 3, 5)
    busse = parameter(clone, "busse")
    assert (busse.weight, busse.goal_worst, busse.goal_best, busse.evidence_required) == (
        Decimal(3),
        Decimal(0),
        Decimal(80),
        True,
    )
    assert parameter(clone, "smart-meter").option_points() == {"none": 0.0, "planned": 0.5, "live": 1.0}
    assert clone.domains.get(key="mobilitaet").weight == Decimal(2)
    assert not source_parameter_ids & set(
        Parameter.objects.filter(indicator__domain__edition=clone).values_list("pk", flat=True)
    )
    # the same field of cities, but no answers, bonuses or results
    assert set(clone.participations.values_list("city_id", flat=True)) == {c.pk for c in cities_of(edition)}
    assert (clone.answers.count(), clone.innovation_projects.count(), clone.score_runs.count()) == (0, 0, 0)
    # audited
    created = clone.history.get()
    assert (created.history_user, created.history_change_reason) == (editor, "aus Ausgabe 2030 übernommen")


def test_edition_clone_leaves_the_source_unchanged(edition, editor, city):
    answer_of(edition, city, "busse", status=Status.APPROVED)
    before = (
        catalogue_of(edition),
        edition.participations.count(),
        edition.answers.count(),
        list(edition.domains.values_list("pk", flat=True)),
    )

    services.edition_clone(user=editor, source=edition, year=2031, title="SCI 2031 (Entwurf)")

    edition.refresh_from_db()
    assert (edition.year, edition.phase) == (2030, "collection")
    after = (
        catalogue_of(edition),
        edition.participations.count(),
        edition.answers.count(),
        list(edition.domains.values_list("pk", flat=True)),
    )
    assert after == before
    assert Edition.objects.get(year=2031).title == "SCI 2031 (Entwurf)"


@pytest.mark.parametrize("year", [2030, 2029])
def test_edition_clone_into_an_existing_year_is_refused(edition, editor, year):
    EditionFactory(year=2029)
    editions_before = Edition.objects.count()

    with pytest.raises(ValidationError) as error:
        services.edition_clone(user=editor, source=edition, year=year)

    assert error.value.message_dict == {"year": [f"Es gibt bereits eine Ausgabe {year}."]}
    assert (Edition.objects.count(), Domain.objects.count()) == (editions_before, 2)


def test_only_editors_clone_editions(edition, reviewer):
    with pytest.raises(PermissionDenied) as error:
        services.edition_clone(user=reviewer, source=edition, year=2031)

    assert str(error.value) == EDITORS_ONLY
    assert not Edition.objects.filter(year=2031).exists()


# --- catalogue_update ----------------------------------------------------------------------------


def catalogue_item(edition, kind):
    return {
        "domain": lambda: edition.domains.get(key="mobilitaet"),
        "indicator": lambda: Indicator.objects.get(domain__edition=edition, key="verkehr"),
        "parameter": lambda: parameter(edition, "busse"),
    }[kind]()


@pytest.mark.parametrize("kind", ["domain", "indicator", "parameter"])
def test_editor_sets_a_weight_which_is_audited_and_recomputed_after_commit(
    edition, editor, kind, recompute_requests, django_capture_on_commit_callbacks
):
    item = catalogue_item(edition, kind)

    with django_capture_on_commit_callbacks(execute=True):
        returned = services.catalogue_update(user=editor, item=item, changes={"weight": Decimal("2.5")})
        assert recompute_requests == []

    item.refresh_from_db()
    assert (returned.weight, item.weight) == (Decimal("2.5"), Decimal("2.5"))
    latest = item.history.first()
    assert (latest.weight, latest.history_user, latest.history_change_reason) == (
        Decimal("2.5"),
        editor,
        "geändert: weight",
    )
    assert recompute_requests == [edition.pk]


def test_a_new_domain_weight_reaches_the_next_score_run(edition, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.catalogue_update(
            user=editor, item=edition.domains.get(key="mobilitaet"), changes={"weight": Decimal(2)}
        )

    run = ScoreRun.objects.get(edition=edition)
    assert run.methodology["domain_weights"] == {"verwaltung": 1.0, "mobilitaet": 2.0}


@pytest.mark.parametrize("who", ["reviewer", "staff", "plain user"])
def test_only_editors_set_weights(
    edition, reviewer, staff, who, recompute_requests, django_capture_on_commit_callbacks
):
    user = {"reviewer": reviewer, "staff": staff, "plain user": UserFactory()}[who]
    domain = edition.domains.get(key="mobilitaet")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied) as error:
        services.catalogue_update(user=user, item=domain, changes={"weight": Decimal(3)})

    assert str(error.value) == EDITORS_ONLY
    domain.refresh_from_db()
    assert (domain.weight, recompute_requests) == (Decimal(1), [])


@pytest.mark.parametrize("phase", ["published", "archived"])
@pytest.mark.parametrize("kind", ["domain", "indicator", "parameter"])
def test_weights_of_a_published_edition_are_frozen(edition, editor, phase, kind, recompute_requests):
    set_phase(edition, phase)
    item = catalogue_item(edition, kind)

    with pytest.raises(WorkflowError) as error:
        services.catalogue_update(user=editor, item=item, changes={"weight": Decimal(3)})

    assert error.value.messages == ["Katalog und Methodik einer veröffentlichten Ausgabe sind eingefroren."]
    item.refresh_from_db()
    assert (item.weight, item.history.count(), recompute_requests) == (Decimal(1), 1, [])


def test_a_negative_weight_is_refused(edition, editor, recompute_requests, django_capture_on_commit_callbacks):
    domain = edition.domains.get(key="mobilitaet")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        services.catalogue_update(user=editor, item=domain, changes={"weight": Decimal(-1)})

    assert error.value.message_dict == {"weight": ["Dieser Wert muss größer oder gleich 0 sein."]}
    domain.refresh_from_db()
    assert (domain.weight, recompute_requests) == (Decimal(1), [])


# --- innovation_bonus_award --------------------------------------------------------------------


@pytest.fixture
def project(edition, city):
    return InnovationProjectFactory(domain=edition.domains.get(key="mobilitaet"), city=city)


def stored_bonus(project) -> tuple:
    return InnovationProject.objects.values_list("bonus_points", "bonus_justification", "awarded_by", "awarded_at").get(
        pk=project.pk
    )


@pytest.mark.parametrize("points", [Decimal(0), Decimal("2.5"), Decimal(5)])
def test_reviewer_awards_a_bonus_of_0_to_5_points_and_requests_a_recompute(
    project, reviewer, points, recompute_requests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.innovation_bonus_award(
            user=reviewer, project=project, points=points, justification="  Digitaler Zwilling im Regelbetrieb.  "
        )

    bonus_points, justification, awarded_by, awarded_at = stored_bonus(project)
    assert (bonus_points, justification, awarded_by) == (points, "Digitaler Zwilling im Regelbetrieb.", reviewer.pk)
    assert awarded_at is not None
    assert recompute_requests == [project.edition_id]
    latest = project.history.first()
    assert (latest.history_user, latest.history_change_reason) == (reviewer, "Bonus vergeben")


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (Decimal("5.5"), "Dieser Wert muss kleiner oder gleich 5 sein."),
        (Decimal("5.01"), "Dieser Wert muss kleiner oder gleich 5 sein."),
        (Decimal("-0.5"), "Dieser Wert muss größer oder gleich 0 sein."),
    ],
)
def test_a_bonus_outside_0_to_5_is_refused_and_nothing_is_saved(
    project, reviewer, points, message, recompute_requests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        services.innovation_bonus_award(user=reviewer, project=project, points=points, justification="Sehr gut.")

    assert error.value.message_dict == {"bonus_points": [message]}
    assert stored_bonus(project) == (Decimal(0), "", None, None)
    assert (project.history.count(), recompute_requests) == (1, [])


@pytest.mark.parametrize("justification", ["", "   ", None])
def test_a_bonus_needs_a_justification(project, reviewer, justification):
    with pytest.raises(ValidationError) as error:
        services.innovation_bonus_award(user=reviewer, project=project, points=Decimal(2), justification=justification)

    assert error.value.message_dict == {"bonus_justification": ["Bitte begründen Sie den Bonus."]}
    assert stored_bonus(project) == (Decimal(0), "", None, None)


@pytest.mark.parametrize("who", ["reviewer of the city", "staff of the city", "editor"])
def test_a_bonus_is_refused_to_the_citys_own_people_and_to_non_reviewers(project, city, staff, editor, who):
    user = {
        "reviewer of the city": UserFactory(groups=["reviewers"], cities=[city]),
        "staff of the city": staff,
        "editor": editor,
    }[who]

    with pytest.raises(PermissionDenied) as error:
        services.innovation_bonus_award(user=user, project=project, points=Decimal(3), justification="Gut.")

    assert str(error.value) == "Sie können keinen Bonus für diese Stadt vergeben."
    assert stored_bonus(project) == (Decimal(0), "", None, None)


@pytest.mark.parametrize("phase", ["draft", "published", "archived"])
def test_no_bonus_outside_collection_and_review(edition, project, reviewer, phase):
    set_phase(edition, phase)

    with pytest.raises(WorkflowError) as error:
        services.innovation_bonus_award(user=reviewer, project=project, points=Decimal(3), justification="Gut.")

    assert error.value.messages == ["In dieser Phase der Ausgabe werden keine Boni vergeben."]
    assert stored_bonus(project) == (Decimal(0), "", None, None)


def test_an_awarded_bonus_reaches_the_domain_score(
    edition, city, project, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.innovation_bonus_award(user=reviewer, project=project, points=Decimal("2.5"), justification="Gut.")

    run = ScoreRun.objects.get(edition=edition)
    mobilitaet = DomainScore.objects.get(run=run, city=city, domain=project.domain)
    assert (mobilitaet.bonus, mobilitaet.score, mobilitaet.rank) == (2.5, 2.5, 1)


def test_a_methodology_change_is_audited_and_recomputed(
    edition, editor, recompute_requests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.catalogue_update(user=editor, item=edition, changes={"missing_policy": "exclude"})

    edition.refresh_from_db()
    assert edition.missing_policy == "exclude"
    assert edition.history.first().history_change_reason == "geändert: missing_policy"
    assert recompute_requests == [edition.pk]


def test_a_text_change_does_not_recompute(edition, editor, recompute_requests, django_capture_on_commit_callbacks):
    indicator = catalogue_item(edition, "indicator")

    with django_capture_on_commit_callbacks(execute=True):
        services.catalogue_update(user=editor, item=indicator, changes={"name_en": "Transport"})

    indicator.refresh_from_db()
    assert (indicator.name_en, recompute_requests) == ("Transport", [])


def test_the_phase_is_not_changed_through_the_catalogue(edition, editor):
    with pytest.raises(WorkflowError) as error:
        services.catalogue_update(user=editor, item=edition, changes={"phase": "published"})

    assert error.value.messages == ["Die Phase ändert sich nur über die Phasenwechsel der Ausgabe."]
    edition.refresh_from_db()
    assert edition.phase == "collection"


def test_the_last_weighted_domain_cannot_drop_to_zero(edition, editor, recompute_requests):
    # given: one domain already at 0
    services.catalogue_update(user=editor, item=edition.domains.get(key="verwaltung"), changes={"weight": Decimal(0)})
    last = edition.domains.get(key="mobilitaet")

    # when / then: the total would have no weights left
    with pytest.raises(ValidationError) as error:
        services.catalogue_update(user=editor, item=last, changes={"weight": Decimal(0)})

    assert error.value.message_dict == {"weight": ["Mindestens ein Themenbereich braucht ein Gewicht über 0."]}
    last.refresh_from_db()
    assert last.weight == Decimal(1)
