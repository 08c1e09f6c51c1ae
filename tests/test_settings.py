"""Settings from the environment: embedded defaults, and a production start that refuses to guess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE_URL = "https://index.example.org"
# The operator named on the legal pages (without it, check --deploy warns: smartcity.W004).
OPERATOR = "Stadt Beispielhausen"
PRODUCTION_KEY = "k" * 20 + "x7Qp2Lm9Zr4Tw8Vn1Bc6Hy3Jd5Fg0Sa" + "w" * 10


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "SITE_URL",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "LEGAL_OPERATOR_NAME",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_start_without_secret_key_stops_with_a_clear_message():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="index.example.org")

    assert result.returncode != 0
    assert "DEBUG is off: set the SECRET_KEY environment variable." in result.stderr


def test_production_start_without_allowed_hosts_stops_with_a_clear_message():
    result = manage("check", DEBUG="0", SECRET_KEY=PRODUCTION_KEY, SITE_URL=SITE_URL)

    assert result.returncode != 0
    assert "DEBUG is off: set ALLOWED_HOSTS" in result.stderr


def test_production_start_without_site_url_stops_with_a_clear_message():
    result = manage("check", DEBUG="0", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="index.example.org")

    assert result.returncode != 0
    assert (
        "DEBUG is off: set SITE_URL, the site's public address (e.g. https://index.example.org); "
        "links in e-mails are built from it." in result.stderr
    )


def test_production_start_with_a_site_url_without_host_stops_with_a_clear_message():
    result = manage(
        "check", DEBUG="0", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="index.example.org", SITE_URL="index.example.org"
    )

    assert result.returncode != 0
    assert "SITE_URL must be an http:// or https:// address with a host name, not 'index.example.org'." in result.stderr


@pytest.mark.parametrize(
    ("site_url", "warning"),
    [
        ("http://index.example.org", "smartcity.W001"),
        ("https://127.0.0.1:8000", "smartcity.W002"),
        ("https://localhost", "smartcity.W002"),
        ("https://other.example.org", "smartcity.W003"),
    ],
)
def test_deploy_check_warns_about_a_site_url_mails_should_not_link_to(site_url, warning):
    result = manage(
        "check", "--deploy", DEBUG="0", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="index.example.org", SITE_URL=site_url,
        LEGAL_OPERATOR_NAME=OPERATOR,
    )  # fmt: skip

    assert f"?: ({warning}) SITE_URL" in result.stdout + result.stderr
    assert "System check identified 1 issue (0 silenced)." in result.stdout + result.stderr


def test_deploy_check_reports_nothing_with_production_settings():
    result = manage(
        "check", "--deploy", DEBUG="0", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="index.example.org", SITE_URL=SITE_URL,
        LEGAL_OPERATOR_NAME=OPERATOR,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_deploy_check_warns_while_the_legal_pages_show_demo_values():
    result = manage(
        "check", "--deploy", DEBUG="0", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="index.example.org", SITE_URL=SITE_URL
    )

    assert "?: (smartcity.W004) LEGAL_OPERATOR_NAME is not set" in result.stdout + result.stderr
    assert "System check identified 1 issue (0 silenced)." in result.stdout + result.stderr


def test_static_files_collect_with_production_storage(tmp_path):
    # given: DEBUG off, so static files are hashed and compressed (whitenoise's manifest storage)
    # when
    result = manage(
        "collectstatic", "--noinput", DEBUG="0", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="index.example.org",
        SITE_URL=SITE_URL, STATIC_ROOT=str(tmp_path),
    )  # fmt: skip

    # then: every reference inside the files resolves (a dangling source map once stopped the deploy)
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chart-4.6.1.umd.min.js" in manifest and "js/charts.js" in manifest


def test_embedded_defaults_are_sqlite_eager_celery_memory_cache_and_german():
    code = (
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND, s.LANGUAGE_CODE, s.DEBUG)"
    )
    result = manage("shell", "-c", code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.mail.backends.console.EmailBackend",
        "de",
        "True",
    ]


def test_database_url_and_redis_url_select_postgresql_redis_and_real_workers():
    code = (
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL)"
    )
    result = manage(
        "shell", "-c", code, DATABASE_URL="postgres://u@db.example:5432/sci", REDIS_URL="redis://cache.example:6379/0"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "django.db.backends.postgresql",
        "False",
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.example:6379/0",
    ]
