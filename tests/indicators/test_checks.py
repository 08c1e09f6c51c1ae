"""The cities' check window (issue 16): confirm, object, decide; the window's days; the flag; reminders; publish."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from indicators.models import Answer, AnswerCheck, Edition, Notification, Parameter
from indicators.selectors.checks import check_share
from indicators.selectors.review_flags import OBJECTION, answer_flags
from indicators.services import checks
from indicators.services.checks import Correction
from indicators.workflow import WorkflowError
from public.methodology import describe_check_share
from scoring.models import ScoreRun
from scoring.services import edition_publish
from tests import factories
from tests.factories import AnswerFactory, OfficialImportFactory, UserFactory, parameter

# Files go to a fresh folder per test (the autouse fixture of the evidence tests; the services write there too).
from tests.indicators.test_evidence import evidence_dir, pdf_bytes  # noqa: F401 (an autouse fixture)

OFFICIAL = Parameter.CollectionMode.OFFICIAL
RESEARCH = Parameter.CollectionMode.RESEARCH
Outcome = AnswerCheck.Outcome


def open_window(edition: Edition, *, opens: int = -3, closes: int | None = 10) -> Edition:
    """The edition's check window from `opens` to `closes` days from today (None: no closing day)."""
    today = timezone.localdate()
    edition.check_opens = today + timedelta(days=opens)
    edition.check_closes = None if closes is None else today + timedelta(days=closes)
    edition.save()
    return edition


def official_answer(edition: Edition, city, value=Decimal(120), **kwargs) -> Answer:
    """The city's value of "ladepunkte" imported from an official file (submitted for review)."""
    param = parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=param.pk).update(collection_mode=OFFICIAL)
    imported = OfficialImportFactory(parameter=param)
    return AnswerFactory(
        parameter=param,
        city=city,
        value_number=value,
        source_kind=OFFICIAL,
        official_import=imported,
        status=kwargs.pop("status", Answer.Status.SUBMITTED),
        **kwargs,
    )


def researched_answer(edition: Edition, city, researcher) -> Answer:
    param = parameter(edition, "online-termine")
    Parameter.objects.filter(pk=param.pk).update(collection_mode=RESEARCH)
    return AnswerFactory(
        parameter=param,
        city=city,
        value_bool=True,
        source_kind=RESEARCH,
        researched_by=researcher,
        evidence_url="https://example.org/recherche",
        status=Answer.Status.SUBMITTED,
    )


@pytest.fixture
def window(edition):
    return open_window(edition)


@pytest.fixture
def answer(window, city):
    return official_answer(window, city)


# --- The city's verdict -----------------------------------------------------------------------------------


def test_city_staff_confirm_an_official_value_about_their_city(staff, answer):
    # when
    check = checks.answer_check_confirm(user=staff, answer=answer, expected_version=answer.version)

    # then
    stored = AnswerCheck.objects.get(answer=answer)
    assert (stored.pk, stored.verdict, stored.outcome, stored.reason) == (check.pk, "confirmed", "", "")
    assert stored.checked_value == "120 Ladepunkte"
    assert stored.checked_by == staff
    assert stored.holds_for(answer) is True
    assert stored.history.first().history_change_reason == "Wert bestätigt"


def test_city_staff_object_to_a_researched_value_with_a_reason_and_a_file(staff, window, city, reviewer, evidence_dir):  # noqa: F811 (the imported fixture)
    # given
    answer = researched_answer(window, city, reviewer)
    upload = SimpleUploadedFile("Beschluss.pdf", pdf_bytes(), content_type="application/pdf")

    # when
    check = checks.answer_check_object(
        user=staff, answer=answer, reason="Der Dienst ist seit 2023 abgeschaltet.", uploaded=upload
    )

    # then
    check.refresh_from_db()
    assert (check.verdict, check.outcome, check.reason) == (
        "objected",
        "open",
        "Der Dienst ist seit 2023 abgeschaltet.",
    )
    assert (check.evidence_name, check.evidence_content_type) == ("Beschluss.pdf", "application/pdf")
    assert (evidence_dir / check.evidence_file.name).read_bytes() == pdf_bytes()
    assert check.checked_value == "ja"


def test_an_objection_without_a_reason_is_refused_and_nothing_is_written(staff, answer):
    with pytest.raises(ValidationError) as error:
        checks.answer_check_object(user=staff, answer=answer, reason="   ")

    assert error.value.message_dict == {"reason": ["Bitte begründen Sie Ihren Einwand."]}
    assert not AnswerCheck.objects.exists()


