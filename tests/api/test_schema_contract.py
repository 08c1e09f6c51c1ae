"""schemathesis against /api/schema/: generated requests to every operation never get a 5xx, every response
(status, content type, body) matches the published OpenAPI schema, schema-valid input is accepted and
schema-invalid input refused (schemathesis.toml beside this file names the few 400s no schema can state).
Runs in CI's second stage (PostgreSQL), anonymously and with a staff, a reviewer and an editor token;
SCHEMATHESIS_OUTPUT_DIR keeps each run's whole report."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import UserFactory, api_token, cities_of, small_edition
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

# The conformance checks, and the data checks that found drift in issue 15 (schema-valid input refused,
# schema-invalid input accepted).
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
    ]
)
# Bounded: up to 50 examples per operation and a hard time budget per run (4 runs, at most ~4.5 minutes in
# CI's stage 2, which has 90 minutes in all).
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50")
MAX_SECONDS = os.environ.get("SCHEMATHESIS_MAX_SECONDS", "60")
# Where positive_data_acceptance allows a 400 (a rule of the data or between fields the schema cannot state).
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def published_and_collecting(editor, role_groups):
    """A published edition (the public API has data) and a collecting one (the write API has work)."""
    published = small_edition(cities=4, year=2039)
    answer_all(published)
    publish(published, editor)
    collecting = small_edition(cities=3, year=2040)
    answer_all(collecting, status="submitted")
    return collecting


@pytest.mark.parametrize("who", ["anonymous", "staff", "reviewer", "editor"])
def test_every_response_conforms_to_the_schema_and_none_is_a_server_error(
    live_server, published_and_collecting, editor, who, tmp_path, monkeypatch
):
    # The run sends hundreds of requests a minute; with the anonymous rate most would be 429s.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "100000/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "100000/min")
    users = {
        "staff": lambda: UserFactory(cities=[cities_of(published_and_collecting)[0]]),
        "reviewer": lambda: UserFactory(groups=["reviewers"]),
        "editor": lambda: editor,
    }
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server.url}/api/schema/",
        "--url",
        live_server.url,
        "--checks",
        CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        "--max-time",
        MAX_SECONDS,
        "--seed",
        "1",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--generation-database",
        "none",
        "--no-color",
    ]
    if who != "anonymous":
        command += ["--header", f"Authorization: Bearer {api_token(users[who]())}"]

    result = subprocess.run(command, capture_output=True, text=True, timeout=int(MAX_SECONDS) + 120, cwd=tmp_path)

    if os.environ.get("SCHEMATHESIS_OUTPUT_DIR"):  # the whole report, for reading after a failure
        (Path(os.environ["SCHEMATHESIS_OUTPUT_DIR"]) / f"schemathesis-{who}.txt").write_text(result.stdout)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
