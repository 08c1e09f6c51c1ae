"""Login attempts are rate-limited (django-axes): five wrong passwords lock the user name out for a while."""

import pytest
from axes.models import AccessAttempt

from smartcity.client_address import client_ip
from tests.factories import UserFactory
from tests.test_settings import manage

pytestmark = pytest.mark.django_db

LOCKED = "Zu viele Anmeldeversuche"


def log_in(client, url: str, password: str):
    return client.post(url, {"username": "kim", "password": password})


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_login_even_for_the_right_one(client, settings, url):
    UserFactory(username="kim", is_staff=True)

    failures = [log_in(client, url, f"falsch-{n}") for n in range(settings.AXES_FAILURE_LIMIT - 1)]
    last_failure = log_in(client, url, "falsch-letzter")
    after = log_in(client, url, "secret-pass-123")

    assert [response.status_code for response in failures] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert last_failure.status_code == 429
    assert after.status_code == 429
    assert LOCKED in after.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_login_before_the_limit_resets_the_count(client, settings):
    UserFactory(username="kim")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "/accounts/login/", f"falsch-{n}")

    ok = log_in(client, "/accounts/login/", "secret-pass-123")
    client.logout()
    again = [log_in(client, "/accounts/login/", f"wieder-falsch-{n}") for n in range(settings.AXES_FAILURE_LIMIT - 1)]

    assert ok.status_code == 302
    assert [response.status_code for response in again] == [200] * (settings.AXES_FAILURE_LIMIT - 1)


def test_another_user_name_is_not_locked_by_someone_elses_failures(client, settings):
    UserFactory(username="kim")
    UserFactory(username="ali")
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "/accounts/login/", f"falsch-{n}")

    response = client.post("/accounts/login/", {"username": "ali", "password": "secret-pass-123"})

    assert response.status_code == 302


# --- The client's address behind a reverse proxy (TRUSTED_PROXIES) ---------------------------------

PROXY = "10.0.0.2"
CLIENT_A = "198.51.100.7"
CLIENT_B = "203.0.113.9"


def log_in_from(client, password: str, *, remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": "kim", "password": password}, **extra)


def test_behind_a_trusted_proxy_two_clients_are_locked_separately(client, settings):
    # given: one reverse proxy, trusted; client A used up its attempts for "kim"
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="kim")
    attempts_a = [
        log_in_from(client, f"falsch-{n}", remote=PROXY, forwarded=CLIENT_A) for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    # when: client B, through the same proxy, logs in as "kim" with the right password
    locked_a = log_in_from(client, "secret-pass-123", remote=PROXY, forwarded=CLIENT_A)
    from_b = log_in_from(client, "secret-pass-123", remote=PROXY, forwarded=CLIENT_B)

    # then
    assert attempts_a[-1].status_code == 429
    assert locked_a.status_code == 429
    assert from_b.status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]


def test_a_forged_forwarded_header_is_ignored_without_a_trusted_proxy(client, settings):
    # given: no proxy trusted (the default); the attacker sends a new X-Forwarded-For every time
    assert settings.TRUSTED_PROXIES == []
    UserFactory(username="kim")

    # when
    responses = [
        log_in_from(client, f"falsch-{n}", remote=CLIENT_A, forwarded=f"192.0.2.{n}")
        for n in range(settings.AXES_FAILURE_LIMIT + 1)
    ]

    # then: all counted against the connection's own address
    assert [response.status_code for response in responses][-2:] == [429, 429]
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]


def test_behind_a_trusted_proxy_a_client_prepended_address_is_ignored(client, settings):
    # given: the proxy appends the address it saw; the client puts a new fake one in front every time
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="kim")

    # when
    responses = [
        log_in_from(client, f"falsch-{n}", remote=PROXY, forwarded=f"192.0.2.{n}, {CLIENT_A}")
        for n in range(settings.AXES_FAILURE_LIMIT + 1)
    ]

    # then: the right-most address no trusted proxy wrote counts
    assert [response.status_code for response in responses][-2:] == [429, 429]
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]


def test_a_request_that_bypasses_the_trusted_proxy_keeps_its_own_address(client, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="kim")

    log_in_from(client, "falsch", remote=CLIENT_B, forwarded=CLIENT_A)

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_B]


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "198.51.100.7", "203.0.113.9", "198.51.100.7"),
        (["10.0.0.0/8"], "10.0.0.2", "203.0.113.9, 10.0.0.3", "203.0.113.9"),  # two proxies of the network
        (["10.0.0.0/8"], "10.0.0.2", "not-an-address, 10.0.0.3", "10.0.0.3"),  # garbage stops the walk
        (["10.0.0.2"], "10.0.0.2", "", "10.0.0.2"),  # the proxy sent no header: its own address
        (["10.0.0.2"], "10.0.0.2", "10.0.0.2", "10.0.0.2"),  # every hop trusted: the left-most
        (["10.0.0.2"], "10.0.0.2", " ::ffff:198.51.100.7 ", "198.51.100.7"),  # IPv4-mapped IPv6
        (["2001:db8::/32"], "2001:db8::1", "2606:4700::1111", "2606:4700::1111"),
    ],
)
def test_the_client_address_is_the_right_most_one_no_trusted_proxy_wrote(
    rf, settings, trusted, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = trusted
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_a_trusted_proxy_that_is_no_address_stops_the_start_with_a_clear_message():
    result = manage("check", TRUSTED_PROXIES="10.0.0.0/8,proxy.intern")

    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.intern' is not an address or a network." in result.stderr
