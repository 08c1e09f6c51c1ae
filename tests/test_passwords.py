"""Passwords go through Django's validators wherever they are set: the user's own change form and the
admin's user forms. A refused password changes nothing."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = "secret-pass-123"  # tests.factories.UserFactory's
STRONG = "Fahrrad-Ampel-Glasfaser-7"


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("kurz1!", "zu kurz"),
        ("password", "zu üblich"),
        ("84736251904", "komplett numerisch"),
        ("maxmustermann-stadt", "zu ähnlich"),
    ],
    ids=["too-short", "common", "numeric", "like-the-user-name"],
)
def test_a_weak_new_password_is_refused_and_the_old_one_stays(client, weak, reason):
    # given
    user = UserFactory(username="maxmustermann-stadt")
    client.force_login(user)

    # when
    response = client.post(
        "/accounts/password_change/", {"old_password": OLD, "new_password1": weak, "new_password2": weak}
    )

    # then: the site's page (not the admin's) with the validator's reason
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert 'href="/accounts/password_change/"' in response.content.decode()  # the header's link
    user.refresh_from_db()
    assert user.check_password(OLD) and not user.check_password(weak)


def test_a_strong_new_password_is_taken(client):
    # given
    user = UserFactory()
    client.force_login(user)

    # when
    response = client.post(
        "/accounts/password_change/",
        {"old_password": OLD, "new_password1": STRONG, "new_password2": STRONG},
    )

    # then
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert "Ihr neues Passwort gilt ab sofort." in client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password(STRONG)


def test_the_admin_refuses_a_weak_password_for_a_new_user(admin_client):
    # when
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "neu", "password1": "12345678", "password2": "12345678", "usable_password": "true"},
    )

    # then
    assert response.status_code == 200
    assert "komplett numerisch" in response.content.decode()
    assert not get_user_model().objects.filter(username="neu").exists()
