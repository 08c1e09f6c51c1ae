"""Every URL pattern of the project × six roles → the exact status of a GET (and of a HEAD).

The patterns come from the resolver; `test_the_walk_covers_every_url_pattern` fails when one appears that
the tables below do not name, so a new page or endpoint cannot go live without saying who may open it.
Admin pages of registered models are walked per model (changelist, add, change); every other pattern,
admin's own included, has a row in ROUTES.

Statuses: an int, LOGIN (302 to the site's login), or ADMIN_LOGIN (302 to the admin's login).
The methods that write (POST, PUT, PATCH, DELETE) are tested in test_csrf.py and tests/api/.
"""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import City
from tests.security.conftest import ROLES

pytestmark = pytest.mark.django_db

LOGIN = "login"
ADMIN_LOGIN = "admin-login"


def everyone(status) -> tuple:
    return (status,) * len(ROLES)


def signed_in(status) -> tuple:
    """Anonymous users go to the login; every signed-in role gets `status`."""
    return (LOGIN,) + (status,) * (len(ROLES) - 1)


# In the order of ROLES: anonymous, staff_a, staff_b, reviewer, own_city_reviewer, editor.
# Portal pages of city A: its team (staff_a, and the reviewer who also works for A) only; 404 for all
# others, so nobody can probe which cities or answers exist.
A_TEAM = (LOGIN, 200, 404, 404, 200, 404)
A_COORDINATOR = (LOGIN, 200, 404, 404, 404, 404)
POST_ONLY = signed_in(405)
# The signed-in API (session authentication here; tokens are in tests/api/test_permission_matrix.py).
API_A_TEAM = (401, 200, 404, 404, 200, 404)
API_REVIEW = (401, 403, 403, 200, 200, 200)
API_REVIEW_POST_ONLY = (401, 403, 403, 405, 405, 405)
API_EDITOR = (401, 403, 403, 403, 403, 200)
API_EDITOR_POST_ONLY = (401, 403, 403, 403, 403, 405)
ADMIN_PAGE = (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200)
ADMIN_POST_ONLY = (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 405, 405, 405)

P = "/api/v1"
PORTAL_A = "/portal/{city}/{year}"