def test_a_disguised_file_is_refused_and_nothing_is_stored(staff, answer, evidence_dir):  # noqa: F811 (the imported fixture)
    upload = SimpleUploadedFile("beleg.pdf", b"MZ\x90\x00\x03\x00\x00\x00 not a pdf", content_type="application/pdf")

    with pytest.raises(ValidationError) as error:
        checks.answer_check_object(user=staff, answer=answer, reason="falsch", uploaded=upload)

    assert list(error.value.message_dict) == ["file"]
    assert not AnswerCheck.objects.exists()
    assert not evidence_dir.exists() or not any(evidence_dir.rglob("*.*"))


def test_staff_of_another_city_cannot_check_the_value(other_staff, answer):
    with pytest.raises(PermissionDenied, match="nur Antworten Ihrer eigenen Stadt"):
        checks.answer_check_confirm(user=other_staff, answer=answer)

    assert not AnswerCheck.objects.exists()


def test_a_value_the_city_entered_itself_is_not_checked(staff, window, city):
    own = AnswerFactory(parameter=parameter(window, "busse"), city=city, value_number=Decimal(40))

    with pytest.raises(WorkflowError, match="Nur amtliche oder recherchierte Werte werden von der Stadt geprüft."):
        checks.answer_check_confirm(user=staff, answer=own)

    assert not AnswerCheck.objects.exists()


def test_a_stale_page_conflicts_and_writes_nothing(staff, answer):
    from indicators.services import ConflictError

    with pytest.raises(ConflictError):
        checks.answer_check_confirm(user=staff, answer=answer, expected_version=answer.version - 1)

    assert not AnswerCheck.objects.exists()


@pytest.mark.parametrize(
    ("opens", "closes", "phase", "message"),
    [
        pytest.param(0, 0, "review", None, id="opens-and-closes-today"),
        pytest.param(-5, None, "collection", None, id="no-closing-day-while-collecting"),
        pytest.param(1, 5, "review", "Das Prüffenster beginnt erst am", id="opens-tomorrow"),
        pytest.param(-5, -1, "review", "Das Prüffenster wurde am", id="closed-yesterday"),
        pytest.param(None, None, "review", "noch kein Prüffenster der Städte festgelegt", id="no-window"),
        pytest.param(-5, 5, "published", "nicht mehr in Bearbeitung", id="published"),
    ],
)
def test_the_window_decides_by_its_days_and_the_phase(staff, edition, city, opens, closes, phase, message):
    # given
    if opens is not None:
        open_window(edition, opens=opens, closes=closes)
    Edition.objects.filter(pk=edition.pk).update(phase=phase)
    answer = official_answer(edition, city)

    # when / then
    if message is None:
        checks.answer_check_confirm(user=staff, answer=answer)
        assert AnswerCheck.objects.filter(answer=answer, verdict="confirmed").exists()
    else:
        with pytest.raises(WorkflowError, match=message):
            checks.answer_check_confirm(user=staff, answer=answer)
        assert not AnswerCheck.objects.exists()


def test_a_confirmation_no_longer_counts_once_the_value_changed(staff, answer):
    # given
    checks.answer_check_confirm(user=staff, answer=answer)

    # when: a new import changes the value
    Answer.objects.filter(pk=answer.pk).update(value_number=Decimal(130), version=answer.version + 1)
    answer.refresh_from_db()

    # then
    assert AnswerCheck.objects.get(answer=answer).holds_for(answer) is False
    assert checks.unchecked_counts(answer.edition) == {answer.city_id: 1}


def test_the_city_may_change_its_verdict_while_the_objection_is_open(staff, answer):
    checks.answer_check_object(user=staff, answer=answer, reason="zu hoch")

    checks.answer_check_confirm(user=staff, answer=answer)

    check = AnswerCheck.objects.get(answer=answer)
    assert (check.verdict, check.outcome, check.reason) == ("confirmed", "", "")
    assert check.history.count() == 2


# --- The reviewers' decision ------------------------------------------------------------------------------


