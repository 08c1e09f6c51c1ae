"""The stack tier: real PostgreSQL, Redis and a Celery worker process on the test database.

Outside CI these tests skip with the reason when the services are not configured; with
REQUIRE_SERVICES=1 (set by .ci/run) a missing service is a failure.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

from smartcity.celery import app as celery_app
from tests.stack.processes import START_SECONDS, django_env, start_worker, stop, wait_for


def _missing_stack() -> str | None:
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
def stack():
    missing = _missing_stack()
    if missing:
        message = f"stack tier needs PostgreSQL and Redis: {missing}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def database_url() -> str:
    """The test database's address, for processes started by a test."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(stack, transactional_db, tmp_path):
    """A real `celery worker` on the test database; yields once it answers a ping, stopped afterwards."""
    celery_app.control.purge()
    log = tmp_path / "worker.log"
    process = start_worker(django_env(DATABASE_URL=database_url()), log, name="ci")
    try:
        wait_for(
            lambda: celery_app.control.ping(timeout=1),
            seconds=START_SECONDS,
            message=f"the Celery worker does not answer:\n{log.read_text()[-3000:]}",
        )
        yield process
    finally:
        stop(process)
        connection.close()  # the worker's connection is gone; make ours fresh before teardown
