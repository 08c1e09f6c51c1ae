"""Faults with real processes: Redis stopping during an approval, a worker killed mid-recompute, a task
delivered twice, PostgreSQL restarting while the site serves. Each test starts what it needs (its own
Redis, PostgreSQL, gunicorn, workers, beat) and every wait is bounded."""

import re
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client

from indicators.models import Answer, Edition
from scoring.models import CityScore, DomainScore, IndicatorScore, ScoreRun
from scoring.services import current_run, edition_publish, scores_recompute
from scoring.tasks import scores_recompute_task
from smartcity.celery import app as celery_app
from tests.factories import UserFactory, api_token, cities_of, small_edition
from tests.scoring.test_services import answer_all
from tests.stack.conftest import database_url
from tests.stack.processes import (
    PostgresCluster,
    RedisServer,
    django_env,
    start_beat,
    start_web,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's


@pytest.fixture
def processes():
    """Processes a test starts; all stopped at the end, whatever happened."""
    started = []
    yield started
    for process in reversed(started):
        stop(process)
    connection.close()  # a killed worker's connection is gone; make ours fresh before the flush


@pytest.fixture
def redis_server(stack, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def edition_with_first_run(*, submitted: int = 1):
    """A 3-city edition, every answer approved but the first `submitted` ones, and its first score run."""
    edition = small_edition(cities=3)
    answers = sorted(answer_all(edition, status=Answer.Status.APPROVED), key=lambda a: a.pk)
    Answer.objects.filter(pk__in=[a.pk for a in answers[:submitted]]).update(status=Answer.Status.SUBMITTED)
    run, created = scores_recompute(edition=edition)
    assert created
    return edition, run, answers[:submitted]


def rows_of(run: ScoreRun) -> dict:
    """Everything a run shows, to compare before and after a fault."""
    return {
        "cities": sorted(CityScore.objects.filter(run=run).values_list("city_id", "total", "rank")),
        "domains": DomainScore.objects.filter(run=run).count(),
        "indicators": IndicatorScore.objects.filter(run=run).count(),
    }


def publish(task_id: str, edition_id: int, broker_url: str) -> None:
    """Deliver a recompute request to a broker of the test's own (the site would send it after an approval)."""
    with celery_app.connection_for_write(broker_url) as conn:
        scores_recompute_task.apply_async((edition_id,), task_id=task_id, connection=conn)


def log_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": "/admin/"},
        timeout=10,
    )
    assert urlsplit(answer.url).path == "/admin/" and "sessionid" in session.cookies, answer.text[:500]
    return session


def reviewer_for_the_site(username: str):
    """A reviewer whose password the site's own hasher checks (the tests' settings hash with MD5)."""
    user = UserFactory(username=username, groups=["reviewers"], is_staff=True)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    return user


def reconciled_run(edition, first_run, beat_log) -> ScoreRun:
    """The run beat's reconcile makes once Redis is back: the first run's inputs and one approval more."""
    return wait_for(
        lambda: ScoreRun.objects.filter(
            edition=edition, approved_answer_count=first_run.approved_answer_count + 1
        ).first(),
        seconds=120,
        message="no recompute within 120 s of Redis' return:\n" + beat_log.read_text()[-2000:],
    )


def test_redis_stops_while_a_reviewer_approves_the_approval_holds_and_beat_recomputes_after(
    redis_server, role_groups, processes, tmp_path
):
    # given: a site, a worker and beat (reconcile every 2 s) on a Redis of the test's own, and one submitted answer
    edition, first_run, (answer,) = edition_with_first_run()
    reviewer_for_the_site("rita")
    env = django_env(DATABASE_URL=database_url(), REDIS_URL=redis_server.url(), SCORES_RECONCILE_SECONDS="2")
    web, base = start_web(env, tmp_path / "web.log")
    processes.append(web)
    processes.append(start_worker(env, tmp_path / "worker.log", name="faults"))
    processes.append(start_beat(env, tmp_path / "beat.log", tmp_path))
    reviewer = log_in(base, "rita")
    page = reviewer.get(f"{base}/admin/indicators/answer/{answer.pk}/change/", timeout=10)
    assert page.status_code == 200 and urlsplit(page.url).path.endswith(f"/{answer.pk}/change/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    # when: Redis stops, and the reviewer approves
    redis_server.stop()
    decided = reviewer.post(
        f"{base}/admin/indicators/answer/{answer.pk}/decide/",
        data={"csrfmiddlewaretoken": token, "version": answer.version, "decision": "approve"},
        timeout=30,
    )

    # then: the reviewer sees success, the approval is saved, nothing could be recomputed yet
    assert decided.status_code == 200, decided.text[:2000]
    assert re.search(r'<li class="success">[^<]*freigegeben', decided.text), decided.text[:3000]
    answer.refresh_from_db()
    assert answer.status == Answer.Status.APPROVED
    assert current_run(edition) == first_run

    # when: Redis comes back (empty: it keeps nothing), and nobody does anything
    redis_server.start()

    # then: beat's reconcile recomputes with the approval in it, and that run is the current one
    run = reconciled_run(edition, first_run, tmp_path / "beat.log")
    assert scores_recompute(edition=edition) == (run, False)  # its inputs are the current ones


def test_redis_stops_while_the_api_is_used_reads_and_token_writes_answer_and_beat_recomputes_after(
    redis_server, role_groups, processes, tmp_path
):
    # given: a site, a worker and beat (reconcile every 2 s) on a Redis of the test's own, one submitted
    # answer and a reviewer's token
    edition, first_run, (answer,) = edition_with_first_run()
    token = api_token(UserFactory(groups=["reviewers"]))
    env = django_env(DATABASE_URL=database_url(), REDIS_URL=redis_server.url(), SCORES_RECONCILE_SECONDS="2")
    web, base = start_web(env, tmp_path / "web.log")
    processes.append(web)
    processes.append(start_worker(env, tmp_path / "worker.log", name="api-faults"))
    processes.append(start_beat(env, tmp_path / "beat.log", tmp_path))
    bearer = {"Authorization": f"Bearer {token}"}

    # when: Redis stops, and the API is read and written (the throttles ask the cache before every view)
    redis_server.stop()
    read = requests.get(f"{base}/api/v1/review/answers/?edition={edition.year}", headers=bearer, timeout=30)
    approved = requests.post(
        f"{base}/api/v1/review/answers/{answer.pk}/approve/", json={"version": answer.version}, headers=bearer,
        timeout=30,
    )  # fmt: skip

    # then: both answer as usual, the approval is saved, nothing could be recomputed yet
    assert read.status_code == 200, read.text[:2000]
    assert answer.pk in [row["id"] for row in read.json()["results"]]
    assert approved.status_code == 200, approved.text[:2000]
    assert (approved.json()["status"], approved.json()["version"]) == ("approved", answer.version + 1)
    answer.refresh_from_db()
    assert answer.status == Answer.Status.APPROVED
    assert current_run(edition) == first_run
    assert not any("Traceback" in r.text for r in (read, approved))
    web_log = (tmp_path / "web.log").read_text()
    assert "Internal Server Error" not in web_log and "cache unreachable: API throttling skipped" in web_log

    # when: Redis comes back (empty), and nobody does anything
    redis_server.start()

    # then: beat's reconcile recomputes with the approval in it
    run = reconciled_run(edition, first_run, tmp_path / "beat.log")
    assert scores_recompute(edition=edition) == (run, False)


def test_a_worker_killed_mid_recompute_leaves_the_previous_run_whole_and_the_run_completes_after_a_restart(
    redis_server, processes, tmp_path
):
    # given: a first run, an approval since, and a worker that stalls after writing part of the new run
    edition, first_run, (answer,) = edition_with_first_run()
    before = rows_of(first_run)
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.APPROVED)  # as the reviewer's approval
    marker = tmp_path / "stalled"
    env = django_env(DATABASE_URL=database_url(), REDIS_URL=redis_server.url(), SLOW_WORKER_MARKER=str(marker))
    slow = start_worker(env, tmp_path / "slow.log", name="slow", module="tests.stack.slow_worker")
    processes.append(slow)
    publish(str(uuid.uuid4()), edition.pk, redis_server.url())
    wait_for(marker.exists, seconds=60, message="the worker did not start the recompute")

    # when: the worker is killed (SIGKILL: no clean shutdown, nothing acknowledged)
    slow.kill()
    slow.wait(timeout=10)

    # then: the previous run is still the current one, whole
    assert list(ScoreRun.objects.filter(edition=edition)) == [first_run]
    assert current_run(edition) == first_run
    assert rows_of(first_run) == before

    # when: a worker starts again (it takes back what a dead worker held after the visibility timeout)
    env["CELERY_VISIBILITY_TIMEOUT_SECONDS"] = "1"
    processes.append(start_worker(env, tmp_path / "worker.log", name="restarted"))

    # then: the run completes, with the approval in it, and matches a recompute of the same inputs
    run = wait_for(
        lambda: ScoreRun.objects.filter(edition=edition).exclude(pk=first_run.pk).first(),
        seconds=90,
        message="the recompute was not completed after the restart:\n" + (tmp_path / "worker.log").read_text()[-2000:],
    )
    assert run.approved_answer_count == first_run.approved_answer_count + 1
    assert scores_recompute(edition=edition) == (run, False)
    after = rows_of(run)
    assert len(after["cities"]) == 3
    assert (after["domains"], after["indicators"]) == (before["domains"], before["indicators"])


def test_the_same_recompute_delivered_twice_to_two_workers_gives_one_run(redis_server, processes, tmp_path):
    # given: two workers, and a recompute to do
    edition, first_run, (answer,) = edition_with_first_run()
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.APPROVED)
    env = django_env(DATABASE_URL=database_url(), REDIS_URL=redis_server.url())
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    processes.extend(start_worker(env, log, name=log.stem) for log in logs)

    # when: the same message is delivered twice (a redelivery after a lost acknowledgement)
    task_id = str(uuid.uuid4())
    publish(task_id, edition.pk, redis_server.url())
    publish(task_id, edition.pk, redis_server.url())

    # then: both deliveries ran, and there is one new run with one set of rows
    wait_for(
        lambda: sum(log.read_text().count(f"[{task_id}] succeeded") for log in logs) == 2,
        seconds=90,
        message="the two deliveries did not both finish:\n" + "\n".join(log.read_text()[-1500:] for log in logs),
    )
    runs = ScoreRun.objects.filter(edition=edition).exclude(pk=first_run.pk)
    assert runs.count() == 1
    new = rows_of(runs.get())
    assert len(new["cities"]) == 3
    assert (new["domains"], new["indicators"]) == (rows_of(first_run)["domains"], rows_of(first_run)["indicators"])


