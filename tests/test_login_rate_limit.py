"""Login attempts are rate-limited (django-axes): five wrong passwords lock the user name out for a while."""

import pytest

from tests.factories import UserFactory

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
