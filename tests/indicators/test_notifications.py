"""E-mail notifications of the review workflow: outbox rows with the decision, grouped mails after commit, retries."""

import logging
import re
import smtplib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

import indicators.admin.notifications  # noqa: F401  (registers the admin before the URLs are first read)
from indicators import services, tasks
from indicators.models import Answer, CityMembership, Notification, Participation
from indicators.services import AnswerInput
from indicators.services.notifications import notifications_send, notifications_send_enqueue
from smartcity import outbox
from tests.factories import VALID_VALUE, AnswerFactory, UserFactory, coordinator_of, parameter

Status = Answer.Status
Kind = Notification.Kind
SITE = "https://index.example.org"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
FAILING = "tests.indicators.test_notifications.FailingBackend"
KEYS = ["online-termine", "wartezeit", "smart-meter", "busse", "ladepunkte"]  # catalogue order
FOOTER = "Diese E-Mail wurde automatisch vom Smart City Index versandt."


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("421 service not available")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"
    settings.EMAIL_BACKEND = LOCMEM
    settings.NOTIFICATION_MAX_ATTEMPTS = 8


@pytest.fixture
def coordinator(city):
    return coordinator_of(city)


def submitted(edition, city, key="wartezeit", **fields) -> Answer:
    values = {**VALID_VALUE[key], "evidence_url": "https://stadt.example/nachweis.pdf", **fields}
    return AnswerFactory(parameter=parameter(edition, key), city=city, status=Status.SUBMITTED, **values)


def send_back(reviewer, answer, reason, capture) -> Answer:
    with capture(execute=True):
        return services.answer_request_changes(user=reviewer, answer=answer, reason=reason)


def revise_and_resubmit(staff, answer, capture) -> Answer:
    with capture(execute=True):
        services.answer_save(
            user=staff,
            city=answer.city,
            parameter=answer.parameter,
            data=AnswerInput(value="12", evidence_url="https://stadt.example/neu.pdf"),
        )
        return services.answer_submit(user=staff, answer=answer)


def label(answer: Answer) -> str:
    p = answer.parameter
    return f"{p.indicator.domain.name} › {p.indicator.name} › {p.name}"


def by_recipient(outbox) -> dict[str, object]:
    assert all(len(message.to) == 1 for message in outbox)
    return {message.to[0]: message for message in outbox}


# --- Sent back ---------------------------------------------------------------------------------


