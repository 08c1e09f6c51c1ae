"""System checks of the project's own settings, run by `manage.py check --deploy` (DEBUG off)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
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
