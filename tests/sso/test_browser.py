"""Single sign-on as a person does it in Chromium: the button on the login page, the provider's pages (a real
OpenID Connect provider, tests/sso/conftest.py), the portal, and "Abmelden" ending both sessions."""

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.oidc_provider, pytest.mark.django_db(transaction=True)]


def test_city_staff_sign_on_with_the_button_and_sign_out_again(live_server, sso_settings, page):
    # given: alice works for a city; her administration's provider knows her verified address
    city = factories.CityFactory()
    factories.UserFactory(username="alice.a", email="alice@stadt.example", cities=[city])
    # when: she presses the button on the login page and signs in at the provider
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Mit dem Konto Ihrer Verwaltung anmelden").click()
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("at-the-provider")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent, the first time
    # then: she is in the portal, signed in
    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.get_by_role("heading", name="Fragebogen Ihrer Stadt").is_visible()
    assert page.get_by_role("button", name="Abmelden").is_visible()
    # when: she signs out, and confirms at the provider
    page.get_by_role("button", name="Abmelden").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    # then: she is back on the site's home page, signed out
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("button", name="Abmelden").count() == 0
