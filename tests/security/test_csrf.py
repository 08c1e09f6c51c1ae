"""CSRF: every form and every session-authenticated write refuses a POST without a token.

The URL patterns and their paths come from the permission walk (test_permission_walk.ROUTES, which fails
when a pattern is missing), so a new page is CSRF-checked the day it appears. Each pattern is either in
WRITES (it accepts POST, PUT, PATCH or DELETE: refused without a token, working with one) or in READ_ONLY
(405 to a POST that carries a valid token); `test_every_pattern_is_a_write_or_read_only` keeps the two
complete. The API's token authentication needs no CSRF token by design (no cookie is involved).
"""

import pytest
from django.contrib import admin

from indicators.models import Answer
from tests.factories import api_token
from tests.security.conftest import ROLES
from tests.security.test_permission_walk import ADMIN_LOGIN, LOGIN, ROUTES, names_of

pytestmark = pytest.mark.django_db

CSRF_TOKEN = "K" * 32  # a valid secret; the cookie and the header carry the same one

WS = "/api/v1/workspace/{city}/{year}/answers/{draft_key}/"
# pattern → [(role, method, path, data, status with a valid token)]. The path is the walk's unless given.
WRITES = {
    # the accessibility statement's feedback form (anonymous; wrong input is a 400 and stores nothing)
    "barrierefreiheit/": [("anonymous", "post", None, {"email": "keine-adresse"}, 400)],
    "i18n/setlang/": [("anonymous", "post", None, {"language": "en", "next": "/"}, 302)],
    "accounts/login/": [("anonymous", "post", None, {"username": "staff-a", "password": "secret-pass-123"}, 302)],
    "accounts/logout/": [("staff_a", "post", None, {}, 302)],
    "accounts/password_change/": [("staff_a", "post", None, {"old_password": "falsch"}, 200)],
    "accounts/password_reset/": [("anonymous", "post", None, {"email": "niemand@example.org"}, 302)],
    "accounts/reset/<uidb64>/<token>/": [("anonymous", "post", None, {"new_password1": "x"}, 200)],
    # the reviewer has no app yet: the code page sends to the set-up, where a malformed code is refused
    "accounts/two-factor/": [("reviewer", "post", None, {"code": "123456"}, 302)],
    "accounts/two-factor/setup/": [("reviewer", "post", None, {"code": "12"}, 200)],
    # the portal (staff of city A, the coordinator)
    "portal/<slug:city_slug>/<int:year>/submit/": [("staff_a", "post", None, {"confirm": "1"}, 302)],
    "portal/<slug:city_slug>/<int:year>/import/": [("staff_a", "post", None, {}, 400)],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/": [
        ("staff_a", "post", "/portal/{city}/{year}/answer/{draft_key}/", {"online-termine-value": "x"}, 400)
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/submit/": [
        ("staff_a", "post", None, {"version": "0"}, 409)
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/comments/": [
        ("staff_a", "post", None, {"body": "Quelle ergänzt."}, 302)
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/evidence/": [("staff_a", "post", None, {}, 400)],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/carry-over/": [("staff_a", "post", None, {}, 400)],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/confirm/": [("staff_a", "post", None, {}, 400)],
    "portal/<slug:city_slug>/<int:year>/evidence/<int:pk>/remove/": [("staff_a", "post", None, {}, 302)],
    # the check window (the world's value is the city's own and its edition has no window: refused, 400)
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/check/confirm/": [
        ("staff_a", "post", None, {}, 400)
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/check/object/": [
        ("staff_a", "post", None, {"reason": "falsch"}, 400)
    ],
    "portal/<slug:city_slug>/team/invite/": [("staff_a", "post", None, {}, 400)],
    "portal/<slug:city_slug>/team/<int:membership_id>/remove/": [("staff_a", "post", None, {}, 302)],
    # staff_b is not the invited address: past the CSRF check, the invitation refuses them
    "portal/invitation/<str:token>/": [("staff_b", "post", None, {}, 400)],
    "portal/<slug:city_slug>/<int:year>/sign-off/": [("staff_a", "post", None, {}, 302)],
    "portal/<slug:city_slug>/<int:year>/projects/<slug:domain_key>/": [("staff_a", "post", None, {}, 400)],
    # personal tokens
    "konto/tokens/new/": [("staff_a", "post", None, {"name": "Dashboard", "scope": "read"}, 200)],
    "konto/tokens/<int:pk>/revoke/": [("staff_a", "post", None, {}, 302)],
    # the admin: login, logout, password, review decisions, comments, bonus, and model pages (below)
    "admin/login/": [("anonymous", "post", None, {"username": "editor", "password": "secret-pass-123"}, 302)],
    "admin/logout/": [("reviewer", "post", None, {}, 302)],
    "admin/password_change/": [("reviewer", "post", None, {}, 200)],
    "admin/indicators/answer/<int:pk>/decide/": [("reviewer", "post", None, {"decision": "approve"}, 302)],
    "admin/indicators/answer/<int:pk>/comment/": [("reviewer", "post", None, {"body": "Bitte Quelle."}, 302)],
    "admin/indicators/answer/<int:pk>/objection/": [
        ("reviewer", "post", None, {"outcome": "kept", "outcome_reason": "Register stimmt."}, 302)
    ],
    "admin/indicators/innovationproject/<int:pk>/award/": [
        ("reviewer", "post", None, {"points": "3", "justification": "Vorbildlich."}, 302)
    ],
    "admin/auth/user/<id>/password/": [("editor", "post", None, {}, 403)],  # editors may not: the view's own 403
    # the API with a session (a browser that is signed in)
    "api/v1/workspace/<slug:city_slug>/<int:year>/answers/<slug:parameter_key>/": [
        ("staff_a", "put", WS, {"value": False, "version": 1}, 200),
        ("staff_a", "patch", WS, {"note": "n", "version": 1}, 200),
    ],
    "api/v1/workspace/<slug:city_slug>/<int:year>/answers/<slug:parameter_key>/submit/": [
        ("staff_a", "post", WS + "submit/", {"version": 1}, 200)
    ],
    "api/v1/review/answers/<int:pk>/approve/": [("reviewer", "post", None, {}, 200)],
    "api/v1/review/answers/<int:pk>/request-changes/": [("reviewer", "post", None, {"reason": "outdated"}, 200)],
    "api/v1/editor/editions/<int:year>/recompute/": [("editor", "post", None, {}, 202)],
    "api/v1/editor/webhooks/": [
        (
            "editor",
            "post",
            None,
            {"url": "https://hooks.example.org/neu", "secret": "t" * 20, "events": ["edition.published"]},
            201,
        )
    ],
    "api/v1/editor/webhooks/<int:pk>/": [
        ("editor", "patch", None, {"description": "neu"}, 200),
        ("editor", "put", None, {"url": "https://hooks.example.org/x", "events": ["edition.published"]}, 200),
        ("editor", "delete", None, None, 204),
    ],
    "api/v1/editor/webhooks/<int:pk>/deliveries/": [("editor", "post", None, {}, 405)],
}

