"""The public FAQ on a phone (375 px): it fits the screen, and a reader reaches a question from the list of
questions with the keyboard alone; the help page for city staff fits too."""

import pytest

from tests import factories
from tests.browser.test_public_site import shot
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 700}


@pytest.fixture
def published(editor):
    edition = factories.small_edition(cities=4, year=2040)
    answer_all(edition)
    publish(edition, editor)
    return edition


def test_a_phone_reader_follows_a_question_link_with_the_keyboard(live_server, page, published):
    # given
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/faq/")
    assert page.locator("h1").inner_text() == "Häufige Fragen"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    target = page.locator("#rangaenderungen-h")
    assert not target.is_visible() or target.bounding_box()["y"] > PHONE["height"]  # below the first screen

    # when: Tab until the question "Warum ändern sich Ränge?" has the focus, then Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#rangaenderungen":
            break
    assert page.evaluate("document.activeElement.textContent") == "Warum ändern sich Ränge?"
    page.keyboard.press("Enter")

    # then: the address names the question and its heading is on screen
    page.wait_for_url("**/faq/#rangaenderungen")
    box = target.bounding_box()
    assert 0 <= box["y"] < PHONE["height"]
    assert target.inner_text() == "Warum ändern sich Ränge?"
    shot(page, "faq-phone")


def test_the_english_faq_and_the_help_page_fit_a_phone(live_server, page, published):
    # given a city's staff member
    city = factories.cities_of(published)[0]
    factories.small_edition(cities=0, year=2041).participations.create(city=city)
    user = factories.UserFactory(cities=[city])
    page.set_viewport_size(PHONE)

    # the English FAQ
    page.goto(live_server.url + "/en/faq/")
    assert page.locator("h1").inner_text() == "Frequently asked questions"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the help page, after signing in
    page.goto(live_server.url + "/accounts/login/?next=/portal/hilfe/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "secret-pass-123")
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/hilfe/")
    assert page.locator("h1").inner_text() == "Hilfe für Städte"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "help-phone")
