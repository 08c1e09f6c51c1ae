"""The client's address behind the reverse proxies of TRUSTED_PROXIES (the login lockout's key).

Without a trusted proxy (the default) it is the connection's address, REMOTE_ADDR, and any
X-Forwarded-For is ignored: a client could write anything there. Behind trusted proxies each of them
appends the address it was connected from, so the chain is read from the right: REMOTE_ADDR, then
X-Forwarded-For right to left, skipping the trusted proxies; the first address no trusted proxy can
have written is the client's. What a client puts in front of the chain itself is never reached.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """TRUSTED_PROXIES as networks: each entry an address or a network ("10.0.0.2", "10.0.0.0/8"). Cached:
    every anonymous API request and every login asks (the settings' tuple is the key)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an address or a network.") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request) -> str:
    """The client's address for `request` (django-axes' AXES_CLIENT_IP_CALLABLE).

    If every hop is a trusted proxy, the left-most one; if the walk meets an entry that is not an
    address (only a client writes such a thing), the last address before it.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [remote, *reversed(forwarded.split(","))] if forwarded.strip() else [remote]
    client = remote
    for hop in hops:
        address = _address(hop)
        if address is None:
            return client
        client = str(address)
        if not any(address.version == network.version and address in network for network in networks):
            return client
    return client


def single_sign_on_attempt(request, credentials: dict | None = None) -> bool:
    """AXES_WHITELIST_CALLABLE: the lockout counts password guesses only. A single sign-on's callback (sso/)
    goes through authenticate() too, with a nonce and a PKCE verifier and no password; counting its refusals
    would lock everybody behind a town hall's shared address out of the sign-on after five strangers. The
    provider checks (and limits) those passwords."""
    return credentials is not None and "code_verifier" in credentials and not credentials.get("password")
