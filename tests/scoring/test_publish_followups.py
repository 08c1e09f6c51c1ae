"""A publish's follow-ups are durable: when its after-commit work is lost (process killed after the commit,
broker or cache down), beat's reconcile requests the published run's analysis and clears the public page
cache, whose generation carries the fingerprint of the published data it was cleared for."""

import pytest
from django.core.cache import cache

from scoring import tasks
from scoring.models import UncertaintyAnalysis
from scoring.services import published_fingerprint
from smartcity import page_cache
from smartcity.page_cache import GENERATION_KEY, page_cache_clear, page_cache_marker
from tests.scoring.test_services import answer_all, publish


@pytest.fixture
def published_without_followups(edition, editor, settings):
    """A published edition whose publish committed but whose after-commit work never ran (in a test's
    transaction on-commit callbacks do not run: as if the process died right after the commit)."""
    settings.UNCERTAINTY_DRAWS = 100
    answer_all(edition)
    page_cache_clear()  # the cache's generation before the publish: public pages of that time are stored under it
    before = cache.get(GENERATION_KEY)
    run = publish(edition, editor)
    assert not UncertaintyAnalysis.objects.filter(run=run).exists()
    assert cache.get(GENERATION_KEY) == before
    return run, before


def test_reconcile_analyses_a_published_run_left_without_its_analysis(
    published_without_followups, django_capture_on_commit_callbacks
):
    # given
    run, _before = published_without_followups

    # when (Celery is eager outside the stack tier)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.scores_reconcile() == []

    # then
    assert UncertaintyAnalysis.objects.get(run=run).draws == 100
    assert UncertaintyAnalysis.objects.get(run=run).ranks.count() == 5


def test_reconcile_clears_a_public_cache_that_lags_behind_a_publish_and_then_leaves_it(
    published_without_followups, monkeypatch
):
    # given: the analysis is not the point here (its own clear is tested below)
    monkeypatch.setattr(tasks, "uncertainty_analyse_enqueue", lambda run_id: False)
    _run, before = published_without_followups

    # when
    tasks.scores_reconcile()

    # then: a new generation, marked with what is published now; a second reconcile leaves it
    after = cache.get(GENERATION_KEY)
    assert after != before
    assert page_cache_marker() == published_fingerprint() != ""
    tasks.scores_reconcile()
    assert cache.get(GENERATION_KEY) == after


def test_a_publish_whose_follow_ups_ran_leaves_nothing_for_the_reconcile(
    edition, editor, settings, django_capture_on_commit_callbacks
):
    # given: a publish whose after-commit work ran (the analysis, and the cache cleared twice: publish, analysis)
    settings.UNCERTAINTY_DRAWS = 100
    answer_all(edition)
    with django_capture_on_commit_callbacks(execute=True):
        run = publish(edition, editor)
    assert UncertaintyAnalysis.objects.filter(run=run).exists()
    generation = cache.get(GENERATION_KEY)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.scores_reconcile()

    # then: nothing requested, the cache untouched
    assert callbacks == []
    assert cache.get(GENERATION_KEY) == generation
    assert page_cache_marker() == published_fingerprint()


def test_the_fingerprint_changes_with_a_publish_and_with_the_analysis_of_a_published_run(
    published_without_followups,
):
    # given
    run, _before = published_without_followups
    published = published_fingerprint()

    # when
    tasks.uncertainty_analyse_task.run(run.pk)

    # then
    assert published != "" and published_fingerprint() not in ("", published)


def test_a_marker_survives_in_the_generation_and_a_plain_clear_has_none(db):
    page_cache_clear(marker="abc123")
    assert page_cache_marker() == "abc123"
    assert cache.get(GENERATION_KEY).startswith("abc123.")

    page_cache_clear()
    assert page_cache_marker() == ""

    cache.delete(GENERATION_KEY)
    assert page_cache_marker() == ""


def test_a_cache_that_cannot_be_read_has_no_marker_and_the_reconcile_leaves_it(
    published_without_followups, monkeypatch
):
    # given
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks, "uncertainty_analyse_enqueue", lambda run_id: False)
    monkeypatch.setattr(page_cache.cache, "get", down)
    monkeypatch.setattr(page_cache.cache, "set", down)

    # when / then: no error; nothing to compare with
    assert page_cache_marker() is None
    assert tasks.scores_reconcile() == []
