"""The services tier: real PostgreSQL, Redis and a Celery worker process on the test database.

Outside CI these tests skip with the reason when the services are not configured; with
REQUIRE_SERVICES=1 (set by .ci/run) a missing service is a failure.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from smartcity.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_SECONDS = 60


def _missing_services() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL does not point to PostgreSQL"
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:  # any connection problem means: no Redis
        return f"Redis at {settings.REDIS_URL} does not answer: {error}"
    return None


@pytest.fixture(scope="session")
def services():
    missing = _missing_services()
    if missing:
        message = f"services tier needs PostgreSQL and Redis: {missing}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(services, transactional_db, tmp_path):
    """A real `celery worker` on the test database; yields once it answers a ping, stopped afterwards."""
    celery_app.control.purge()
    log = tmp_path / "worker.log"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "smartcity.settings"}
    hostname = f"ci-{os.getpid()}@%h"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "smartcity",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                hostname,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while not celery_app.control.ping(timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        connection.close()  # the worker's connection is gone; make ours fresh before teardown


def wait_until(condition, *, seconds: float, message: str):
    """Poll `condition` until it returns something truthy; fail after `seconds` (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(message)
