"""Signing in and resetting a password on the site's own pages: a wrong password says so, and a reset link
comes from SITE_URL, never from the request's Host header."""

import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's
NEW = "Fahrrad-Ampel-Glasfaser-7"


def test_a_wrong_password_says_so_and_offers_the_reset(client):
    UserFactory(username="kim")

    response = client.post("/accounts/login/", {"username": "kim", "password": "falsch"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch." in page
    assert "Bitte einen gültigen Benutzernamen" not in page
    assert 'href="/accounts/password_reset/">Passwort vergessen?</a>' in page


def test_the_login_page_is_in_english_for_an_english_reader(client):
    page = client.get("/en/accounts/login/").content.decode()

    assert "Forgot your password?" in page and '<h1 id="login-h">Log in</h1>' in page


def test_a_reset_mail_links_to_the_configured_site_whatever_host_the_request_named(client, settings):
    # given: a user, the configured address, and a request that claims another host
    UserFactory(username="kim", email="kim@bochum.example")
    settings.SITE_URL = "https://sci.example.org"
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]

    # when
    response = client.post("/accounts/password_reset/", {"email": "kim@bochum.example"}, HTTP_HOST="evil.example")

    # then
    assert response.status_code == 302
    (message,) = mail.outbox
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(link.startswith("https://sci.example.org/accounts/reset/") for link in links)
    assert "evil.example" not in message.body
    assert message.subject == "Smart City Index: Passwort zurücksetzen"


def test_the_reset_link_sets_a_new_password_once(client, settings):
    user = UserFactory(username="kim", email="kim@bochum.example")
    settings.SITE_URL = "http://testserver"
    client.post("/accounts/password_reset/", {"email": "kim@bochum.example"})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True)
    again = client.get(link, follow=True)

    user.refresh_from_db()
    assert "Neues Passwort setzen" in form.content.decode()
    assert "Passwort gespeichert" in done.content.decode()
    assert user.check_password(NEW)
    assert "Der Link ist ungültig oder wurde schon benutzt." in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post("/accounts/password_reset/", {"email": "niemand@example.org"}, follow=True)

    assert "E-Mail unterwegs" in response.content.decode()
    assert mail.outbox == []
