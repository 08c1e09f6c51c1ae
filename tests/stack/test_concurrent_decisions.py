"""Two reviewers deciding the same answer at the same moment, on PostgreSQL: one wins, the other is told."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from indicators.models import Answer
from indicators.services import ConflictError, answer_approve, answer_request_changes, review
from indicators.workflow import WorkflowError
from tests.factories import UserFactory, cities_of, parameter, small_edition

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Run each call in its own thread (own database connection), started at once; returns outcomes in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except Exception as error:  # the test inspects every outcome
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a decision hung"
    return outcomes


@pytest.fixture
def submitted(stack):
    edition = small_edition(cities=2)
    return Answer.objects.create(
        edition=edition,
        city=cities_of(edition)[0],
        parameter=parameter(edition, "busse"),
        value_number=Decimal(40),
        evidence_url="https://example.org/b.pdf",
        status=Answer.Status.SUBMITTED,
    )


@pytest.fixture
def slow_decisions(monkeypatch):
    """Each decision pauses after taking its row lock, so without the lock both would read "submitted"."""
    check = review._check_may_review

    def slow_check(**kwargs):
        check(**kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(review, "_check_may_review", slow_check)


@pytest.mark.parametrize("with_version", [True, False], ids=["same-version", "no-version"])
def test_approve_and_send_back_at_once_one_wins_and_the_other_gets_a_clear_error(
    submitted, slow_decisions, with_version
):
    # given: two reviewers of other cities looking at version 1
    alice, bob = UserFactory(groups=["reviewers"]), UserFactory(groups=["reviewers"])
    version = submitted.version if with_version else None

    # when
    outcomes = run_together(
        lambda: answer_approve(user=alice, answer=submitted, expected_version=version),
        lambda: answer_request_changes(user=bob, answer=submitted, reason="Nachweis fehlt", expected_version=version),
    )

    # then: exactly one decision went through; the other failed with a message and wrote nothing
    kinds = [kind for kind, _ in outcomes]
    assert sorted(kinds) == ["error", "ok"]
    winner = kinds.index("ok")
    error = outcomes[1 - winner][1]
    assert isinstance(error, ConflictError if with_version else WorkflowError)
    expected_text = (
        "Die Antwort wurde inzwischen von jemand anderem geändert." if with_version else "kann nicht in den Status"
    )
    assert expected_text in " ".join(getattr(error, "messages", [str(error)]))
    answer = Answer.objects.get(pk=submitted.pk)
    assert answer.status == ("approved" if winner == 0 else "changes_requested")
    assert answer.reviewed_by == (alice if winner == 0 else bob)
    assert answer.version == 2
    decisions = answer.history.exclude(status="submitted")
    assert decisions.count() == 1
    assert decisions.get().history_user == (alice if winner == 0 else bob)


def test_two_approvals_at_once_approve_once(submitted, slow_decisions):
    alice, bob = UserFactory(groups=["reviewers"]), UserFactory(groups=["reviewers"])

    outcomes = run_together(
        lambda: answer_approve(user=alice, answer=submitted),
        lambda: answer_approve(user=bob, answer=submitted),
    )

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    answer = Answer.objects.get(pk=submitted.pk)
    assert (answer.status, answer.version) == ("approved", 2)
    assert answer.history.filter(status="approved").count() == 1
