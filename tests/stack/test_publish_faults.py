"""A publish whose process dies right after the commit (issue 15, item 2): its after-commit work (the
public page cache clear, the analysis request) never runs, and beat's reconcile catches up with both,
with nobody acting. Real processes (gunicorn, a worker, beat, a Redis of the test's own); every wait bounded."""

import subprocess
import sys

import pytest
import requests
from django.db import connection

from indicators.models import Answer, Edition
from scoring.models import ScoreRun, UncertaintyAnalysis
from scoring.services import scores_recompute
from tests.factories import UserFactory, cities_of, small_edition
from tests.scoring.test_services import answer_all
from tests.stack.conftest import database_url
from tests.stack.processes import ROOT, RedisServer, django_env, start_beat, start_web, start_worker, stop, wait_for
from tests.stack.publish_then_die import DIED_AFTER_COMMIT

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def processes():
    started = []
    yield started
    for process in reversed(started):
        stop(process)
    connection.close()


@pytest.fixture
def redis_server(stack, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_a_publish_killed_right_after_its_commit_gets_its_analysis_and_fresh_public_pages_from_beat(
    redis_server, role_groups, processes, tmp_path
):
    # given: an edition in review with its run (no analysis yet), and the site on a Redis of the test's own
    # whose newest-ranking page is cached from before the publish ("nothing published yet")
    edition = small_edition(cities=3, phase=Edition.Phase.REVIEW)
    answer_all(edition, status=Answer.Status.APPROVED)
    run, created = scores_recompute(edition=edition)
    assert created and not UncertaintyAnalysis.objects.filter(run=run).exists()
    editor = UserFactory(groups=["editors"])
    city = cities_of(edition)[0]
    env = django_env(DATABASE_URL=database_url(), REDIS_URL=redis_server.url(), SCORES_RECONCILE_SECONDS="2")
    web, base = start_web(env, tmp_path / "web.log")
    processes.append(web)

    def ranking():
        response = requests.get(f"{base}/ranking/", timeout=15)
        assert response.status_code == 200
        return response.headers["X-Cache"], city.name in response.text

    assert ranking() == ("miss", False)
    assert ranking() == ("hit", False)

    # when: the editor's process publishes and dies right after the commit
    died = subprocess.run(
        [sys.executable, "-m", "tests.stack.publish_then_die", str(edition.pk), str(editor.pk)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    # then: the publish is committed, but its follow-ups are lost: no analysis, the stale page still served
    assert died.returncode == DIED_AFTER_COMMIT, died.stderr[-3000:]
    edition.refresh_from_db()
    assert edition.phase == Edition.Phase.PUBLISHED
    assert ScoreRun.objects.get(edition=edition, is_published=True) == run
    assert not UncertaintyAnalysis.objects.filter(run=run).exists()
    assert ranking() == ("hit", False)

    # when: a worker and beat run (reconcile every 2 s), and nobody does anything
    processes.append(start_worker(env, tmp_path / "worker.log", name="publish-faults"))
    processes.append(start_beat(env, tmp_path / "beat.log", tmp_path))

    # then: the published run gets its analysis, and the public page shows the published ranking
    analysis = wait_for(
        lambda: UncertaintyAnalysis.objects.filter(run=run).first(),
        seconds=120,
        message="no analysis within 120 s:\n"
        + (tmp_path / "beat.log").read_text()[-1500:]
        + (tmp_path / "worker.log").read_text()[-1500:],
    )
    assert analysis.ranks.count() == 3
    wait_for(
        lambda: ranking()[1],
        seconds=60,
        message="the public ranking still shows the page from before the publish",
    )