# Patterns that take no write: a POST with a valid token gets 405, or the page as a GET would (function
# views without a method decorator render it again; nothing is written).
READ_ONLY = {
    "",
    "impressum/",
    "datenschutz/",
    "barrierefreiheit/danke/",
    "accounts/password_change/done/",
    "accounts/password_reset/done/",
    "accounts/reset/done/",
    "admin/",
    "admin/(?P<url>.*)$",
    "admin/^(?P<app_label>auth|django_celery_beat|axes|otp_totp|indicators|scoring|public|webhooks|sso)/$",
    "admin/autocomplete/",
    "admin/indicators/edition/<int:pk>/board/",
    "portal/check/<int:pk>/download/",
    "admin/jsi18n/",
    "admin/otp_totp/totpdevice/<int:pk>/config/",
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/",
    "admin/password_change/done/",
    "admin/r/<path:content_type_id>/<path:object_id>/",
    "api/docs/",
    "api/redoc/",
    "api/schema/",
    "api/v1/answers/",
    "api/v1/cities/",
    "api/v1/cities/<str:slug>/",
    "api/v1/cities/<str:slug>/gains/",
    "api/v1/cities/<str:slug>/history/",
    "api/v1/cities/<str:slug>/scores/",
    "api/v1/domains/",
    "api/v1/editions/",
    "api/v1/editions/<str:year>/",
    "api/v1/editions/<str:year>/methodology/",
    "api/v1/editions/<str:year>/dcat.jsonld",
    "api/v1/dcat.jsonld",
    "api/v1/editor/score-runs/",
    "api/v1/editor/score-runs/<int:pk>/",
    "api/v1/indicators/",
    "api/v1/parameters/",
    "api/v1/rankings/",
    "api/v1/review/answers/",
    "api/v1/simulator/",
    "api/v1/workspace/<slug:city_slug>/<int:year>/answers/",
    "daten/",
    "daten/<int:year>/<slug:dataset>.<slug:fmt>",
    "faq/",
    "healthz/live",
    "healthz/ready",
    "konto/tokens/",
    # single sign-on: GET only (the provider comes back with a GET; its state, nonce and PKCE stand in for CSRF)
    "oidc/start/",
    "oidc/callback/",
    "methodik/",
    "methodik/<int:year>/",
    "portal/",
    "portal/hilfe/",
    "portal/<slug:city_slug>/<int:year>/",
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/history/",
    "portal/<slug:city_slug>/<int:year>/export.<str:extension>",
    "portal/<slug:city_slug>/<int:year>/projects/",
    "portal/<slug:city_slug>/team/",
    "portal/evidence/<int:pk>/download/",
    "ranking/",
    "ranking/<int:year>/",
    "ranking/<int:year>/indikator/<slug:key>/",
    "simulator/<int:year>/",
    "simulator/<int:year>/<slug:city_slug>/",
    "stadt/<slug:slug>/",
    "stadt/<slug:slug>/<int:year>/",
    "vergleich/<int:year>/",
}