def test_a_reviewer_keeps_the_value_with_a_reason_and_the_city_cannot_change_its_verdict_then(
    staff, reviewer, answer, django_capture_on_commit_callbacks
):
    # given
    checks.answer_check_object(user=staff, answer=answer, reason="Es sind nur 100 Ladepunkte.")
    assert OBJECTION in answer_flags([answer])[answer.pk]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        check = checks.objection_decide(
            user=reviewer, answer=answer, outcome=Outcome.KEPT, reason="Register zählt 120."
        )

    # then
    check.refresh_from_db()
    assert (check.outcome, check.outcome_reason, check.decided_by) == ("kept", "Register zählt 120.", reviewer)
    answer.refresh_from_db()
    assert (answer.value_number, answer.source_kind) == (Decimal(120), OFFICIAL)
    assert OBJECTION not in answer_flags([answer])[answer.pk]
    # the city's members are told by e-mail through the outbox
    notification = Notification.objects.get(kind="objection_decided")
    assert (notification.recipient, notification.answer, notification.reason) == (
        staff,
        answer,
        "Einwand: Wert beibehalten – Begründung: Register zählt 120.",
    )
    assert [message.to for message in mail.outbox] == [[staff.email]]
    city, edition = answer.city, answer.edition
    assert mail.outbox[0].subject == f"{edition.title} – {city.name}: über einen Einwand entschieden"
    assert "Einwand: Wert beibehalten – Begründung: Register zählt 120." in mail.outbox[0].body
    with pytest.raises(WorkflowError, match=r"bereits entschieden \(Wert beibehalten\)"):
        checks.answer_check_confirm(user=staff, answer=answer)


def test_a_reviewer_corrects_the_value_which_becomes_their_research_with_its_source(staff, reviewer, answer):
    # given
    checks.answer_check_object(user=staff, answer=answer, reason="Es sind nur 100 Ladepunkte.")

    # when
    checks.objection_decide(
        user=reviewer,
        answer=answer,
        outcome=Outcome.CORRECTED,
        reason="Die Stadt hat recht: 20 Ladepunkte sind privat.",
        correction=Correction(value="100", evidence_url="https://example.org/liste", as_of=date(2024, 3, 1)),
    )

    # then
    answer.refresh_from_db()
    assert answer.value_number == Decimal(100)
    assert (answer.source_kind, answer.researched_by, answer.official_import) == (RESEARCH, reviewer, None)
    assert (answer.evidence_url, answer.as_of) == ("https://example.org/liste", date(2024, 3, 1))
    assert (answer.status, answer.reviewed_by) == (Answer.Status.APPROVED, reviewer)
    assert answer.history.first().history_change_reason == "Nach Einwand korrigiert (vorher 120 Ladepunkte)"
    assert answer.history.filter(source_kind=OFFICIAL).exists()  # the import stays in the history
    assert answer.public_provenance == ("recherche", "https://example.org/liste", date(2024, 3, 1))
    check = AnswerCheck.objects.get(answer=answer)
    assert (check.outcome, check.holds_for(answer)) == ("corrected", True)
    assert checks.unchecked_counts(answer.edition) == {}


@pytest.mark.parametrize(
    ("outcome", "reason", "correction", "errors"),
    [
        pytest.param("kept", " ", None, {"outcome_reason": ["Bitte begründen Sie Ihre Entscheidung für die Stadt."]}),
        pytest.param("other", "x", None, {"outcome": ["Bitte wählen Sie: Wert beibehalten oder korrigieren."]}),
        pytest.param("corrected", "x", None, {"value": ["Bitte geben Sie den korrigierten Wert an."]}),
        pytest.param(
            "corrected",
            "x",
            Correction(value="90", evidence_url=""),
            {"evidence_url": ["Bitte nennen Sie die Quelle (URL) des korrigierten Werts."]},
        ),
        pytest.param(
            "corrected",
            "x",
            Correction(value="120", evidence_url="https://example.org/x"),
            {"value": ["Der korrigierte Wert ist derselbe wie bisher; wählen Sie „beibehalten“."]},
        ),
        pytest.param(
            "corrected",
            "x",
            Correction(value="-3", evidence_url="https://example.org/x"),
            {"value_number": ["Der Wert muss mindestens 0 Ladepunkte sein."]},
        ),
    ],
)
def test_a_wrong_decision_is_refused_and_nothing_changes(staff, reviewer, answer, outcome, reason, correction, errors):
    checks.answer_check_object(user=staff, answer=answer, reason="zu hoch")

    with pytest.raises(ValidationError) as error:
        checks.objection_decide(user=reviewer, answer=answer, outcome=outcome, reason=reason, correction=correction)

    assert error.value.message_dict == errors
    answer.refresh_from_db()
    assert (answer.value_number, answer.source_kind, answer.status) == (Decimal(120), OFFICIAL, "submitted")
    assert AnswerCheck.objects.get(answer=answer).outcome == "open"


def test_only_reviewers_and_editors_outside_the_city_decide(staff, answer, city):
    checks.answer_check_object(user=staff, answer=answer, reason="zu hoch")
    own_reviewer = UserFactory(groups=["reviewers"], cities=[city])

    with pytest.raises(PermissionDenied, match="Nur Prüferinnen, Prüfer und die Redaktion"):
        checks.objection_decide(user=staff, answer=answer, outcome=Outcome.KEPT, reason="passt")
    with pytest.raises(PermissionDenied, match="der Sie angehören"):
        checks.objection_decide(user=own_reviewer, answer=answer, outcome=Outcome.KEPT, reason="passt")

    assert AnswerCheck.objects.get(answer=answer).outcome == "open"


