"""How long a sign-in lasts, per role, and the second factor (TOTP) a reviewer's or editor's sign-in needs.

Each role (settings.SESSION_POLICIES) has an idle timeout and an absolute lifetime. The session stores when
the user signed in, when they were last active and their role (`session_started`, run on every login).
A request after the idle timeout or past the lifetime signs the user out and says why (a message on the
next page); the request itself goes on as an anonymous one (a login-only page redirects to the login).
API requests with a personal token carry no session and are not affected.

Which role a user has is decided by the apps (settings.SESSION_POLICY_ROLE names the callable: this module
imports no app, ARCHITECTURE.md's layer rule 1). The role is taken at login, so a page costs no query for it.

The second factor (django-otp with its TOTP plugin): a user of the "review" role whose sign-in needs one
(OTP_REQUIRED_FOR_STAFF_ROLES on, or a confirmed device of their own) and has not given a code yet reaches
only the code page (or the page that sets up an authenticator app), the logout and the language switch;
the API answers 403 in its error shape. The code pages are in smartcity/accounts.py.
"""

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import user_has_device

from smartcity.errors import error_body

# The role whose sign-in may need a second factor (reviewers and editors); the other one is "city".
REVIEW_ROLE = "review"

STARTED_KEY = "sci_signed_in_at"  # time.time() of the login
SEEN_KEY = "sci_last_seen_at"  # time.time() of the last request (written at most every ACTIVITY_RESOLUTION)
ROLE_KEY = "sci_session_role"
HAS_DEVICE_KEY = "sci_has_authenticator"  # a reviewer or editor with a confirmed device (at login)

# The last activity is written when it is at least this old, so that a page does not write the session on
# every request; the idle timeout therefore holds to within this many seconds.
ACTIVITY_RESOLUTION_SECONDS = 60

# What an unconfirmed sign-in may still open (URL names): the code pages, the logouts, the language switch
# and the health probes.
SECOND_FACTOR_OPEN_VIEWS = {
    "two_factor",
    "two_factor_setup",
    "logout",
    "admin:logout",
    "set_language",
    "healthz_live",
    "healthz_ready",
}


def role_of(user) -> str:
    """The session role of a signed-in user (a key of settings.SESSION_POLICIES), decided by the apps."""
    return import_string(settings.SESSION_POLICY_ROLE)(user)


def session_started(sender, request, user, **kwargs):
    """On every login (user_logged_in; connected in smartcity/apps.py): start the clocks, note the role."""
    now = time.time()
    role = role_of(user)
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now
    request.session[ROLE_KEY] = role
    request.session[HAS_DEVICE_KEY] = role == REVIEW_ROLE and user_has_device(user, confirmed=True)


def request_role(request) -> str:
    """The role noted at login; a session from before this policy gets its clocks started now."""
    role = request.session.get(ROLE_KEY)
    if role is None or STARTED_KEY not in request.session:
        session_started(None, request, request.user)
        role = request.session[ROLE_KEY]
    return role


def needs_second_factor(request) -> bool:
    """Whether this signed-in session must still be confirmed with a code: the review role, not yet
    verified, and either the setting requires a second factor or the user has set up an app of their own."""
    return (
        request_role(request) == REVIEW_ROLE
        and (settings.OTP_REQUIRED_FOR_STAFF_ROLES or request.session.get(HAS_DEVICE_KEY, False))
        and not request.user.is_verified()
    )


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _sign_out(request, message: str):
    """Sign out with `message` for the next page; an htmx request is sent to the login page as a whole."""
    logout(request)
    messages.warning(request, message)
    if _is_htmx(request):
        # htmx would put the login page into the fragment it asked for; it reloads the whole page instead
        current = urlsplit(request.headers.get("HX-Current-URL", "")).path or "/"
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': current})}"
        return response
    return None


class SessionLifetimeMiddleware:
    """Signs a user out after the idle timeout or the absolute lifetime of their role (after
    AuthenticationMiddleware and MessageMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            response = self._enforce(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _enforce(self, request):
        role = request_role(request)
        policy = settings.SESSION_POLICIES[role]
        now = time.time()
        idle_minutes, max_hours = policy["idle_minutes"], policy["max_hours"]
        if now - request.session[STARTED_KEY] > max_hours * 3600:
            return _sign_out(
                request,
                ngettext(
                    "Ihre Anmeldung ist nach %(hours)d Stunde abgelaufen. Bitte melden Sie sich neu an.",
                    "Ihre Anmeldung ist nach %(hours)d Stunden abgelaufen. Bitte melden Sie sich neu an.",
                    max_hours,
                )
                % {"hours": max_hours},
            )
        if now - request.session[SEEN_KEY] > idle_minutes * 60:
            return _sign_out(
                request,
                ngettext(
                    "Sie wurden nach %(minutes)d Minute ohne Aktivität abgemeldet.",
                    "Sie wurden nach %(minutes)d Minuten ohne Aktivität abgemeldet.",
                    idle_minutes,
                )
                % {"minutes": idle_minutes},
            )
        if now - request.session[SEEN_KEY] >= ACTIVITY_RESOLUTION_SECONDS:
            request.session[SEEN_KEY] = now
        return None


class SecondFactorMiddleware:
    """Keeps a sign-in that needs a code on the code pages until the code is given (after OTPMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not needs_second_factor(request):
            return None
        if request.resolver_match.view_name in SECOND_FACTOR_OPEN_VIEWS:
            return None
        if request.path.startswith("/api/"):
            body = error_body(
                _("Bitte bestätigen Sie Ihre Anmeldung zuerst mit dem Code Ihrer Authenticator-App."),
                code="second_factor_required",
            )
            return JsonResponse(body, status=403)
        page = "two_factor" if user_has_device(user, confirmed=True) else "two_factor_setup"
        return HttpResponseRedirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
