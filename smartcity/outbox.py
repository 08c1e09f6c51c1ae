"""The outbox rows' shared mechanics (e-mail notifications, webhook deliveries): claiming the due rows so that
parallel runs never send one twice, and the backoff after a failed attempt.

An outbox row is written in the transaction of its cause and sent by a task; it has `attempts`,
`next_attempt_at` and a field that is set once it is done (`sent_at`, `delivered_at`). Infrastructure:
it takes the queryset and imports no app.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet

# Claimed rows are not due again for this long, so a parallel run never sends them twice; a run that dies
# mid-way leaves its rows to be retried after it. Longer than the sending tasks' time limit (300 s).
CLAIM_LEASE = timedelta(minutes=10)


def claim_due(
    rows: QuerySet, *, done_field: str, max_attempts: int, now: datetime, order_by: tuple[str, ...], limit: int
) -> list[int]:
    """The ids of up to `limit` rows that are due (not done, `next_attempt_at` reached, attempts left), in
    `order_by`, claimed for CLAIM_LEASE: rows another run holds locked are skipped, and the claimed ones are
    not due again until the lease ends (a successful send marks them done before)."""
    with transaction.atomic():
        ids = list(
            rows.select_for_update(skip_locked=True)
            .filter(**{f"{done_field}__isnull": True}, next_attempt_at__lte=now, attempts__lt=max_attempts)
            .order_by(*order_by)
            .values_list("pk", flat=True)[:limit]
        )
        rows.filter(pk__in=ids).update(next_attempt_at=now + CLAIM_LEASE)
    return ids


def backoff(attempts: int, *, first: timedelta, cap: timedelta) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: first, twice that, four times, ..., at most cap."""
    return min(first * 2 ** (attempts - 1), cap)
