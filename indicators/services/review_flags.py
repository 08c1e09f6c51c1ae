"""The stored review flags: written from the one rule (indicators.selectors.review_flags) into the answers'
flag columns, for the parameters (or whole editions) whose inputs changed.

When: every service that changes what a flag reads calls `review_flags_refresh_later` in its transaction:
an answer's value, Stand, evidence or status (answers, evidence, official, research, checks, review), an open
or decided objection (checks), a parameter's settings or an edition's reference date (editions), population
figures (population). An approved answer is also "last edition's answer" of the later editions, so a change
of approval refreshes the same parameter key there too (`following`).

How: after commit, as one coalesced task per (edition, parameter, following) (smartcity.task_queue), not
in the writer's transaction. Outlier flags are field-relative, so one answer's change means recomputing
the whole parameter (82 answers, 1,000 at the scale check: about 6 queries and one bulk update). Doing that
inside the autosave would hold the answer's row lock longer and add those queries to every save of a
questionnaire row (the autosave's budget is 12); a burst of saves to one parameter becomes one refresh, and the
flags are hints for the reviewer, where a few seconds of delay do no harm. A lost task (broker down) is caught
up by `manage.py review_flags_refresh`, which also fills the flags of existing answers.

Derived data: no acting user and no audit record (the flags are not part of the answer's history); the
refresh writes only the rows whose flags changed and is safe to run twice.
"""

from django.db import transaction

from indicators.models import ANSWER_FLAG_FIELDS, Answer, Edition, Parameter
from indicators.selectors.review_flags import answer_reviews_with_answers
from smartcity import task_queue

REVIEW_FLAGS_REFRESH_TASK = "indicators.tasks.review_flags_refresh_task"


def _store(answers) -> int:
    """Compute the answers' flags by the rule and write those that changed; returns how many changed."""
    stored, reviews = answer_reviews_with_answers(answers)
    changed = []
    for answer in stored:
        flags = reviews[answer.pk].flags
        values = {column: code in flags for code, column in ANSWER_FLAG_FIELDS.items()}
        if any(getattr(answer, column) != value for column, value in values.items()):
            for column, value in values.items():
                setattr(answer, column, value)
            changed.append(answer)
    # bulk_update, not save(): no updated_at, version or history change (the answer itself did not change)
    Answer.objects.bulk_update(changed, list(ANSWER_FLAG_FIELDS.values()), batch_size=500)
    return len(changed)


@transaction.atomic
def review_flags_refresh(*, edition_id: int, parameter_id: int | None = None, following: bool = False) -> int:
    """Recompute the flags of the answers to the parameter (a parameter belongs to one edition; all the
    edition's parameters without one) and store the changed ones; with `following` the same for the same
    parameter key (or all parameters) of every later edition. Returns how many answers' flags changed.

    Queries per parameter: the rule's (at most 6) and one update per 500 changes. A whole edition is
    refreshed parameter by parameter, so memory holds one parameter's answers at a time."""
    editions = Edition.objects.filter(pk=edition_id)
    if following:
        year = Edition.objects.filter(pk=edition_id).values_list("year", flat=True).first()
        editions = Edition.objects.filter(year__gte=year) if year is not None else Edition.objects.none()
    if parameter_id and not following:
        return _store(Answer.objects.filter(parameter_id=parameter_id))
    if parameter_id:
        key = Parameter.objects.filter(pk=parameter_id).values_list("key", flat=True).first() or ""
        return _store(Answer.objects.filter(edition__in=editions, parameter__key=key))
    parameters = list(
        Parameter.objects.filter(indicator__domain__edition__in=editions).order_by("pk").values_list("pk", flat=True)
    )
    return sum(_store(Answer.objects.filter(parameter_id=pk)) for pk in parameters)


def review_flags_refresh_all() -> int:
    """Recompute and store the flags of every answer, edition by edition (the management command)."""
    return sum(
        review_flags_refresh(edition_id=edition_id)
        for edition_id in Edition.objects.order_by("year").values_list("pk", flat=True)
    )


def review_flags_refresh_later(edition_id: int, *, parameter_id: int | None = None, following: bool = False) -> None:
    """Request the refresh after the current transaction commits, coalesced with the same requests (see the
    module docstring for why not in the transaction itself)."""
    args = (edition_id, parameter_id or 0, following)
    connection = transaction.get_connection()
    # Once per transaction: a bulk approval of one parameter's answers asks once, not once per answer (with
    # eager Celery every request would run). The pending callbacks are Django's own list, so a rolled back
    # request is gone from it too; one that already ran (tests run callbacks without committing) counts not.
    for _ids, callback, *_ in connection.run_on_commit:
        if getattr(callback, "review_flags_args", None) == args and not callback.ran:
            return

    def request() -> None:
        request.ran = True
        task_queue.request(
            REVIEW_FLAGS_REFRESH_TASK,
            args,
            coalesce=True,
            description=f"the review flags of edition {edition_id} parameter {parameter_id or '(all)'}",
        )

    request.review_flags_args, request.ran = args, False
    transaction.on_commit(request)


def answer_flags_changed(answer: Answer, *, approval_changed: bool = False) -> None:
    """An answer changed (value, Stand, evidence, objection or status): refresh its parameter's flags after
    commit; with `approval_changed` (it became or stopped being approved) also the later editions' jumps."""
    review_flags_refresh_later(answer.edition_id, parameter_id=answer.parameter_id, following=approval_changed)
