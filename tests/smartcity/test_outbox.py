"""smartcity.outbox: the claim of due rows and the backoff, shared by notifications and webhook deliveries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from indicators.models import Notification
from smartcity import outbox


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (1, timedelta(seconds=30)),
        (2, timedelta(minutes=1)),
        (3, timedelta(minutes=2)),
        (8, timedelta(minutes=64)),
        (9, timedelta(hours=1)),
    ],
)
def test_the_wait_doubles_after_each_failure_up_to_the_cap(attempts, wait):
    assert outbox.backoff(attempts, first=timedelta(seconds=30), cap=timedelta(hours=1)) == min(
        wait, timedelta(hours=1)
    )


@pytest.fixture
def rows(edition, city, staff):
    now = timezone.now()

    def row(**fields):
        return Notification.objects.create(
            kind=Notification.Kind.SENT_BACK, recipient=staff, edition=edition, city=city, **fields
        )

    return {
        "due": row(next_attempt_at=now - timedelta(minutes=1)),
        "later": row(next_attempt_at=now + timedelta(minutes=5)),
        "sent": row(next_attempt_at=now - timedelta(minutes=1), sent_at=now),
        "spent": row(next_attempt_at=now - timedelta(minutes=1), attempts=5),
        "due_too": row(next_attempt_at=now - timedelta(minutes=2)),
    }


def claim(now, limit=10):
    return outbox.claim_due(
        Notification.objects.all(), done_field="sent_at", max_attempts=5, now=now, order_by=("id",), limit=limit
    )


def test_only_due_rows_with_attempts_left_are_claimed_in_order_and_not_twice(rows):
    # given
    now = timezone.now()

    # when two runs claim one after the other
    first, second = claim(now), claim(now)

    # then
    assert first == [rows["due"].pk, rows["due_too"].pk]
    assert second == []
    leased = Notification.objects.get(pk=rows["due"].pk).next_attempt_at
    assert leased == now + outbox.CLAIM_LEASE


def test_a_claim_takes_at_most_its_limit_and_leaves_the_rest_due(rows):
    now = timezone.now()

    assert claim(now, limit=1) == [rows["due"].pk]
    assert claim(now, limit=1) == [rows["due_too"].pk]


def test_a_claimed_row_is_due_again_once_the_lease_has_passed(rows):
    now = timezone.now()
    claim(now)

    # (by then the row due in five minutes is due too)
    assert claim(now + outbox.CLAIM_LEASE) == [rows["due"].pk, rows["later"].pk, rows["due_too"].pk]
