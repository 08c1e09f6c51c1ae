"""The review queue fits the screen: at 1366 px city, parameter, value, flags and status without sideways
scrolling; on a phone the city, parameter and value come first."""

from decimal import Decimal

import pytest

from indicators.models import Answer, Parameter
from tests.browser.helpers import log_in
from tests.factories import UserFactory, cities_of, parameter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = (
    "Anteil der Busse im Linienverkehr mit emissionsarmem Antrieb (Elektro, Wasserstoff, Biogas) am gesamten Fuhrpark"
)


def open_queue(live_server, chromium, edition, viewport: dict):
    """Long names, as in the real catalogue, and a submitted answer of every city; a reviewer opens the queue."""
    Parameter.objects.filter(indicator__domain__edition=edition).update(name_de=LONG_NAME)
    for city in cities_of(edition):
        Answer.objects.create(
            edition=edition,
            city=city,
            parameter=parameter(edition, "busse"),
            value_number=Decimal("75.9"),
            evidence_url="https://example.org/ein/sehr/langer/pfad/zum/nachweis-der-stadt.pdf",
            status=Answer.Status.SUBMITTED,
        )
    UserFactory(username="rita", groups=["reviewers"], is_staff=True)
    page = chromium.new_context(locale="de-DE", viewport=viewport).new_page()
    page.set_default_timeout(15_000)
    log_in(page, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/", "rita")
    page.locator("#result_list").wait_for()
    return page


def right_edges(page, names: list[str]) -> dict:
    return page.evaluate(
        """names => Object.fromEntries(names.map(name =>
            [name, document.querySelector(`#result_list .column-${name}`).getBoundingClientRect().right]))""",
        names,
    )


def test_the_queue_shows_every_column_that_matters_at_1366_px(live_server, chromium, role_groups, edition):
    # when
    page = open_queue(live_server, chromium, edition, {"width": 1366, "height": 768})

    # then: the columns a reviewer decides by end inside the window
    edges = right_edges(page, ["city", "parameter", "shown_value", "flags", "status"])
    assert all(edge <= 1366 for edge in edges.values()), edges
    assert page.locator("#result_list td.field-shown_value").first.inner_text() == "75,9 %"


def test_on_a_phone_the_queue_shows_city_parameter_and_value_first(live_server, chromium, role_groups, edition):
    # when
    page = open_queue(live_server, chromium, edition, {"width": 375, "height": 812})

    # then: city, parameter and value end on screen; the page itself does not scroll sideways
    edges = right_edges(page, ["city", "parameter", "shown_value"])
    assert all(edge <= 375 for edge in edges.values()), edges
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
