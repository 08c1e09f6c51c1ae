"""Webhook SSRF: host names resolved on save and on every send, only public addresses on port 443, the
connection pinned to the checked address (Host, SNI and certificate of the name), generic errors.

DNS and the internet are the stand-in of tests/fake_network.py (the autouse `fake_internet` fixture).
"""

import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from tests.fake_network import PUBLIC_ADDRESS
from tests.webhooks import test_webhooks as hooks
from webhooks import addresses
from webhooks.addresses import is_public_address
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_endpoint_save, webhook_event, webhooks_deliver

pytestmark = pytest.mark.django_db

SECRET = "a-long-shared-secret-0001"
INTERNAL = "Interne Adressen sind als Ziel nicht erlaubt."
HOOK_NAME = "hooks.example.org"


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 3  # bounds a broken test; every receiver here answers at once
    settings.WEBHOOK_MAX_ATTEMPTS = 6


def save(editor, url: str) -> WebhookEndpoint:
    return webhook_endpoint_save(user=editor, url=url, secret=SECRET, events=[WebhookEvent.EDITION_PUBLISHED])


def deliver_one(url: str) -> WebhookDelivery:
    """An endpoint stored as registered (valid then), one event for it, one run of the deliveries."""
    WebhookEndpoint.objects.create(url=url, secret=SECRET, events=[WebhookEvent.EDITION_PUBLISHED])
    webhook_event(WebhookEvent.EDITION_PUBLISHED, {"edition": 2030})
    webhooks_deliver(now=timezone.now())
    return WebhookDelivery.objects.get()


# --- Which addresses are public ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # AWS, GCP, Azure metadata
        "100.100.100.200",  # Alibaba metadata (shared address space, CGNAT)
        "100.64.0.1",
        "192.0.0.192",  # Oracle metadata (IETF protocol assignments)
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00:ec2::254",  # AWS metadata over IPv6 (unique local)
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2001:db8::1",  # documentation
    ],
)
def test_internal_addresses_are_not_public(address):
    assert is_public_address(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d70e::1"])
def test_internet_addresses_are_public(address):
    assert is_public_address(ipaddress.ip_address(address)) is True


# --- On save -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "resolves_to", "message"),
    [
        ("https://127.0.0.1.nip.io/hook", ["127.0.0.1"], INTERNAL),
        ("https://localtest.me/hook", ["127.0.0.1", "::1"], INTERNAL),
        ("https://metadata.google.internal/computeMetadata/v1/", ["169.254.169.254"], INTERNAL),
        ("https://intranet.example.org/hook", ["10.0.0.8"], INTERNAL),
        ("https://v6.example.org/hook", ["fd00::8"], INTERNAL),
        ("https://mapped.example.org/hook", ["::ffff:127.0.0.1"], INTERNAL),
        ("https://nat64.example.org/hook", ["64:ff9b::a9fe:a9fe"], INTERNAL),
        ("https://sixtofour.example.org/hook", ["2002:7f00:1::"], INTERNAL),
        ("https://cgnat.example.org/hook", ["100.100.100.200"], INTERNAL),
        # one internal answer among public ones is enough: the connection could take it
        ("https://mixed.example.org/hook", [PUBLIC_ADDRESS, "127.0.0.1"], INTERNAL),
        ("https://example.org:6379/", None, "Als Port ist nur 443 erlaubt (https)."),
        ("https://hooks.example.org:8443/hook", None, "Als Port ist nur 443 erlaubt (https)."),
        ("https://gone.example.org/hook", [], "Der Name „gone.example.org“ lässt sich nicht auflösen."),
    ],
)
def test_a_name_that_resolves_to_an_internal_address_or_another_port_is_refused_on_save(
    editor, fake_internet, url, resolves_to, message
):
    # given
    if resolves_to is not None:
        fake_internet.add(url.split("/")[2], *resolves_to)

    # when
    with pytest.raises(ValidationError) as error:
        save(editor, url)

    # then
    assert error.value.message_dict["url"] == [message]
    assert WebhookEndpoint.objects.count() == 0
    assert fake_internet.connections == []


def test_a_name_for_the_local_receiver_is_refused_even_while_local_http_is_allowed(editor, fake_internet, settings):
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = True
    fake_internet.add("127.0.0.1.nip.io", "127.0.0.1")

    with pytest.raises(ValidationError) as error:
        save(editor, "https://127.0.0.1.nip.io/hook")

    assert error.value.message_dict["url"] == [INTERNAL]


@pytest.mark.parametrize("url", ["https://hooks.example.org/sci", "https://hooks.example.org:443/sci?token=1"])
def test_a_public_name_on_port_443_is_accepted_after_resolving_it(editor, fake_internet, url):
    endpoint = save(editor, url)

    assert WebhookEndpoint.objects.get().url == endpoint.url == url
    assert HOOK_NAME in fake_internet.lookups


def test_the_api_refuses_a_metadata_name_with_the_field_named(editor, fake_internet):
    fake_internet.add("metadata.google.internal", "169.254.169.254")
    client = APIClient()
    client.force_authenticate(editor)

    response = client.post(
        "/api/v1/editor/webhooks/",
        {"url": "http://metadata.google.internal/", "secret": SECRET, "events": ["edition.published"]},
        format="json",
    )
    https = client.post(
        "/api/v1/editor/webhooks/",
        {"url": "https://metadata.google.internal/", "secret": SECRET, "events": ["edition.published"]},
        format="json",
    )

    assert (response.status_code, https.status_code) == (400, 400)
    assert response.json()["errors"] == {"url": ["Die Adresse muss mit https:// beginnen."]}
    assert https.json()["errors"] == {"url": [INTERNAL]}
    assert WebhookEndpoint.objects.count() == 0


