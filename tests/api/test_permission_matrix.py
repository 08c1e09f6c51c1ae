"""Who may call which signed-in endpoint: (endpoint, method) × role → the exact status.

Roles: anonymous; staff of the answer's city; staff of another city; a reviewer; a reviewer who also
works for the answer's city (conflict of interest); an editor; and the city's staff with a read-only
token. Everyone else authenticates with a write token. The public endpoints are tested elsewhere.
"""

from decimal import Decimal

import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from api.models import ApiToken
from indicators import api as indicators_api
from indicators.models import Answer
from scoring import editor_api as scoring_editor_api
from scoring.models import ScoreRun
from tests.factories import api_token, parameter

ROLES = ("anonymous", "staff", "other_staff", "reviewer", "own_city_reviewer", "editor", "staff_read_token")

WS = "/api/v1/workspace/{city}/{year}/answers/"
DRAFT = WS + "online-termine/"

# (name, method, path, body) and the status per role, in the order of ROLES.
MATRIX = [
    (("workspace list", "get", WS, None), (401, 200, 404, 404, 200, 404, 200)),
    (("workspace answer", "get", DRAFT, None), (401, 200, 404, 404, 200, 404, 200)),
    (("workspace save", "put", DRAFT, {"value": False, "version": 1}), (401, 200, 404, 404, 200, 404, 403)),
    (("workspace change", "patch", DRAFT, {"note": "n", "version": 1}), (401, 200, 404, 404, 200, 404, 403)),
    (("workspace submit", "post", DRAFT + "submit/", {"version": 1}), (401, 200, 404, 404, 200, 404, 403)),
    (("review list", "get", "/api/v1/review/answers/", None), (401, 403, 403, 200, 200, 200, 403)),
    (("approve", "post", "/api/v1/review/answers/{submitted}/approve/", {}), (401, 403, 403, 200, 403, 403, 403)),
    (
        ("request changes", "post", "/api/v1/review/answers/{submitted}/request-changes/", {"reason": "outdated"}),
        (401, 403, 403, 200, 403, 403, 403),
    ),
    (("score runs", "get", "/api/v1/editor/score-runs/", None), (401, 403, 403, 403, 403, 200, 403)),
    (("score run", "get", "/api/v1/editor/score-runs/{run}/", None), (401, 403, 403, 403, 403, 200, 403)),
    (("recompute", "post", "/api/v1/editor/editions/{year}/recompute/", None), (401, 403, 403, 403, 403, 202, 403)),
]

CASES = [
    pytest.param(endpoint, role, expected, id=f"{endpoint[0]}-{role}")
    for endpoint, statuses in MATRIX
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.fixture
def world(edition, city, staff, other_staff, reviewer, own_city_reviewer, editor):
    """A draft answer (for staff), a submitted one (for reviewers) and a score run (for editors)."""
    Answer.objects.create(
        edition=edition, city=city, parameter=parameter(edition, "online-termine"), value_bool=True, version=1
    )
    submitted = Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=Decimal(40),
        evidence_url="https://example.org/b.pdf",
        status=Answer.Status.SUBMITTED,
        version=2,
    )
    run = ScoreRun.objects.create(
        edition=edition, input_hash="0" * 64, code_version="t", methodology={}, city_count=5, approved_answer_count=0
    )
    users = {
        "staff": staff,
        "other_staff": other_staff,
        "reviewer": reviewer,
        "own_city_reviewer": own_city_reviewer,
        "editor": editor,
        "staff_read_token": staff,
    }
    names = {"city": city.slug, "year": edition.year, "submitted": submitted.pk, "run": run.pk}
    return users, names


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_permission_matrix(world, endpoint, role, expected):
    # given
    users, names = world
    _name, method, path, body = endpoint
    client = APIClient()
    if role != "anonymous":
        scope = ApiToken.Scope.READ if role == "staff_read_token" else ApiToken.Scope.WRITE
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(users[role], scope)}")

    # when
    response = getattr(client, method)(path.format(**names), body, format="json")

    # then
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"message", "code", "errors"}


def test_the_matrix_covers_every_signed_in_endpoint():
    """A new workspace/, review/ or editor/ route must join the matrix (the webhooks are tested with them)."""
    names = {"city": "stadt", "year": 2030, "submitted": 1, "run": 1}
    covered = {resolve(path.format(**names)).url_name for (_name, _method, path, _body), _statuses in MATRIX}

    assert covered == {route.name for route in [*indicators_api.urlpatterns, *scoring_editor_api.urlpatterns]}