@pytest.fixture
def private_postgres(stack):
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.destroy()


def copy_test_database(cluster: PostgresCluster) -> str:
    """The test database's current content, copied into the cluster; returns its address there."""
    source = connection.settings_dict
    target = ["-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres"]
    subprocess.run(["createdb", *target, "sci"], check=True, timeout=60)
    dump = subprocess.run(
        ["pg_dump", "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432), "-U", source["USER"],
         "--no-owner", source["NAME"]],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    subprocess.run(["psql", *target, "-q", "-v", "ON_ERROR_STOP=1", "-d", "sci"], input=dump.stdout, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    return cluster.url("sci")


def test_postgresql_restarting_while_the_site_serves_gives_clean_503s_and_the_site_recovers(
    private_postgres, role_groups, processes, tmp_path
):
    # given: a published edition, a signed-in city staff member, and the site in production mode on a
    # PostgreSQL of the test's own
    edition = small_edition(cities=3, phase=Edition.Phase.REVIEW)
    answer_all(edition, status=Answer.Status.APPROVED)
    scores_recompute(edition=edition)
    edition_publish(user=UserFactory(groups=["editors"]), edition=edition)
    city = cities_of(edition)[0]
    staff = UserFactory(cities=[city])
    client = Client()
    client.force_login(staff)
    session = {"sessionid": client.cookies["sessionid"].value}
    static_root = tmp_path / "static"
    env = django_env(
        DATABASE_URL=copy_test_database(private_postgres), DEBUG="0", SECRET_KEY="faults-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", STATIC_ROOT=str(static_root), REDIS_URL="",
        SITE_URL="https://index.example.org",
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    web, base = start_web(env, tmp_path / "web.log")
    processes.append(web)
    pages = {
        "portal": (f"{base}/portal/{city.slug}/{edition.year}/", session),
        "api": (f"{base}/api/v1/rankings/?edition={edition.year}", {}),
    }

    def statuses():
        return {name: requests.get(url, cookies=cookies, timeout=15) for name, (url, cookies) in pages.items()}

    assert {name: r.status_code for name, r in statuses().items()} == {"portal": 200, "api": 200}

    # when: PostgreSQL stops
    private_postgres.stop()
    during = statuses()

    # then: a clean 503 with Retry-After, the site's page or the API's error shape, no traceback
    assert {name: r.status_code for name, r in during.items()} == {"portal": 503, "api": 503}
    assert all(r.headers["Retry-After"] == "30" for r in during.values())
    assert "Kurz nicht erreichbar" in during["portal"].text
    assert during["api"].json()["code"] == "unavailable"
    assert not any("Traceback" in r.text or "OperationalError" in r.text for r in during.values())

    # when: it is back
    private_postgres.start()

    # then: the same server answers again by itself, with the data intact
    wait_for(
        lambda: {name: r.status_code for name, r in statuses().items()} == {"portal": 200, "api": 200},
        seconds=30,
        message="the site did not recover within 30 s of PostgreSQL's return",
    )
    assert web.poll() is None
    ranking = requests.get(pages["api"][0], timeout=15).json()
    assert ranking["edition"] == edition.year and ranking["count"] == 3