# pattern (as the resolver spells it) → [(path with {names} from the world, statuses in the order of ROLES)]
ROUTES = {
    # --- language switch, the site's login
    # --- health probes: no login, nothing but "ok"
    "healthz/live": [("/healthz/live", everyone(200))],
    "healthz/ready": [("/healthz/ready", everyone(200))],
    # --- single sign-on (OpenID Connect): not found while OIDC_ENABLED is off (the default; tests/sso/ has it on)
    "oidc/start/": [("/oidc/start/", everyone(404))],
    "oidc/callback/": [("/oidc/callback/", everyone(404))],
    "i18n/setlang/": [("/i18n/setlang/", everyone(302))],
    "accounts/login/": [("/accounts/login/", everyone(200))],
    "accounts/logout/": [("/accounts/logout/", everyone(405))],
    "accounts/password_change/": [("/accounts/password_change/", signed_in(200))],
    "accounts/password_change/done/": [("/accounts/password_change/done/", signed_in(200))],
    "accounts/password_reset/": [("/accounts/password_reset/", everyone(200))],
    "accounts/password_reset/done/": [("/accounts/password_reset/done/", everyone(200))],
    "accounts/reset/<uidb64>/<token>/": [("/accounts/reset/MQ/invalid-token/", everyone(200))],
    "accounts/reset/done/": [("/accounts/reset/done/", everyone(200))],
    # the second factor is for reviewers and editors; without an app of their own they are sent to set one up
    "accounts/two-factor/": [("/accounts/two-factor/", (LOGIN, 403, 403, 302, 302, 302))],
    "accounts/two-factor/setup/": [("/accounts/two-factor/setup/", (LOGIN, 403, 403, 200, 200, 200))],
    # --- public pages of the published edition (the unpublished one: test_leaks.py)
    "": [("/", everyone(200))],
    "ranking/": [("/ranking/", everyone(200))],
    "ranking/<int:year>/": [("/ranking/{published_year}/", everyone(200))],
    "ranking/<int:year>/indikator/<slug:key>/": [
        ("/ranking/{published_year}/indikator/serviceportal/", everyone(200)),
    ],
    "stadt/<slug:slug>/": [("/stadt/{city}/", everyone(200))],
    "stadt/<slug:slug>/<int:year>/": [
        ("/stadt/{city}/{published_year}/", everyone(200)),
    ],
    "vergleich/<int:year>/": [
        ("/vergleich/{published_year}/?stadt={city}&stadt={city_b}", everyone(200)),
    ],
    "simulator/<int:year>/": [("/simulator/{published_year}/", everyone(200))],
    "simulator/<int:year>/<slug:city_slug>/": [
        ("/simulator/{published_year}/{city}/", everyone(200)),
    ],
    "methodik/": [("/methodik/", everyone(200))],
    "methodik/<int:year>/": [("/methodik/{published_year}/", everyone(200))],
    "faq/": [("/faq/", everyone(200))],
    "daten/": [("/daten/", everyone(200))],
    # --- the legal pages (the accessibility statement's form posts: tests/public/test_legal.py)
    "impressum/": [("/impressum/", everyone(200))],
    "datenschutz/": [("/datenschutz/", everyone(200))],
    "barrierefreiheit/": [("/barrierefreiheit/", everyone(200))],
    "barrierefreiheit/danke/": [("/barrierefreiheit/danke/", everyone(200))],
    "daten/<int:year>/<slug:dataset>.<slug:fmt>": [
        ("/daten/{published_year}/results.csv", everyone(200)),
        ("/daten/{published_year}/answers.json", everyone(200)),
    ],
    # --- the public API (read-only; the unpublished edition: test_leaks.py)
    "api/v1/editions/": [(P + "/editions/", everyone(200))],
    "api/v1/editions/<str:year>/": [
        (P + "/editions/{published_year}/", everyone(200)),
    ],
    "api/v1/editions/<str:year>/methodology/": [
        (P + "/editions/{published_year}/methodology/", everyone(200)),
    ],
    "api/v1/domains/": [(P + "/domains/", everyone(200))],
    "api/v1/indicators/": [(P + "/indicators/", everyone(200))],
    "api/v1/parameters/": [(P + "/parameters/", everyone(200))],
    "api/v1/cities/": [(P + "/cities/", everyone(200))],
    "api/v1/rankings/": [(P + "/rankings/", everyone(200))],
    "api/v1/answers/": [(P + "/answers/", everyone(200))],
    "api/v1/cities/<str:slug>/": [(P + "/cities/{city}/", everyone(200))],
    "api/v1/cities/<str:slug>/scores/": [
        (P + "/cities/{city}/scores/", everyone(200)),
    ],
    "api/v1/cities/<str:slug>/history/": [(P + "/cities/{city}/history/", everyone(200))],
    "api/v1/simulator/": [
        (P + "/simulator/?city={city}", everyone(200)),
    ],
    "api/v1/dcat.jsonld": [(P + "/dcat.jsonld", everyone(200))],
    "api/v1/editions/<str:year>/dcat.jsonld": [
        (P + "/editions/{published_year}/dcat.jsonld", everyone(200)),
        (P + "/editions/{year}/dcat.jsonld", everyone(404)),
    ],
    "api/v1/cities/<str:slug>/gains/": [
        (P + "/cities/{city}/gains/", everyone(200)),
    ],
    "api/schema/": [("/api/schema/", everyone(200))],
    "api/docs/": [("/api/docs/", everyone(200))],
    "api/redoc/": [("/api/redoc/", everyone(200))],
    # --- the signed-in API
    "api/v1/workspace/<slug:city_slug>/<int:year>/answers/": [
        (P + "/workspace/{city}/{year}/answers/", API_A_TEAM),
        (P + "/workspace/{city}/{published_year}/answers/", (401, 404, 404, 404, 404, 404)),
    ],
    "api/v1/workspace/<slug:city_slug>/<int:year>/answers/<slug:parameter_key>/": [
        (P + "/workspace/{city}/{year}/answers/{secret_key}/", API_A_TEAM),
    ],
    "api/v1/workspace/<slug:city_slug>/<int:year>/answers/<slug:parameter_key>/submit/": [
        (P + "/workspace/{city}/{year}/answers/{draft_key}/submit/", (401, 405, 405, 405, 405, 405)),
    ],
    "api/v1/review/answers/": [(P + "/review/answers/", API_REVIEW)],
    "api/v1/review/answers/<int:pk>/approve/": [(P + "/review/answers/{submitted}/approve/", API_REVIEW_POST_ONLY)],
    "api/v1/review/answers/<int:pk>/request-changes/": [
        (P + "/review/answers/{submitted}/request-changes/", API_REVIEW_POST_ONLY),
    ],
    "api/v1/editor/score-runs/": [(P + "/editor/score-runs/", API_EDITOR)],
    "api/v1/editor/score-runs/<int:pk>/": [(P + "/editor/score-runs/{run}/", API_EDITOR)],
    "api/v1/editor/editions/<int:year>/recompute/": [(P + "/editor/editions/{year}/recompute/", API_EDITOR_POST_ONLY)],
    "api/v1/editor/webhooks/": [(P + "/editor/webhooks/", API_EDITOR)],
    "api/v1/editor/webhooks/<int:pk>/": [(P + "/editor/webhooks/{webhook}/", API_EDITOR)],
    "api/v1/editor/webhooks/<int:pk>/deliveries/": [(P + "/editor/webhooks/{webhook}/deliveries/", API_EDITOR)],
    # --- the staff portal, city A, unpublished edition
    "portal/": [("/portal/", signed_in(200))],
    "portal/hilfe/": [("/portal/hilfe/", signed_in(200))],
    "portal/<slug:city_slug>/<int:year>/": [
        (PORTAL_A + "/", A_TEAM),
        ("/portal/{city}/{published_year}/", A_TEAM),  # read only once published, still only for its team
    ],
    "portal/<slug:city_slug>/<int:year>/submit/": [(PORTAL_A + "/submit/", POST_ONLY)],
    "portal/<slug:city_slug>/<int:year>/import/": [(PORTAL_A + "/import/", A_TEAM)],
    "portal/<slug:city_slug>/<int:year>/export.<str:extension>": [
        (PORTAL_A + "/export.xlsx", A_TEAM),
        (PORTAL_A + "/export.csv", A_TEAM),
        ("/portal/{city}/{published_year}/export.csv", A_TEAM),  # its own data stays downloadable
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/": [
        (PORTAL_A + "/answer/{secret_key}/", POST_ONLY),
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/submit/": [
        (PORTAL_A + "/answer/{draft_key}/submit/", POST_ONLY),
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/history/": [
        (PORTAL_A + "/answer/{secret_key}/history/", A_TEAM),
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/comments/": [
        (PORTAL_A + "/answer/{secret_key}/comments/", POST_ONLY),
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/evidence/": [
        (PORTAL_A + "/answer/{secret_key}/evidence/", POST_ONLY),
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/confirm/": [
        (PORTAL_A + "/answer/{secret_key}/confirm/", POST_ONLY),
    ],
    # the check window (issue 16): a city's verdict on an official or researched value, and its objection's file
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/check/confirm/": [
        (PORTAL_A + "/answer/{secret_key}/check/confirm/", POST_ONLY),
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/check/object/": [
        (PORTAL_A + "/answer/{secret_key}/check/object/", POST_ONLY),
    ],
    "portal/check/<int:pk>/download/": [
        # never public: A's team, the reviewers and the editors
        ("/portal/check/{objection_file}/download/", (404, 200, 404, 200, 200, 200)),
    ],
    "portal/<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/carry-over/": [
        (PORTAL_A + "/answer/{secret_key}/carry-over/", POST_ONLY),
    ],
    "portal/<slug:city_slug>/<int:year>/evidence/<int:pk>/remove/": [
        (PORTAL_A + "/evidence/{secret_file}/remove/", POST_ONLY),
    ],
    "portal/evidence/<int:pk>/download/": [
        # unpublished: A's team, the reviewers and the editors; published and approved: everybody
        ("/portal/evidence/{secret_file}/download/", (404, 200, 404, 200, 200, 200)),
        ("/portal/evidence/{public_file}/download/", everyone(200)),
    ],
    "portal/<slug:city_slug>/team/": [("/portal/{city}/team/", A_COORDINATOR)],
    "portal/<slug:city_slug>/team/invite/": [("/portal/{city}/team/invite/", POST_ONLY)],
    "portal/<slug:city_slug>/team/<int:membership_id>/remove/": [
        ("/portal/{city}/team/{membership}/remove/", POST_ONLY),
    ],
    # the link of an invitation e-mail: whoever holds it may see whom it invites (only the invited address
    # may accept; without an account the page offers to create one for that address)
    "portal/invitation/<str:token>/": [("/portal/invitation/{invitation}/", everyone(200))],
    "portal/<slug:city_slug>/<int:year>/sign-off/": [(PORTAL_A + "/sign-off/", A_COORDINATOR)],
    "portal/<slug:city_slug>/<int:year>/projects/": [(PORTAL_A + "/projects/", A_TEAM)],
    "portal/<slug:city_slug>/<int:year>/projects/<slug:domain_key>/": [
        (PORTAL_A + "/projects/{domain}/", POST_ONLY),
    ],
    # --- personal API tokens (the token belongs to staff_a)
    "konto/tokens/": [("/konto/tokens/", signed_in(200))],
    "konto/tokens/new/": [("/konto/tokens/new/", POST_ONLY)],
    "konto/tokens/<int:pk>/revoke/": [("/konto/tokens/{token}/revoke/", (LOGIN, 200, 404, 404, 404, 404))],
    # --- the admin's own pages and the project's admin views
    "admin/": [("/admin/", ADMIN_PAGE)],
    "admin/login/": [("/admin/login/", (200, 200, 200, 302, 302, 302))],
    "admin/logout/": [("/admin/logout/", (302, 302, 302, 405, 405, 405))],  # non-admins: to the index
    "admin/password_change/": [("/admin/password_change/", ADMIN_PAGE)],
    "admin/password_change/done/": [("/admin/password_change/done/", ADMIN_PAGE)],
    "admin/autocomplete/": [("/admin/autocomplete/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, 403, 403))],
    "admin/jsi18n/": [("/admin/jsi18n/", ADMIN_PAGE)],
    "admin/r/<path:content_type_id>/<path:object_id>/": [
        ("/admin/r/{city_content_type}/{city_pk}/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404, 404, 404)),
    ],
    "admin/^(?P<app_label>auth|django_celery_beat|axes|otp_totp|indicators|scoring|public|webhooks|sso)/$": [
        ("/admin/indicators/", ADMIN_PAGE),
        ("/admin/webhooks/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404, 404, 200)),
        ("/admin/sso/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404, 404, 200)),
        ("/admin/axes/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404, 404, 404)),
    ],
    "admin/(?P<url>.*)$": [("/admin/nicht-da/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404, 404, 404))],
    "admin/auth/user/<id>/password/": [
        ("/admin/auth/user/{staff_a_pk}/password/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, 403, 403)),
    ],
    # django-otp's pages of a device's secret and QR code: never shown in the admin (OTP_ADMIN_HIDE_SENSITIVE_DATA)
    "admin/otp_totp/totpdevice/<int:pk>/config/": [
        ("/admin/otp_totp/totpdevice/1/config/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, 403, 403)),
    ],
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/": [
        ("/admin/otp_totp/totpdevice/1/qrcode/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, 403, 403)),
    ],
    "admin/indicators/edition/<int:pk>/board/": [("/admin/indicators/edition/{edition_pk}/board/", ADMIN_PAGE)],
    "admin/indicators/answer/<int:pk>/decide/": [("/admin/indicators/answer/{submitted}/decide/", ADMIN_POST_ONLY)],
    "admin/indicators/answer/<int:pk>/objection/": [
        ("/admin/indicators/answer/{submitted}/objection/", ADMIN_POST_ONLY),
    ],
    "admin/indicators/answer/<int:pk>/comment/": [
        ("/admin/indicators/answer/{submitted}/comment/", ADMIN_POST_ONLY),
    ],
    "admin/indicators/innovationproject/<int:pk>/award/": [
        ("/admin/indicators/innovationproject/{project}/award/", ADMIN_PAGE),
    ],
}

# What the reviewers' and editors' groups may do per registered admin model ("v" view, "a" add); a role
# with neither gets 403 on the changelist, the add and the change page. City staff are no admin users.
ADMIN_MODELS = {
    # model label: (reviewer, editor)
    "auth.group": ("", ""),
    "auth.user": ("", ""),
    "django_celery_beat.periodictask": ("", ""),
    "django_celery_beat.clockedschedule": ("", ""),
    "django_celery_beat.crontabschedule": ("", ""),
    "django_celery_beat.solarschedule": ("", ""),
    "django_celery_beat.intervalschedule": ("", ""),
    "axes.accessattempt": ("", ""),
    "axes.accesslog": ("", ""),
    "axes.accessfailurelog": ("", ""),
    "otp_totp.totpdevice": ("", ""),  # superusers only: removing a lost app's device
    "indicators.notification": ("v", "v"),
    "indicators.city": ("v", "va"),
    "indicators.edition": ("v", "va"),
    "indicators.domain": ("v", "va"),
    "indicators.indicator": ("v", "va"),
    "indicators.parameter": ("v", "va"),
    "indicators.participation": ("", "va"),
    "indicators.citymembership": ("", "va"),
    "indicators.answer": ("v", "v"),  # answers are never added in the admin
    "indicators.reviewassignment": ("v", "va"),
    "indicators.innovationproject": ("v", "v"),
    "indicators.staffinvitation": ("", ""),
    "indicators.officialimport": ("v", "va"),  # the add page is the import (upload, preview, confirm)
    # desk research: the list of cities and a city's research page (researchers: test_research_walk.py)
    "indicators.researchcity": ("", "v"),
    "indicators.populationfigure": ("v", "va"),
    "scoring.scorerun": ("", "v"),
    "webhooks.webhookendpoint": ("", "va"),
    "webhooks.webhookdelivery": ("", "v"),
    "public.accessibilityfeedback": ("", "v"),  # feedback comes only through the public form
    "sso.oidcidentity": ("", "v"),  # links are made by a sign-on only; editors may delete one
    "sso.claimmapping": ("", "va"),
}
# The URL patterns every ModelAdmin has; the walk opens the first three per model.
ADMIN_MODEL_PATTERNS = ("", "add/", "<path:object_id>/change/", "<path:object_id>/history/",
                        "<path:object_id>/delete/", "<path:object_id>/")  # fmt: skip


def url_patterns(patterns=None, prefix: str = ""):
    """Every URL pattern of the project as one string (the resolver's spelling, i18n prefix excluded)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            yield prefix + str(entry.pattern)


def admin_model_patterns() -> set[str]:
    """The standard pages of every registered model, and the history detail django-simple-history adds."""
    patterns = set()
    for model, model_admin in admin.site._registry.items():
        base = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        patterns.update(base + suffix for suffix in ADMIN_MODEL_PATTERNS)
        if isinstance(model_admin, SimpleHistoryAdmin):
            patterns.add(base + "^([^/]+)/history/([^/]+)/$")
    return patterns


def client_for(w, role: str):
    return w.client(role)


def outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return LOGIN
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith(response.request["PATH_INFO"] + "?"):
            # the same page with its default filters (the review queue opens on the edition in review)
            return outcome(response.client.get(location))
    return response.status_code


def names_of(w) -> dict:
    return {
        **w.names,
        "city_content_type": ContentType.objects.get_for_model(City).pk,
        "city_pk": w.city_a.pk,
        "staff_a_pk": w.users["staff_a"].pk,
    }


def test_the_walk_covers_every_url_pattern():
    # given: the patterns the resolver knows
    patterns = list(url_patterns())

    # then: each is walked exactly once, either in ROUTES or as a registered model's admin page
    assert len(patterns) == len(set(patterns)), "a pattern is defined twice"
    assert set(patterns) - admin_model_patterns() == set(ROUTES)
    assert {str(model._meta) for model in admin.site._registry} == set(ADMIN_MODELS)


CASES = [
    pytest.param(path, statuses, id=path.strip("/") or "home")
    for _pattern, requests in ROUTES.items()
    for path, statuses in requests
]


@pytest.mark.parametrize(("path", "statuses"), CASES)
def test_get_and_head_of_every_route_by_role(w, path, statuses):
    # given
    url = path.format(**names_of(w))
    expected = dict(zip(ROLES, statuses, strict=True))

    # when
    got = {role: outcome(client_for(w, role).get(url)) for role in ROLES}
    head = {role: outcome(client_for(w, role).head(url)) for role in HEAD_ROLES}

    # then
    assert got == expected
    head_expected = dict(zip(ROLES, HEAD_DIFFERS.get(path, statuses), strict=True))
    assert head == {role: head_expected[role] for role in HEAD_ROLES}


HEAD_ROLES = ROLES
# HEAD answers as GET does, except where a view allows only GET (and POST): 405 once past the login. The
# admin's login page redirects a signed-in admin user on GET only.
HEAD_DIFFERS = {
    "/konto/tokens/": signed_in(405),
    "/konto/tokens/{token}/revoke/": signed_in(405),
    "/portal/invitation/{invitation}/": everyone(405),
    PORTAL_A + "/sign-off/": signed_in(405),
    "/admin/login/": everyone(200),
    # the single sign-on's views answer GET only (mozilla-django-oidc's http_method_names), before the switch
    "/oidc/start/": everyone(405),
    "/oidc/callback/": everyone(405),
}


ADMIN_CASES = [pytest.param(label, access, id=label) for label, access in ADMIN_MODELS.items()]


@pytest.mark.parametrize(("label", "access"), ADMIN_CASES)
def test_admin_pages_of_every_registered_model_by_role(w, label, access):
    # given: the model's first object (the change page of a missing one would only redirect)
    model = next(model for model in admin.site._registry if str(model._meta) == label)
    reviewer, editor = access
    first = model._default_manager.order_by("pk").first()
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    pages = {"changelist": base, "add": base + "add/", "change": f"{base}{first.pk if first else 0}/change/"}
    if reviewer or editor:
        assert first is not None, f"the world needs an object of {label}"

    def expect(rights: str, page: str) -> int:
        return 200 if ("a" if page == "add" else "v") in rights else 403

    # when: the roles that are no admin users and the reviewer of city A on the changelist (the admin turns
    # them away before any model code runs), the reviewer and the editor on every page
    requests = [(role, "changelist") for role in ("anonymous", "staff_a", "staff_b", "own_city_reviewer")]
    requests += [(role, page) for role in ("reviewer", "editor") for page in pages]
    got = {(role, page): outcome(client_for(w, role).get(pages[page])) for role, page in requests}

    # then
    rights = {"anonymous": None, "staff_a": None, "staff_b": None, "own_city_reviewer": reviewer}
    rights.update(reviewer=reviewer, editor=editor)
    assert got == {
        (role, page): ADMIN_LOGIN if rights[role] is None else expect(rights[role], page) for role, page in requests
    }
