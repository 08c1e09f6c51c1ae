"""System checks of the project's own settings, run by `manage.py check --deploy` (DEBUG off)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.http.request import validate_host

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs) -> list[Warning]:
    """SITE_URL is where every link in an e-mail points: https, a public host, one the site answers to."""
    if settings.DEBUG:
        return []
    parts = urlsplit(settings.SITE_URL)
    host = parts.hostname or ""
    warnings = []
    if parts.scheme != "https":
        warnings.append(
            Warning(
                f"SITE_URL {settings.SITE_URL!r} is not https://: links in e-mails (password reset, invitations) "
                "would travel unencrypted.",
                hint="Set SITE_URL to the site's public https:// address.",
                id="smartcity.W001",
            )
        )
    if _is_loopback(host):
        warnings.append(
            Warning(
                f"SITE_URL {settings.SITE_URL!r} names this machine: links in e-mails would not reach the site.",
                hint="Set SITE_URL to the site's public address, e.g. https://index.example.org.",
                id="smartcity.W002",
            )
        )
    elif host and not validate_host(host, settings.ALLOWED_HOSTS):
        warnings.append(
            Warning(
                f"SITE_URL's host {host!r} is not in ALLOWED_HOSTS: links in e-mails would be refused (400).",
                hint="Add the host to ALLOWED_HOSTS, or correct SITE_URL.",
                id="smartcity.W003",
            )
        )
    return warnings


@register(Tags.security, deploy=True)
def check_legal_texts(app_configs=None, **kwargs) -> list[Warning]:
    """The legal pages (Impressum, Datenschutz, Barrierefreiheit) must name the real operator, not the demo one."""
    if settings.DEBUG or not settings.LEGAL_DEMO:
        return []
    return [
        Warning(
            "LEGAL_OPERATOR_NAME is not set: the Impressum, the privacy notice and the accessibility statement show "
            "demo values.",
            hint="Set the LEGAL_* and ACCESSIBILITY_* variables (README, 'Rechtliche Seiten').",
            id="smartcity.W004",
        )
    ]


@register(Tags.security)
def check_oidc(app_configs=None, **kwargs) -> list[Error]:
    """Single sign-on switched on (OIDC_ENABLED) needs its provider, client and scopes: errors stop the start."""
    if not settings.OIDC_ENABLED:
        return []
    errors = []
    for setting, variable in (
        ("OIDC_ISSUER", "OIDC_ISSUER"),
        ("OIDC_RP_CLIENT_ID", "OIDC_CLIENT_ID"),
        ("OIDC_RP_CLIENT_SECRET", "OIDC_CLIENT_SECRET"),
    ):
        if not getattr(settings, setting):
            errors.append(
                Error(
                    f"OIDC_ENABLED is on, but {variable} is empty.",
                    hint=f"Set {variable} (README, 'Single sign-on (OpenID Connect)') or switch OIDC_ENABLED off.",
                    id="smartcity.E010",
                )
            )
    issuer = urlsplit(settings.OIDC_ISSUER)
    if settings.OIDC_ISSUER and (issuer.scheme not in ("http", "https") or not issuer.hostname):
        errors.append(
            Error(
                f"OIDC_ISSUER {settings.OIDC_ISSUER!r} is not an http(s):// address.",
                hint="Set OIDC_ISSUER to the provider's issuer, e.g. https://login.example.de/realms/stadt.",
                id="smartcity.E011",
            )
        )
    elif settings.OIDC_ISSUER and issuer.scheme != "https" and not settings.DEBUG:
        errors.append(
            Error(
                f"OIDC_ISSUER {settings.OIDC_ISSUER!r} is not https://: tokens and the client secret would travel "
                "unencrypted.",
                hint="Use the provider's https:// issuer.",
                id="smartcity.E012",
            )
        )
    if not {"openid", "email"} <= set(settings.OIDC_RP_SCOPES.split()):
        errors.append(
            Error(
                f"OIDC_SCOPES {settings.OIDC_RP_SCOPES!r} lacks 'openid' or 'email': a sign-on could not be mapped "
                "to an account.",
                hint="Set OIDC_SCOPES to at least 'openid email' (default: 'openid email profile').",
                id="smartcity.E013",
            )
        )
    if settings.OIDC_RP_SIGN_ALGO not in ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256"):
        errors.append(
            Error(
                f"OIDC_SIGN_ALGO {settings.OIDC_RP_SIGN_ALGO!r} is not an asymmetric signature algorithm.",
                hint="Use the algorithm the provider signs ID tokens with (RS256 by default).",
                id="smartcity.E014",
            )
        )
    return errors