def first_path(pattern: str) -> str:
    return ROUTES[pattern][0][0]


def insider(pattern: str) -> str:
    """A signed-in role the pattern does not send to a login (the CSRF check needs a session to matter)."""
    statuses = dict(zip(ROLES, ROUTES[pattern][0][1], strict=True))
    return next(role for role in ("staff_a", "reviewer") if statuses[role] not in (LOGIN, ADMIN_LOGIN))


def send(w, role, method, url, data, *, token: bool):
    client = w.client(role, enforce_csrf_checks=True)
    extra = {}
    if token:
        client.cookies["csrftoken"] = CSRF_TOKEN
        extra["HTTP_X_CSRFTOKEN"] = CSRF_TOKEN
    fmt = {"format": "json"} if url.startswith("/api/") else {}
    return getattr(client, method)(url, data, **fmt, **extra)


def is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


def test_every_pattern_is_a_write_or_read_only():
    """A new pattern (the walk has it in ROUTES) must be sorted here by hand: a write gets its CSRF case."""
    assert not READ_ONLY & set(WRITES)
    assert READ_ONLY | set(WRITES) == set(ROUTES)


WRITE_CASES = [
    pytest.param(pattern, role, method, path or first_path(pattern), data, status, id=f"{method} {pattern}")
    for pattern, requests in WRITES.items()
    for role, method, path, data, status in requests
]


