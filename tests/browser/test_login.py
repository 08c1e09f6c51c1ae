"""Signing in as a person does: the site's own page, a clear message for a wrong password, the reset link."""

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_a_wrong_password_is_said_plainly_and_the_reset_is_one_tab_away(live_server, chromium, viewport):
    UserFactory(username="kim")
    context = chromium.new_context(locale="de-DE", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)

    # when: keyboard only, a wrong password
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").focus()
    page.keyboard.type("kim")
    page.keyboard.press("Tab")
    page.keyboard.type("falsch")
    page.keyboard.press("Enter")

    # then: the message says what is wrong, in the site's layout, and the reset link follows the button
    alert = page.get_by_role("alert")
    assert "Benutzername oder Passwort ist falsch." in alert.inner_text()
    assert page.locator(".site-header").is_visible()
    page.locator("input[name=password]").focus()
    page.keyboard.press("Tab")  # the button
    page.keyboard.press("Tab")  # the reset link
    assert page.evaluate("document.activeElement.textContent") == "Passwort vergessen?"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