def test_sending_an_answer_back_mails_every_member_of_the_city_with_the_reason_and_the_link(
    edition, city, staff, coordinator, other_staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    # given: besides staff and coordinator, a member without e-mail and an inactive one
    UserFactory(cities=[city], email="")
    UserFactory(cities=[city], is_active=False)
    answer = submitted(edition, city)

    # when
    send_back(reviewer, answer, "Die Quelle ist von 2019.", django_capture_on_commit_callbacks)

    # then
    mails = by_recipient(mailoutbox)
    assert sorted(mails) == sorted([staff.email, coordinator.email])
    message = mails[staff.email]
    assert message.subject == (f"Smart City Index 2030 – {city.name}: eine Antwort zur Überarbeitung zurückgegeben")
    assert message.body == (
        "Guten Tag,\n\n"
        f"die Prüfung hat eine Antwort von {city.name} im Smart City Index 2030 zur Überarbeitung zurückgegeben:\n\n"
        f"- Verwaltung › Serviceportal › {answer.parameter.name}\n"
        "  Begründung: Die Quelle ist von 2019.\n\n"
        "Bitte überarbeiten Sie die Antworten im Fragebogen und reichen Sie sie erneut ein:\n"
        f"{SITE}/portal/{city.slug}/2030/\n\n"
        f"{FOOTER}\n"
    )
    assert mails[coordinator.email].body == message.body
    rows = Notification.objects.filter(kind=Kind.SENT_BACK)
    assert sorted(rows.values_list("recipient", flat=True)) == sorted([staff.pk, coordinator.pk])
    assert all(row.sent_at is not None and row.answer_id == answer.pk for row in rows)


def test_a_bulk_send_back_mails_each_member_once_listing_every_answer(
    edition, city, other_city, staff, coordinator, other_staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    # given: three answers of the city, one of another city
    answers = [submitted(edition, city, key) for key in ("busse", "online-termine", "smart-meter")]
    elsewhere = submitted(edition, other_city, "busse")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        done, failed = services.answers_request_changes(
            user=reviewer, answers=[*answers, elsewhere], reason="Nachweis fehlt."
        )

    # then
    assert (len(done), failed) == (4, [])
    mails = by_recipient(mailoutbox)
    assert sorted(mails) == sorted([staff.email, coordinator.email, other_staff.email])
    message = mails[staff.email]
    assert message.subject == f"Smart City Index 2030 – {city.name}: 3 Antworten zur Überarbeitung zurückgegeben"
    in_catalogue_order = [answers[1], answers[2], answers[0]]
    listing = "".join(f"- {label(a)}\n  Begründung: Nachweis fehlt.\n\n" for a in in_catalogue_order)
    assert f"zur Überarbeitung zurückgegeben:\n\n{listing}Bitte überarbeiten" in message.body
    assert mails[other_staff.email].subject == (
        f"Smart City Index 2030 – {other_city.name}: eine Antwort zur Überarbeitung zurückgegeben"
    )
    assert label(answers[0]) in mails[other_staff.email].body
    assert f"{SITE}/portal/{other_city.slug}/2030/" in mails[other_staff.email].body
    assert label(answers[1]) not in mails[other_staff.email].body


def test_a_bulk_send_back_leaves_failing_answers_unchanged_and_without_notification(
    edition, city, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    # given: one answer submitted, one still a draft
    good = submitted(edition, city, "busse")
    draft = AnswerFactory(parameter=parameter(edition, "wartezeit"), city=city, value_number=Decimal(3))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        done, failed = services.answers_request_changes(user=reviewer, answers=[good, draft], reason="Unklar.")

    # then
    assert [a.pk for a in done] == [good.pk]
    assert [(a.pk, reason) for a, reason in failed] == [
        (draft.pk, "Eine Antwort im Status „Entwurf“ kann nicht in den Status „zur Überarbeitung“ wechseln.")
    ]
    assert Answer.objects.get(pk=draft.pk).status == Status.DRAFT
    assert list(Notification.objects.values_list("answer", flat=True)) == [good.pk]
    assert [m.to for m in mailoutbox] == [[staff.email]]


def test_a_failed_decision_writes_no_notification_and_sends_nothing(
    edition, city, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    answer = submitted(edition, city)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        services.answer_request_changes(user=reviewer, answer=answer, reason="  ")

    assert Answer.objects.get(pk=answer.pk).status == Status.SUBMITTED
    assert (Notification.objects.count(), callbacks, mailoutbox) == (0, [], [])


def test_an_answer_sent_back_twice_before_the_mail_left_is_listed_once_with_the_latest_reason(
    edition, city, staff, reviewer, mailoutbox
):
    # given: on-commit work not run, so both decisions wait in the outbox
    answer = submitted(edition, city)
    services.answer_request_changes(user=reviewer, answer=answer, reason="Erste Begründung.")
    services.answer_save(user=staff, city=city, parameter=answer.parameter, data=AnswerInput(value="12"))
    services.answer_submit(user=staff, answer=answer)
    services.answer_request_changes(user=reviewer, answer=answer, reason="Zweite Begründung.")

    # when
    result = notifications_send()

    # then: one mail to the staff member, one to the reviewer (the resubmission)
    assert result == {"sent": 2, "failed": 0, "rows": 3}
    mail = by_recipient(mailoutbox)[staff.email]
    assert "eine Antwort zur Überarbeitung" in mail.subject
    assert "Begründung: Zweite Begründung." in mail.body
    assert "Erste Begründung." not in mail.body


# --- Resubmitted -------------------------------------------------------------------------------


def test_resubmitting_a_sent_back_answer_mails_the_reviewer_who_sent_it_back(
    edition, city, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    # given: another reviewer who did not send it back
    UserFactory(groups=["reviewers"])
    answer = send_back(reviewer, submitted(edition, city), "Wert unplausibel.", django_capture_on_commit_callbacks)
    mailoutbox.clear()

    # when
    revise_and_resubmit(staff, answer, django_capture_on_commit_callbacks)

    # then
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    message = mailoutbox[0]
    assert message.subject == f"Smart City Index 2030 – {city.name}: eine überarbeitete Antwort erneut eingereicht"
    assert message.body == (
        "Guten Tag,\n\n"
        f"{city.name} hat eine zur Überarbeitung zurückgegebene Antwort im Smart City Index 2030 überarbeitet "
        "und erneut eingereicht:\n\n"
        f"- {label(answer)}\n"
        "  Begründung der Rückgabe: Wert unplausibel.\n"
        f"  {SITE}/admin/indicators/answer/{answer.pk}/change/\n\n"
        "Bitte prüfen Sie die Antworten erneut.\n\n"
        f"{FOOTER}\n"
    )


@pytest.mark.parametrize("change", ["inactive", "no_longer_reviewer", "joined_the_city", "deleted"])
def test_a_resubmission_goes_to_every_reviewer_outside_the_city_when_the_sender_cannot_review_it(
    edition, city, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks, change
):
    # given: other reviewers, one of them a member of the city, one inactive, one without e-mail
    outside = UserFactory(groups=["reviewers"])
    also_outside = UserFactory(groups=["reviewers"])
    UserFactory(groups=["reviewers"], cities=[city])
    UserFactory(groups=["reviewers"], is_active=False)
    UserFactory(groups=["reviewers"], email="")
    answer = send_back(reviewer, submitted(edition, city), "Stand veraltet.", django_capture_on_commit_callbacks)
    mailoutbox.clear()
    if change == "inactive":
        reviewer.is_active = False
        reviewer.save()
    elif change == "no_longer_reviewer":
        reviewer.groups.remove(Group.objects.get(name="reviewers"))
    elif change == "joined_the_city":
        CityMembership.objects.create(user=reviewer, city=city)
    else:
        reviewer.delete()

    # when
    revise_and_resubmit(staff, answer, django_capture_on_commit_callbacks)

    # then
    assert sorted(m.to[0] for m in mailoutbox) == sorted([outside.email, also_outside.email])
    assert all("Begründung der Rückgabe: Stand veraltet." in m.body for m in mailoutbox)


def test_an_ordinary_first_submission_sends_no_mail(
    edition, city, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    answer = AnswerFactory(parameter=parameter(edition, "wartezeit"), city=city, value_number=Decimal(3))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.answer_submit(user=staff, answer=answer)

    assert Answer.objects.get(pk=answer.pk).status == Status.SUBMITTED
    assert (Notification.objects.count(), callbacks, mailoutbox) == (0, [], [])


# --- Fully approved ----------------------------------------------------------------------------


def test_the_last_approval_mails_fully_approved_exactly_once(
    edition, city, other_city, staff, coordinator, other_staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    # given: every parameter answered and submitted
    answers = [submitted(edition, city, key) for key in KEYS]
    elsewhere = submitted(edition, other_city, "busse")

    # when: all but the last approved
    for answer in answers[:-1]:
        with django_capture_on_commit_callbacks(execute=True):
            services.answer_approve(user=reviewer, answer=answer)

    # then: nothing yet
    assert (Notification.objects.count(), mailoutbox) == (0, [])

    # when: the last one, then another city's answer, then another send run
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_approve(user=reviewer, answer=answers[-1])
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_approve(user=reviewer, answer=elsewhere)
    assert notifications_send()["rows"] == 0

    # then: one mail to each member of the city
    mails = by_recipient(mailoutbox)
    assert sorted(mails) == sorted([staff.email, coordinator.email])
    message = mails[staff.email]
    assert message.subject == f"Smart City Index 2030 – {city.name}: Fragebogen vollständig freigegeben"
    assert message.body == (
        "Guten Tag,\n\n"
        f"alle Antworten von {city.name} im Smart City Index 2030 sind geprüft und freigegeben: Ihr Fragebogen ist "
        "vollständig freigegeben. Vielen Dank für Ihre Mitarbeit!\n\n"
        "Zum Fragebogen:\n"
        f"{SITE}/portal/{city.slug}/2030/\n\n"
        f"{FOOTER}\n"
    )
    assert Notification.objects.filter(kind=Kind.FULLY_APPROVED, answer=None).count() == 2


def test_a_bulk_approval_mails_fully_approved_once_after_the_batch(
    edition, city, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    answers = [submitted(edition, city, key) for key in KEYS]

    with django_capture_on_commit_callbacks(execute=True):
        approved, failed = services.answers_approve(user=reviewer, answers=answers)

    assert (len(approved), failed) == (5, [])
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([staff.email], f"Smart City Index 2030 – {city.name}: Fragebogen vollständig freigegeben")
    ]
    assert Notification.objects.count() == 1


def test_a_bulk_approval_whose_last_answer_fails_is_not_fully_approved(
    edition, city, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    # given: the last answer lacks its required evidence
    answers = [submitted(edition, city, key) for key in KEYS if key != "busse"]
    incomplete = submitted(edition, city, "busse", evidence_url="")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved, failed = services.answers_approve(user=reviewer, answers=[*answers, incomplete])

    # then
    assert (len(approved), [a.pk for a, _ in failed]) == (4, [incomplete.pk])
    assert Answer.objects.get(pk=incomplete.pk).status == Status.SUBMITTED
    assert (Notification.objects.count(), mailoutbox) == (0, [])


@pytest.mark.parametrize("signed_off, mails", [(True, 1), (False, 0)])
def test_a_partly_answered_questionnaire_is_fully_approved_only_when_signed_off(
    edition, city, staff, reviewer, mailoutbox, django_capture_on_commit_callbacks, signed_off, mails
):
    # given: two of five parameters answered
    if signed_off:
        Participation.objects.filter(edition=edition, city=city).update(signed_off_at=timezone.now())
    answers = [submitted(edition, city, key) for key in ("busse", "wartezeit")]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.answers_approve(user=reviewer, answers=answers)

    # then
    assert [m.subject for m in mailoutbox] == [
        f"Smart City Index 2030 – {city.name}: Fragebogen vollständig freigegeben"
    ] * mails


# --- Sending: failures, retries, outages -------------------------------------------------------


def test_a_failing_mail_server_keeps_the_decision_and_retries_later(
    edition, city, staff, reviewer, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    settings.EMAIL_BACKEND = FAILING
    answer = submitted(edition, city)
    before = timezone.now()

    # when
    send_back(reviewer, answer, "Quelle fehlt.", django_capture_on_commit_callbacks)

    # then: the decision stands, the notification waits with its error
    assert Answer.objects.get(pk=answer.pk).status == Status.CHANGES_REQUESTED
    row = Notification.objects.get()
    assert (row.sent_at, row.attempts, row.last_error) == (None, 1, "SMTPException: 421 service not available")
    assert before + timedelta(minutes=1) <= row.next_attempt_at <= timezone.now() + timedelta(minutes=1)
    assert mailoutbox == []

    # when: the server is back, but the retry is not due yet
    settings.EMAIL_BACKEND = LOCMEM
    assert notifications_send() == {"sent": 0, "failed": 0, "rows": 0}

    # when: it is due
    later = timezone.now() + timedelta(minutes=2)
    assert notifications_send(now=later) == {"sent": 1, "failed": 0, "rows": 1}

    # then
    row.refresh_from_db()
    assert (row.sent_at, row.last_error) == (later, "")
    assert [(m.to, "Begründung: Quelle fehlt." in m.body) for m in mailoutbox] == [([staff.email], True)]


def test_retries_back_off_and_stop_at_the_maximum(edition, city, staff, reviewer, settings, caplog, mailoutbox):
    # given: a pending notification and a mail server that stays down
    settings.EMAIL_BACKEND = FAILING
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    services.answer_request_changes(user=reviewer, answer=submitted(edition, city), reason="Quelle fehlt.")
    now = timezone.now()

    # when: every run at the moment the row is due
    delays, results = [], []
    for _ in range(5):
        results.append(notifications_send(now=now))
        row = Notification.objects.get()
        delays.append(row.next_attempt_at - now)
        now = max(now, row.next_attempt_at)

    # then: 1 and 2 minutes between attempts, none after the third
    assert [r["failed"] for r in results] == [1, 1, 1, 0, 0]
    assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert (row.sent_at, row.attempts, row.last_error) == (None, 3, "SMTPException: 421 service not available")
    given_up = [r for r in caplog.records if r.levelno == logging.ERROR and "giving up" in r.getMessage()]
    assert len(given_up) == 1
    assert mailoutbox == []


def test_backoff_is_capped_at_an_hour(edition, city, staff, reviewer, settings):
    settings.EMAIL_BACKEND = FAILING
    services.answer_request_changes(user=reviewer, answer=submitted(edition, city), reason="Quelle fehlt.")
    Notification.objects.update(attempts=6)
    now = timezone.now()

    notifications_send(now=now)

    row = Notification.objects.get()
    assert (row.attempts, row.next_attempt_at - now) == (7, timedelta(minutes=60))


def test_a_recipient_deactivated_before_sending_is_given_up_with_the_reason(
    edition, city, staff, reviewer, settings, mailoutbox
):
    services.answer_request_changes(user=reviewer, answer=submitted(edition, city), reason="Quelle fehlt.")
    staff.is_active = False
    staff.save()

    assert notifications_send() == {"sent": 0, "failed": 1, "rows": 1}

    row = Notification.objects.get()
    assert (row.sent_at, row.attempts, row.last_error) == (
        None,
        8,
        "Empfänger ist inaktiv oder hat keine E-Mail-Adresse.",
    )
    assert mailoutbox == []


def test_a_broker_outage_never_fails_the_decision_and_the_beat_task_catches_up(
    edition, city, staff, reviewer, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.notifications_send_task, "apply_async", broker_down)
    answer = submitted(edition, city)

    # when
    send_back(reviewer, answer, "Quelle fehlt.", django_capture_on_commit_callbacks)

    # then: the decision stands, the mail waits
    assert Answer.objects.get(pk=answer.pk).status == Status.CHANGES_REQUESTED
    assert (Notification.objects.get().sent_at, mailoutbox) == (None, [])

    # when: the periodic task runs
    assert tasks.notifications_send_task.run() == {"sent": 1, "failed": 0, "rows": 1}

    # then
    assert [m.to for m in mailoutbox] == [[staff.email]]


def test_an_eagerly_run_send_that_crashes_never_fails_the_decision(
    edition, city, staff, reviewer, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    def crash(**kwargs):
        raise RuntimeError("bug in the sender")

    monkeypatch.setattr(tasks, "notifications_send", crash)
    answer = submitted(edition, city)

    send_back(reviewer, answer, "Quelle fehlt.", django_capture_on_commit_callbacks)

    assert Answer.objects.get(pk=answer.pk).status == Status.CHANGES_REQUESTED
    assert (Notification.objects.get().sent_at, mailoutbox) == (None, [])


def test_a_burst_of_requests_enqueues_one_send(monkeypatch, db):
    sent = []
    monkeypatch.setattr(tasks.notifications_send_task, "apply_async", lambda args: sent.append(args))

    assert [notifications_send_enqueue() for _ in range(3)] == [True, False, False]
    tasks.notifications_send_task.run()
    assert notifications_send_enqueue() is True
    assert sent == [(), ()]


def test_sending_is_idempotent_and_has_no_n_plus_one(
    edition, city, staff, coordinator, reviewer, mailoutbox, django_assert_max_num_queries
):
    # given: five members, five answers sent back, on-commit work not run
    members = [staff, coordinator, *UserFactory.create_batch(3, cities=[city])]
    answers = [submitted(edition, city, key) for key in KEYS]
    services.answers_request_changes(user=reviewer, answers=answers, reason="Bitte prüfen.")

    # when
    with django_assert_max_num_queries(10):  # claim (4), load (1), mark each mail sent (5)
        first = notifications_send()
    second = notifications_send()

    # then
    assert first == {"sent": 5, "failed": 0, "rows": 25}
    assert second == {"sent": 0, "failed": 0, "rows": 0}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.email for m in members)
    assert all(m.body.count("Begründung: Bitte prüfen.") == 5 for m in mailoutbox)


# --- At most once per group: a stable Message-ID, claimed before sending (issue 15, item 5) ------


class RecordingFailingBackend(BaseEmailBackend):
    """A mail server that refuses every message, after noting the Message-ID it was offered."""

    offered: list[str] = []

    def send_messages(self, email_messages):
        RecordingFailingBackend.offered += [message.message()["Message-ID"] for message in email_messages]
        raise smtplib.SMTPException("421 service not available")


def test_a_retried_mail_carries_the_message_id_of_its_first_attempt(
    edition, city, staff, reviewer, settings, mailoutbox
):
    # given: two answers sent back to the one member; the first attempt fails
    settings.EMAIL_BACKEND = "tests.indicators.test_notifications.RecordingFailingBackend"
    RecordingFailingBackend.offered = []
    answers = [submitted(edition, city, key) for key in ("wartezeit", "busse")]
    services.answers_request_changes(user=reviewer, answers=answers, reason="Quelle fehlt.")
    assert notifications_send() == {"sent": 0, "failed": 1, "rows": 2}

    # when: the retry, once it is due
    settings.EMAIL_BACKEND = LOCMEM
    assert notifications_send(now=timezone.now() + timedelta(minutes=2)) == {"sent": 1, "failed": 0, "rows": 2}

    # then: the same Message-ID, derived from the group's rows and the site's domain
    (message,) = mailoutbox
    message_id = message.message()["Message-ID"]
    assert RecordingFailingBackend.offered == [message_id]
    ids = sorted(Notification.objects.values_list("pk", flat=True))
    assert re.fullmatch(rf"<notification\.{ids[0]}\.[0-9a-f]{{32}}@index\.example\.org>", message_id)


def test_a_mail_sent_again_after_a_worker_died_carries_the_same_message_id(edition, city, staff, reviewer, mailoutbox):
    # given: a mail went out, but the worker died before it marked the rows sent; the lease has passed
    services.answer_request_changes(user=reviewer, answer=submitted(edition, city), reason="Quelle fehlt.")
    assert notifications_send()["sent"] == 1
    Notification.objects.update(sent_at=None)
    later = timezone.now() + outbox.CLAIM_LEASE + timedelta(seconds=1)

    # when
    assert notifications_send(now=later) == {"sent": 1, "failed": 0, "rows": 1}

    # then: the receiving side can tell the second copy for what it is
    first, second = mailoutbox
    assert first.message()["Message-ID"] == second.message()["Message-ID"]


def test_different_groups_get_different_message_ids(edition, city, staff, coordinator, reviewer, mailoutbox):
    services.answer_request_changes(user=reviewer, answer=submitted(edition, city), reason="Quelle fehlt.")

    assert notifications_send()["sent"] == 2

    assert len({message.message()["Message-ID"] for message in mailoutbox}) == 2


class ReenteringBackend(BaseEmailBackend):
    """While a mail is being sent, a parallel run of the send starts (what a second worker would do)."""

    parallel_runs: list[dict] = []

    def send_messages(self, email_messages):
        ReenteringBackend.parallel_runs.append(notifications_send())
        return len(email_messages)


def test_a_run_during_the_lease_of_another_sends_nothing(edition, city, staff, reviewer, settings):
    # given
    settings.EMAIL_BACKEND = "tests.indicators.test_notifications.ReenteringBackend"
    ReenteringBackend.parallel_runs = []
    services.answer_request_changes(user=reviewer, answer=submitted(edition, city), reason="Quelle fehlt.")

    # when: a run claims the row and, while it sends, another run starts
    result = notifications_send()

    # then: the claim was written before the send, so the parallel run found nothing to send
    assert result == {"sent": 1, "failed": 0, "rows": 1}
    assert ReenteringBackend.parallel_runs == [{"sent": 0, "failed": 0, "rows": 0}]
    assert Notification.objects.get().sent_at is not None


# --- Admin -------------------------------------------------------------------------------------


def test_the_outbox_admin_lists_notifications_and_allows_no_changes(
    admin_login, edition, city, staff, reviewer, settings
):
    # given
    settings.EMAIL_BACKEND = FAILING
    services.answer_request_changes(user=reviewer, answer=submitted(edition, city), reason="Quelle fehlt.")
    notifications_send()
    row = Notification.objects.get()
    client = admin_login(UserFactory(is_superuser=True))

    # when / then
    listing = client.get("/admin/indicators/notification/?sent_at__isempty=1")
    assert listing.status_code == 200
    content = listing.content.decode()
    assert staff.username in content and "SMTPException: 421 service not available" in content
    assert client.get("/admin/indicators/notification/add/").status_code == 403
    change = client.get(f"/admin/indicators/notification/{row.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.post(f"/admin/indicators/notification/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Notification.objects.filter(pk=row.pk).exists()
