"""The one lock order (ARCHITECTURE.md, "Lock order") on PostgreSQL: two services that lock the same rows,
each on its own connection, wait for each other instead of deadlocking.

Deterministic: the bulk review holds its first locks and pauses until the other service's connection is
seen waiting for a lock (pg_stat_activity); only then does the bulk go on to the shared answer. With the
old order (answer before edition) the other service held that answer and waited for the edition: a cycle
that PostgreSQL breaks with DeadlockDetected. Every wait is bounded (events, lock_timeout, thread joins)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from indicators.models import Answer
from indicators.services import AnswerInput, answer_save, answer_submit, answers_approve, review
from tests.factories import UserFactory, cities_of, parameter, small_edition
from tests.stack.processes import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 20


def _bounded_connection() -> int:
    """This thread's connection, with waits for a lock bounded; returns its backend's pid."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '20s'")
        cursor.execute("SET statement_timeout = '30s'")
    return connection.connection.info.backend_pid


def _waits_for_a_lock(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _in_thread(call, outcome: dict, ready: threading.Event | None = None):
    def run():
        try:
            outcome["pid"] = _bounded_connection()
            if ready is not None:
                ready.set()
            outcome["result"] = call()
        except Exception as error:  # the test inspects it
            outcome["error"] = error
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.fixture
def answers(stack):
    """In a collecting edition, one city's submitted answer (to approve) and a complete draft (to submit or save)."""
    edition = small_edition(cities=2)
    city = cities_of(edition)[0]
    submitted = Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=Decimal(40),
        evidence_url="https://example.org/b.pdf",
        status=Answer.Status.SUBMITTED,
    )
    draft = Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "wartezeit"),
        value_number=Decimal(12),
        evidence_url="https://example.org/w.pdf",
        status=Answer.Status.DRAFT,
    )
    return submitted, draft


def _submit(staff, draft):
    return answer_submit(user=staff, answer=draft)


def _save(staff, draft):
    data = AnswerInput(value="15", evidence_url="https://example.org/w.pdf")
    return answer_save(user=staff, city=draft.city, parameter=draft.parameter, data=data)


@pytest.mark.parametrize(
    ("city_write", "status", "value"),
    [(_submit, Answer.Status.SUBMITTED, Decimal(12)), (_save, Answer.Status.DRAFT, Decimal(15))],
    ids=["submit", "save"],
)
def test_a_bulk_approval_and_a_city_write_to_one_of_its_answers_wait_for_each_other_without_deadlock(
    answers, monkeypatch, city_write, status, value
):
    # given: a reviewer bulk-approving both answers, paused after the first one (holding its locks)
    submitted, draft = answers
    reviewer = UserFactory(groups=["reviewers"])
    staff = UserFactory(cities=[submitted.city])
    first_done, go_on = threading.Event(), threading.Event()
    approve = review.answer_approve

    def approve_then_pause(**kwargs):
        result = approve(**kwargs)
        if not first_done.is_set():
            first_done.set()
            assert go_on.wait(WAIT_SECONDS), "the test did not let the bulk go on"
        return result

    monkeypatch.setattr(review, "answer_approve", approve_then_pause)
    bulk, city = {}, {}
    bulk_thread = _in_thread(lambda: answers_approve(user=reviewer, answers=[submitted, draft]), bulk)
    bulk_thread.start()
    assert first_done.wait(WAIT_SECONDS), f"the bulk approval did not start: {bulk}"

    # when: the city writes the draft meanwhile; once its connection waits for a lock, the bulk goes on
    city_ready = threading.Event()
    city_thread = _in_thread(lambda: city_write(staff, draft), city, city_ready)
    city_thread.start()
    assert city_ready.wait(WAIT_SECONDS), f"the city's connection did not open: {city}"
    try:
        wait_for(
            lambda: _waits_for_a_lock(city["pid"]) or "error" in city or "result" in city,
            seconds=WAIT_SECONDS,
            message="the city's write neither waited for a lock nor finished",
            interval=0.05,
        )
    finally:
        go_on.set()
        bulk_thread.join(timeout=60)
        city_thread.join(timeout=60)
    assert not bulk_thread.is_alive() and not city_thread.is_alive(), "a transaction hung"

    # then: no deadlock; the bulk approved the first answer and refused the draft; the city's write went
    # through after the bulk committed
    assert "error" not in bulk, repr(bulk.get("error"))
    assert "error" not in city, repr(city.get("error"))
    done, failed = bulk["result"]
    assert [answer.pk for answer in done] == [submitted.pk]
    assert [(answer.pk, reason) for answer, reason in failed] == [
        (draft.pk, "Eine Antwort im Status „Entwurf“ kann nicht in den Status „freigegeben“ wechseln.")
    ]
    assert Answer.objects.get(pk=submitted.pk).status == Answer.Status.APPROVED
    stored = Answer.objects.get(pk=draft.pk)
    assert (stored.status, stored.value_number, stored.version) == (status, value, draft.version + 1)
