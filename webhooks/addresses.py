"""Where a webhook may go: the URL's rules, its host resolved and checked, the connection pinned to that address.

An editor's URL must not reach the server's own network (SSRF). A host *name* is resolved here, on
save and again before every sending (the answer may change: DNS rebinding), and every address it
resolves to must be public; the connection then goes to a checked address, never to a second
lookup, while Host header, SNI and certificate check use the name. Only https on port 443 leaves the
machine; plain http (any port) only to 127.0.0.1 / localhost / ::1 while WEBHOOK_ALLOW_LOCAL_HTTP is on.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
HTTPS_PORT = 443

# Refused although Python's `is_global` lets them pass (on some versions): the IETF protocol block
# with Oracle's metadata service 192.0.0.192, shared address space (CGNAT; Alibaba's metadata
# 100.100.100.200), "this network", benchmarking, multicast and the reserved rest.
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "64:ff9b:1::/48",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)
# IPv6 forms that carry an IPv4 address which is reached in the end (NAT64's well-known prefix).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Of a name's checked addresses, this many are tried in the resolver's order (IPv6 first, then IPv4:
# "localhost" is ::1 and 127.0.0.1), each within the timeout; a dead receiver costs at most this many.
CONNECT_ADDRESSES = 3


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address on the public internet; False for private, loopback, link-local,
    unique-local, multicast, reserved, CGNAT and metadata ranges, also inside IPv4-mapped, 6to4,
    Teredo and NAT64 IPv6 addresses."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if address in NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(inner is not None and not is_public_address(inner) for inner in embedded):
            return False
    flags = (
        address.is_private,
        address.is_loopback,
        address.is_link_local,
        address.is_multicast,
        address.is_reserved,
        address.is_unspecified,
    )
    in_blocked = any(address.version == network.version and address in network for network in BLOCKED_NETWORKS)
    return address.is_global and not any(flags) and not in_blocked


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`addresses`, `port`) and what to say there (`host`, `path`)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def webhook_target(url: str) -> Target:
    """Check `url` and resolve its host; the target to connect to, or ValidationError.

    Codes: invalid, https_required, credentials, port, unresolvable (the name has no address now;
    may be transient), internal_address (an address that is not public, or not loopback for a
    local target).
    """
    URLValidator(schemes=["http", "https"])(url)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        raise ValidationError(_("Bitte eine gültige Adresse eingeben."), code="invalid") from None
    local = settings.WEBHOOK_ALLOW_LOCAL_HTTP and host in LOCAL_HOSTS
    if parts.scheme != "https" and not local:
        raise ValidationError(_("Die Adresse muss mit https:// beginnen."), code="https_required")
    if parts.username or parts.password:
        raise ValidationError(_("Die Adresse darf keine Zugangsdaten enthalten."), code="credentials")
    if not local and port not in (None, HTTPS_PORT):
        raise ValidationError(_("Als Port ist nur 443 erlaubt (https)."), code="port")
    port = port or (HTTPS_PORT if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    allowed = (lambda address: address.is_loopback) if local else is_public_address
    if not all(allowed(address) for address in addresses):
        raise ValidationError(_("Interne Adressen sind als Ziel nicht erlaubt."), code="internal_address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    checked = tuple(str(address) for address in addresses[:CONNECT_ADDRESSES])
    return Target(scheme=parts.scheme, host=host, port=port, path=path, addresses=checked)


def validate_webhook_url(url: str) -> None:
    """The URL field's validator (model, admin form, services): webhook_target without its result."""
    webhook_target(url)


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` resolves to (a literal address is itself), in the resolver's order."""
    try:
        infos = lookup(host, port)
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        raise ValidationError(
            _("Der Name „%(host)s“ lässt sich nicht auflösen."), code="unresolvable", params={"host": host}
        )
    return addresses


def lookup(host: str, port: int) -> list[tuple]:
    """The system resolver's answer, socket.getaddrinfo's tuples (tests replace it with a stand-in)."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def connect(address: tuple[str, int], timeout: float) -> socket.socket:
    """The TCP connection to a checked address (tests replace it to stand in for the internet)."""
    return socket.create_connection(address, timeout)


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, hostname checked (tests replace it to trust their own CA)."""
    return ssl.create_default_context()


def _connect_checked(target: Target, timeout: float) -> socket.socket:
    """The first of the checked addresses that accepts the connection (the last error otherwise)."""
    error = None
    for address in target.addresses:
        try:
            return connect((address, target.port), timeout)
        except OSError as failed:
            error = failed
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked addresses instead of resolving `host` again; speaks to `host` there."""

    def __init__(self, target: Target, *, timeout: float, **kwargs):
        super().__init__(target.host, target.port, timeout=timeout, **kwargs)
        self._create_connection = lambda _address, timeout, *rest: _connect_checked(target, timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection, http.client.HTTPSConnection):
    """As above over TLS: SNI and the certificate's check use the name (HTTPSConnection.connect)."""


def connection(target: Target, *, timeout: float) -> http.client.HTTPConnection:
    """An unopened HTTP(S) connection to `target`, pinned to its checked addresses."""
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target, timeout=timeout, context=tls_context())
    return _PinnedHTTPConnection(target, timeout=timeout)
