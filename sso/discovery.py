"""The provider's endpoints: from the settings where given, else from its discovery document (cached)."""

import requests
from django.conf import settings
from django.core.cache import cache

# The discovery document changes rarely; an hour in the shared cache spares the provider a request per sign-in.
DISCOVERY_CACHE_SECONDS = 3600

# Discovery field -> the setting that overrides it (mozilla-django-oidc's names).
ENDPOINT_SETTINGS = {
    "authorization_endpoint": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "token_endpoint": "OIDC_OP_TOKEN_ENDPOINT",
    "userinfo_endpoint": "OIDC_OP_USER_ENDPOINT",
    "jwks_uri": "OIDC_OP_JWKS_ENDPOINT",
    "end_session_endpoint": "OIDC_OP_END_SESSION_ENDPOINT",
}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read, or it lacks a required endpoint."""


def discovery_url(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


def _discovery_document() -> dict:
    key = f"sso:discovery:{settings.OIDC_ISSUER}"
    document = cache.get(key)
    if document is None:
        try:
            response = requests.get(discovery_url(settings.OIDC_ISSUER), timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(str(error)) from error
        if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != settings.OIDC_ISSUER:
            # OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
            raise ProviderUnavailable(f"the discovery document does not name the issuer {settings.OIDC_ISSUER}")
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def endpoint(name: str, *, required: bool = True) -> str:
    """The provider's endpoint `name` (a discovery field, e.g. "token_endpoint"); "" when optional and absent."""
    configured = getattr(settings, ENDPOINT_SETTINGS[name], "")
    if configured:
        return configured
    value = _discovery_document().get(name) or ""
    if required and not value:
        raise ProviderUnavailable(f"the provider names no {name}")
    return value
