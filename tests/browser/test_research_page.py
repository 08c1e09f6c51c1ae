"""The desk research page in a browser: it fits a 1366 px screen, and a researcher enters a value with the
keyboard alone (Tab between the fields, Enter to save)."""

from decimal import Decimal

import pytest

from indicators.models import Answer, Parameter
from tests.browser.helpers import log_in
from tests.factories import UserFactory, cities_of, parameter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = (
    "Anteil der Busse im Linienverkehr mit emissionsarmem Antrieb (Elektro, Wasserstoff, Biogas) am gesamten Fuhrpark"
)


def test_a_researcher_enters_a_value_with_the_keyboard_at_1366_px(live_server, chromium, role_groups, edition):
    # given: a city that has not answered, long parameter names as in the real catalogue
    Parameter.objects.filter(indicator__domain__edition=edition).update(name_de=LONG_NAME)
    city = cities_of(edition)[0]
    UserFactory(username="rita", groups=["researchers"], is_staff=True)
    page = chromium.new_context(locale="de-DE", viewport={"width": 1366, "height": 768}).new_page()
    page.set_default_timeout(15_000)
    url = f"/admin/indicators/researchcity/{city.pk}/change/?ausgabe={edition.year}"

    # when: the page opens
    log_in(page, f"{live_server.url}/admin/login/?next={url}", "rita")
    page.locator("#parameter-busse").wait_for()

    # then: nothing sticks out to the right
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366

    # when: value, Tab, source, Tab to the Stand (past the note), type it, Enter
    page.locator("#id_busse-value").focus()
    page.keyboard.type("45,5")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "busse-evidence_url"
    page.keyboard.type("https://statistik.example/busse.pdf")
    while page.evaluate("() => document.activeElement.name") != "busse-as_of":
        page.keyboard.press("Tab")
    # (the date field's typing order follows Chromium's own locale, so the date is filled in one step)
    page.locator("#id_busse-as_of").fill("2024-03-31")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("recherchiert und zur Prüfung eingereicht").wait_for()

    # then
    answer = Answer.objects.get(city=city, parameter=parameter(edition, "busse"))
    assert (answer.value_number, answer.source_kind, answer.status) == (Decimal("45.5"), "research", "submitted")
    assert answer.as_of.isoformat() == "2024-03-31"