def test_an_answer_without_an_open_objection_has_nothing_to_decide(staff, editor, answer):
    checks.answer_check_confirm(user=staff, answer=answer)

    with pytest.raises(WorkflowError, match="keinen offenen Einwand"):
        checks.objection_decide(user=editor, answer=answer, outcome=Outcome.KEPT, reason="passt")


# --- Reminders ----------------------------------------------------------------------------------------------


def test_reminders_go_once_to_the_members_of_cities_with_unchecked_values(
    edition, city, other_city, staff, other_staff, django_capture_on_commit_callbacks
):
    # given: the window closes in 7 days; the other city has checked everything
    open_window(edition, closes=7)
    official_answer(edition, city)
    second_member = UserFactory(cities=[city])
    checked = official_answer(edition, other_city)
    checks.answer_check_confirm(user=other_staff, answer=checked)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = checks.checks_remind()
        second = checks.checks_remind()

    # then
    assert first == {"cities": 1, "notifications": 2}
    assert second == {"cities": 0, "notifications": 0}
    rows = Notification.objects.filter(kind="check_reminder").order_by("recipient_id")
    assert [(row.recipient, row.city, row.days_before) for row in rows] == [(staff, city, 7), (second_member, city, 7)]
    assert sorted(message.to[0] for message in mail.outbox) == sorted([staff.email, second_member.email])
    assert mail.outbox[0].subject == (
        f"{edition.title} – {city.name}: Bitte prüfen Sie die amtlichen und recherchierten Werte Ihrer Stadt"
    )
    assert "Das Prüffenster der Städte endet am" in mail.outbox[0].body


@pytest.mark.parametrize(("days_left", "expected"), [(8, []), (5, [7]), (1, [1]), (0, [1]), (-1, [])])
def test_the_reminder_due_is_the_smallest_day_count_reached(edition, city, staff, settings, days_left, expected):
    settings.CHECK_REMINDER_DAYS = [7, 1]
    open_window(edition, opens=-10, closes=days_left)
    official_answer(edition, city)

    checks.checks_remind()

    assert list(Notification.objects.filter(kind="check_reminder").values_list("days_before", flat=True)) == expected


# --- Publishing and the methodology page --------------------------------------------------------------------


def test_publishing_refuses_open_objections_unless_a_reason_is_given(edition, city, staff, editor):
    # given: every value approved, one official value objected to
    from tests.scoring.test_services import answer_all

    answer_all(edition)
    answer = Answer.objects.get(edition=edition, city=city, parameter__key="ladepunkte")
    imported = OfficialImportFactory(parameter=answer.parameter)
    Answer.objects.filter(pk=answer.pk).update(source_kind=OFFICIAL, official_import=imported, evidence_url="")
    open_window(edition)
    checks.answer_check_object(user=staff, answer=answer, reason="zu hoch")
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
    edition.refresh_from_db()

    # when / then
    with pytest.raises(ValidationError, match="1 Einwände von Städten sind noch nicht entschieden"):
        edition_publish(user=editor, edition=edition)
    edition.refresh_from_db()
    assert edition.phase == Edition.Phase.REVIEW
    assert not ScoreRun.objects.filter(is_published=True).exists()

    run = edition_publish(user=editor, edition=edition, reason="Einwand kam nach Redaktionsschluss")
    assert (run.objections_open_at_publish, run.publish_reason) == (1, "Einwand kam nach Redaktionsschluss")


def test_the_share_of_cities_that_checked_counts_only_cities_with_values_to_check(edition, reviewer):
    # given: three cities with an official value; two confirm, one leaves it; two cities have nothing to check
    cities = factories.cities_of(edition)
    open_window(edition)
    answers = [official_answer(edition, city) for city in cities[:3]]
    for answer in answers[:2]:
        checks.answer_check_confirm(user=UserFactory(cities=[answer.city]), answer=answer)

    # when
    share = check_share(edition)

    # then
    assert (share.checked, share.total) == (2, 3)
    assert describe_check_share(edition) == (
        "2 von 3 Städten (66,7 %) haben alle amtlichen und recherchierten Werte über sich geprüft "
        "(bestätigt oder einen Einwand erhoben)."
    )


def test_the_methodology_says_nothing_when_no_city_had_values_to_check(edition):
    assert describe_check_share(edition) is None
