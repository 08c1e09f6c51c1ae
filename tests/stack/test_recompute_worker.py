"""A reviewer's approval in PostgreSQL reaches a real Celery worker over Redis and changes the ranking."""

import pytest
from django.core.cache import cache

from indicators.models import Answer
from indicators.services import SCORES_RECOMPUTE_TASK, answer_approve
from scoring.models import CityScore, ScoreRun
from scoring.services import current_run
from smartcity import task_queue
from tests import factories
from tests.scoring.test_services import answer_all
from tests.stack.processes import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def test_an_approval_is_recomputed_by_the_worker_and_changes_the_ranking(celery_worker_process, reviewer):
    # given: every answer approved except one city's yes/no answer, which is still "no" and submitted
    edition = factories.small_edition(cities=4)
    answer_all(edition)
    answer = Answer.objects.filter(edition=edition, parameter__key="online-termine").order_by("city_id").first()
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.SUBMITTED, value_bool=True)
    before_count = Answer.objects.filter(edition=edition, status=Answer.Status.APPROVED).count()

    # when
    answer_approve(user=reviewer, answer=answer)

    # then: the worker produced a run that includes the approval
    run = wait_for(
        lambda: ScoreRun.objects.filter(edition=edition, approved_answer_count=before_count + 1).first(),
        seconds=60,
        message="the worker did not recompute within 60 s",
    )
    assert current_run(edition).pk == run.pk
    assert CityScore.objects.filter(run=run).count() == 4
    assert sorted(CityScore.objects.filter(run=run).values_list("rank", flat=True))[0] == 1


def test_a_burst_of_100_approvals_leads_to_a_few_recomputes(celery_worker_process, reviewer):
    # given: 20 cities × 5 parameters submitted
    edition = factories.small_edition(cities=20)
    answer_all(edition, status=Answer.Status.SUBMITTED)
    answers = list(Answer.objects.filter(edition=edition))
    assert len(answers) == 100

    # when: 100 approvals, each committed on its own
    for answer in answers:
        answer_approve(user=reviewer, answer=answer)

    # then: the worker catches up with all 100, in far fewer runs
    wait_for(
        lambda: current_run(edition) is not None and current_run(edition).approved_answer_count == 100,
        seconds=90,
        message="the worker did not reach 100 approved answers within 90 s",
    )
    wait_for(
        lambda: cache.get(task_queue.pending_key(SCORES_RECOMPUTE_TASK, (edition.pk,))) is None,
        seconds=30,
        message="a recompute stayed pending",
    )
    runs = ScoreRun.objects.filter(edition=edition).count()
    assert 1 <= runs <= 10, f"{runs} recomputes for 100 approvals"
