"""The sign-on's start (to the provider), its callback (back from it), the refusal page, and the logout at the
provider (RP-initiated logout) after the site's own."""

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from sso import discovery
from sso.backends import REFUSAL_ATTRIBUTE

logger = logging.getLogger(__name__)

# The session notes which provider signed the user in (the logout at the provider needs it).
ISSUER_SESSION_KEY = "sso_issuer"

FAILED = _(
    "Die Anmeldung über Ihre Verwaltung konnte nicht bestätigt werden. Bitte versuchen Sie es noch einmal über "
    "die Anmeldeseite."
)
UNAVAILABLE = _(
    "Der Anmeldedienst Ihrer Verwaltung ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal "
    "oder melden Sie sich mit Benutzername und Passwort an."
)


def _refused(request, message, *, status: int):
    return render(request, "sso/refused.html", {"message": message}, status=status)


def _enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404


class AuthenticateView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider: authorization-code flow with state, nonce and PKCE (S256)."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the library would read the endpoint here, before we know it is enabled

    def get(self, request):
        _enabled()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = discovery.endpoint("authorization_endpoint")
        except discovery.ProviderUnavailable as error:
            logger.warning("single sign-on: the provider's discovery failed: %s", error)
            return _refused(request, UNAVAILABLE, status=502)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: a signed-in user goes on (to the second factor where their role needs one,
    smartcity/session_policy.py); anyone refused gets a page saying why, and nothing changes."""

    def get(self, request):
        _enabled()
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            # A forged or replayed answer: a bad signature, another audience or issuer, a wrong nonce or state.
            logger.warning("single sign-on: the provider's answer was refused: %s", error)
            return _refused(request, FAILED, status=400)
        except (requests.RequestException, discovery.ProviderUnavailable) as error:
            logger.warning("single sign-on: the provider did not answer as expected: %s", error)
            return _refused(request, UNAVAILABLE, status=502)

    def login_failure(self):
        refusal = getattr(self.request, REFUSAL_ATTRIBUTE, None)
        return _refused(self.request, refusal.message if refusal else FAILED, status=403)

    def login_success(self):
        response = super().login_success()
        self.request.session[ISSUER_SESSION_KEY] = settings.OIDC_ISSUER
        return response


def provider_logout_url(request) -> str:
    """Where the site's logout sends the browser next (settings.LOGOUT_NEXT_URL_CALLABLE, called before the
    session ends): the provider's end_session_endpoint for a single sign-on, so that the provider's session
    ends too; "" for a password login, or when the provider offers no such endpoint (then only this site's
    session ends)."""
    id_token = request.session.get("oidc_id_token")
    if not settings.OIDC_ENABLED or request.session.get(ISSUER_SESSION_KEY) != settings.OIDC_ISSUER or not id_token:
        return ""
    try:
        end_session = discovery.endpoint("end_session_endpoint", required=False)
    except discovery.ProviderUnavailable:
        return ""
    if not end_session:
        return ""
    query = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
    }
    return f"{end_session}?{urlencode(query)}"
