"""The recompute task: coalescing bursts, idempotence, surviving a broker outage, reconcile."""

import pytest
from django.test import override_settings

from indicators.models import Answer, Edition
from indicators.services import answer_approve, scores_recompute_enqueue
from scoring import tasks
from scoring.models import ScoreRun
from tests import factories
from tests.scoring.test_services import answer_all


@pytest.fixture
def submitted(edition):
    answer_all(edition, status=Answer.Status.SUBMITTED)
    return edition


def test_a_burst_of_approvals_enqueues_one_recompute(
    submitted, reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    # given: a broker that records what it is sent instead of running it
    sent = []
    monkeypatch.setattr(
        tasks.scores_recompute_task, "apply_async", lambda args, countdown: sent.append((args, countdown))
    )
    answers = list(Answer.objects.filter(edition=submitted))
    assert len(answers) == 25

    # when: 25 approvals, each in its own transaction
    for answer in answers:
        with django_capture_on_commit_callbacks(execute=True):
            answer_approve(user=reviewer, answer=answer)

    # then
    assert sent == [((submitted.pk,), 2)]
    assert Answer.objects.filter(edition=submitted, status=Answer.Status.APPROVED).count() == 25


def test_the_task_clears_the_pending_flag_so_later_changes_enqueue_again(submitted, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.scores_recompute_task, "apply_async", lambda args, countdown: sent.append(args))
    assert scores_recompute_enqueue(submitted.pk) is True
    assert scores_recompute_enqueue(submitted.pk) is False

    tasks.scores_recompute_task.run(submitted.pk)

    assert scores_recompute_enqueue(submitted.pk) is True
    assert sent == [(submitted.pk,), (submitted.pk,)]


def test_approval_runs_the_recompute_after_commit(submitted, reviewer, django_capture_on_commit_callbacks):
    # given
    answer = Answer.objects.filter(edition=submitted).first()

    # when (Celery is eager outside the stack tier)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer_approve(user=reviewer, answer=answer)

    # then: the approval's callbacks refreshed the review flags and recomputed; the new run's own callback
    # requested its analysis
    assert [callback.__qualname__.split(".")[0] for callback in callbacks] == [
        "review_flags_refresh_later",
        "notify_approved_data_changed",
        "scores_recompute",
    ]
    run = ScoreRun.objects.get(edition=submitted)
    assert run.approved_answer_count == 1
    assert run.uncertainty.ranks.count() == 5


def test_the_same_task_delivered_twice_gives_one_run(submitted):
    Answer.objects.filter(edition=submitted).update(status=Answer.Status.APPROVED)

    first = tasks.scores_recompute_task.run(submitted.pk)
    second = tasks.scores_recompute_task.run(submitted.pk)

    assert first["created"] is True and second["created"] is False
    assert first["run"] == second["run"]
    assert ScoreRun.objects.filter(edition=submitted).count() == 1


def test_a_task_for_a_deleted_edition_does_nothing(db):
    assert tasks.scores_recompute_task.run(999_999) == {"edition": 999_999, "run": None, "created": False}


def test_a_broker_outage_never_fails_the_decision(submitted, reviewer, monkeypatch, django_capture_on_commit_callbacks):
    # given
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.scores_recompute_task, "apply_async", broker_down)
    answer = Answer.objects.filter(edition=submitted).first()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        answer_approve(user=reviewer, answer=answer)

    # then: the approval stands, the flag is cleared, and reconcile catches up
    assert Answer.objects.get(pk=answer.pk).status == Answer.Status.APPROVED
    assert not ScoreRun.objects.exists()
    assert tasks.scores_reconcile() == [submitted.year]
    assert ScoreRun.objects.get(edition=submitted).approved_answer_count == 1


def test_reconcile_skips_published_and_unchanged_editions(submitted, editor):
    Answer.objects.filter(edition=submitted).update(status=Answer.Status.APPROVED)
    published = factories.small_edition(cities=2, year=2050, phase=Edition.Phase.PUBLISHED)

    assert tasks.scores_reconcile() == [submitted.year]
    assert tasks.scores_reconcile() == []
    assert not ScoreRun.objects.filter(edition=published).exists()


@override_settings(SCORES_RECOMPUTE_DELAY_SECONDS=7)
def test_the_delay_setting_is_the_countdown(submitted, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.scores_recompute_task, "apply_async", lambda args, countdown: sent.append(countdown))
    scores_recompute_enqueue(submitted.pk)
    assert sent == [7]