# --- On every send -----------------------------------------------------------------------------------


def test_dns_rebinding_to_loopback_is_refused_at_send_without_connecting(fake_internet):
    # given: the name was public when the endpoint was registered, and points to loopback now
    fake_internet.add("rebind.example.org", PUBLIC_ADDRESS)
    WebhookEndpoint.objects.create(
        url="https://rebind.example.org/hook", secret=SECRET, events=[WebhookEvent.EDITION_PUBLISHED]
    )
    webhook_event(WebhookEvent.EDITION_PUBLISHED, {"edition": 2030})
    fake_internet.add("rebind.example.org", "127.0.0.1")

    # when
    result = webhooks_deliver(now=timezone.now())

    # then: given up at once, nothing connected
    delivery = WebhookDelivery.objects.get()
    assert result == {"delivered": 0, "failed": 1, "claimed": 1}
    assert (delivery.state, delivery.last_status_code, delivery.last_error) == ("failed", None, INTERNAL)
    assert fake_internet.connections == []


class TLSReceiver:
    """An HTTPS receiver on 127.0.0.1 with a certificate for `certificate_name` from a test CA.

    Records the SNI name and the Host header of each request; answers 204.
    """

    def __init__(self, ca: trustme.CA, certificate_name: str):
        self.server_names: list[str] = []
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, format, *args):
                pass

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(certificate_name).configure_cert(context)
        context.sni_callback = lambda connection, name, _context: self.server_names.append(name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def test_ca(monkeypatch):
    """A CA the sending side trusts (instead of the system's), as a real receiver's CA would be."""
    ca = trustme.CA()

    def trusting_context() -> ssl.SSLContext:
        context = ssl.create_default_context()
        ca.configure_trust(context)
        return context

    monkeypatch.setattr(addresses, "tls_context", trusting_context)
    return ca


@pytest.fixture
def tls_receiver(test_ca, fake_internet):
    receivers = []

    def make(certificate_name: str) -> TLSReceiver:
        receiver = TLSReceiver(test_ca, certificate_name)
        receivers.append(receiver)
        # the public address of hooks.example.org, port 443, is this receiver
        fake_internet.routes[(PUBLIC_ADDRESS, 443)] = ("127.0.0.1", receiver.port)
        return receiver

    yield make
    for receiver in receivers:
        receiver.stop()


def test_the_connection_goes_to_the_checked_address_and_speaks_to_the_name(fake_internet, tls_receiver):
    # given: hooks.example.org resolves to a public address, where the receiver answers with its certificate
    receiver = tls_receiver(HOOK_NAME)

    # when
    delivery = deliver_one(f"https://{HOOK_NAME}/hook")

    # then: one lookup, one connection to the checked address; Host, SNI and certificate are the name's
    assert (delivery.state, delivery.last_status_code, delivery.last_error) == ("delivered", 204, "")
    assert fake_internet.lookups == [HOOK_NAME]
    assert fake_internet.connections == [(PUBLIC_ADDRESS, 443)]
    assert receiver.hosts == [HOOK_NAME]
    assert receiver.server_names == [HOOK_NAME]


def test_a_certificate_for_another_name_fails_the_delivery(fake_internet, tls_receiver):
    tls_receiver("other.example.net")

    delivery = deliver_one(f"https://{HOOK_NAME}/hook")

    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error == "TLS-Verbindung fehlgeschlagen"
    assert fake_internet.connections == [(PUBLIC_ADDRESS, 443)]


def test_local_http_tries_the_checked_addresses_of_localhost_in_order(fake_internet, settings):
    # given: localhost resolves to ::1 first, the receiver listens on 127.0.0.1 only
    settings.WEBHOOK_ALLOW_LOCAL_HTTP = True
    receiver = hooks.Receiver(secret=SECRET)
    port = receiver.server.server_address[1]
    fake_internet.add("localhost", "::1", "127.0.0.1")
    try:
        # when
        delivery = deliver_one(f"http://localhost:{port}/hook")
    finally:
        receiver.stop()

    # then
    assert (delivery.state, delivery.last_status_code) == ("delivered", 200)
    assert fake_internet.connections == [("::1", port), ("127.0.0.1", port)]
    assert receiver.requests[0]["headers"]["Host"] == f"localhost:{port}"


# --- Generic errors in the log editors see ------------------------------------------------------------


def test_a_refused_connection_is_logged_without_the_socket_error(fake_internet):
    delivery = deliver_one(f"https://{HOOK_NAME}/hook")

    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, None, "Verbindung fehlgeschlagen")
    assert [entry["error"] for entry in delivery.attempt_log] == ["Verbindung fehlgeschlagen"]
    assert fake_internet.connections == [(PUBLIC_ADDRESS, 443)]


def test_a_receiver_that_never_answers_is_logged_as_a_timeout(fake_internet, settings):
    # given: a server that accepts the connection and never answers (the timeout is certain, not raced)
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    silent = socket.create_server(("127.0.0.1", 0))
    fake_internet.routes[(PUBLIC_ADDRESS, 443)] = silent.getsockname()
    try:
        # when
        delivery = deliver_one(f"https://{HOOK_NAME}/hook")
    finally:
        silent.close()

    # then
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, None, "Zeitüberschreitung")


def test_an_unresolvable_name_at_send_is_retried_later(fake_internet):
    fake_internet.add("gone.example.org")

    delivery = deliver_one("https://gone.example.org/hook")

    assert (delivery.state, delivery.attempts, delivery.last_error) == ("pending", 1, "Name nicht auflösbar")
    assert fake_internet.connections == []