@pytest.mark.parametrize(("pattern", "role", "method", "path", "data", "status"), WRITE_CASES)
def test_a_write_without_csrf_token_is_refused_and_with_one_it_passes(w, pattern, role, method, path, data, status):
    # given
    url = path.format(**names_of(w))

    # when: without a token
    refused = send(w, role, method, url, data, token=False)

    # then: refused before the view runs
    assert is_csrf_refusal(refused), (refused.status_code, refused.content[:200])

    # when: the same request with a token (in a browser: the form's hidden field or the htmx header)
    accepted = send(w, role, method, url, data, token=True)

    # then: the view answers
    assert accepted.status_code == status, accepted.content[:300]
    assert not is_csrf_refusal(accepted)


READ_ONLY_CASES = [pytest.param(pattern, id=pattern or "home") for pattern in sorted(READ_ONLY)]


@pytest.mark.parametrize("pattern", READ_ONLY_CASES)
def test_a_post_to_a_read_only_page_is_refused_without_token_and_not_allowed_with_one(w, pattern):
    # given
    role = insider(pattern)
    url = first_path(pattern).format(**names_of(w))

    # when
    refused = send(w, role, "post", url, {}, token=False)
    with_token = send(w, role, "post", url, {}, token=True)

    # then
    # (the API's HTML documentation renders its errors without the reason: the token makes the difference)
    assert refused.status_code == 403 and (b"CSRF" in refused.content or with_token.status_code != 403), role
    get_status = dict(zip(ROLES, ROUTES[pattern][0][1], strict=True))[role]
    assert with_token.status_code in (405, get_status), (role, with_token.status_code)


ADMIN_MODEL_CASES = [pytest.param(model, id=str(model._meta)) for model in admin.site._registry]


@pytest.mark.parametrize("model", ADMIN_MODEL_CASES)
def test_the_admin_pages_of_every_model_refuse_a_post_without_token(w, model):
    # given: the editor, who may change most models (the CSRF check comes before any permission check)
    client = w.client("editor", enforce_csrf_checks=True)
    first = model._default_manager.order_by("pk").first()
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    pk = first.pk if first else 0
    urls = [base, base + "add/", f"{base}{pk}/change/", f"{base}{pk}/delete/"]

    # when
    responses = [client.post(url, {"action": "delete_selected", "_selected_action": [pk]}) for url in urls]

    # then
    assert [is_csrf_refusal(response) for response in responses] == [True] * len(urls)


def test_an_admin_action_needs_the_token_and_then_approves(w):
    # given: the reviewer's bulk action on city A's submitted answer
    submitted = w.objects["submitted"]
    data = {"action": "approve", "_selected_action": [submitted.pk], "index": 0}

    # when / then: without a token nothing happens
    refused = send(w, "reviewer", "post", "/admin/indicators/answer/", data, token=False)
    assert is_csrf_refusal(refused)
    assert Answer.objects.get(pk=submitted.pk).status == Answer.Status.SUBMITTED

    # when / then: with a token the action runs
    accepted = send(w, "reviewer", "post", "/admin/indicators/answer/", data, token=True)
    assert accepted.status_code == 302
    assert Answer.objects.get(pk=submitted.pk).status == Answer.Status.APPROVED


def test_the_api_takes_a_token_without_csrf_but_a_session_only_with_one(w):
    # given: city A's draft answer, written once with the session and once with a personal token
    url = WS.format(**names_of(w))
    draft = w.objects["draft"]
    body = {"value": False, "version": draft.version}

    # when: the signed-in browser without a CSRF token
    session = w.client("staff_a", enforce_csrf_checks=True).put(url, body, format="json")

    # then: refused, nothing stored
    assert is_csrf_refusal(session)
    assert Answer.objects.get(pk=draft.pk).version == draft.version

    # when: the same write with the token and no cookie at all
    client = w.client("anonymous", enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(w.users['staff_a'])}")
    with_token = client.put(url, body, format="json")

    # then: stored
    assert with_token.status_code == 200, with_token.content
    assert Answer.objects.get(pk=draft.pk).value_bool is False
