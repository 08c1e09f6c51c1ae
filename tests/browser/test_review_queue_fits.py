"""The review queue fits a 1366 px screen: city, parameter, value, flags and status without sideways scrolling."""

from decimal import Decimal

import pytest

from indicators.models import Answer, Parameter
from tests.browser.helpers import log_in
from tests.factories import UserFactory, cities_of, parameter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = (
    "Anteil der Busse im Linienverkehr mit emissionsarmem Antrieb (Elektro, Wasserstoff, Biogas) am gesamten Fuhrpark"
)


def test_the_queue_shows_every_column_that_matters_at_1366_px(live_server, chromium, role_groups, edition):
    # given: long names, as in the real catalogue, and submitted answers of every city
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
    page = chromium.new_context(locale="de-DE", viewport={"width": 1366, "height": 768}).new_page()
    page.set_default_timeout(15_000)

    # when
    log_in(page, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/", "rita")
    page.locator("#result_list").wait_for()

    # then: the columns a reviewer decides by end inside the window
    right_edges = page.evaluate(
        """() => Object.fromEntries(["city", "parameter", "shown_value", "flags", "status"].map(
            name => [name, document.querySelector(`#result_list .column-${name}`).getBoundingClientRect().right]))"""
    )
    assert all(edge <= 1366 for edge in right_edges.values()), right_edges
    assert page.locator("#result_list td.field-shown_value").first.inner_text() == "75,9 %"


def test_on_a_phone_the_queue_shows_city_parameter_and_value_first(live_server, chromium, role_groups, edition):
    # given: a long parameter name, as in the real catalogue, and a submitted answer
    Parameter.objects.filter(indicator__domain__edition=edition).update(name_de=LONG_NAME)
    Answer.objects.create(
        edition=edition,
        city=cities_of(edition)[0],
        parameter=parameter(edition, "busse"),
        value_number=Decimal("75.9"),
        status=Answer.Status.SUBMITTED,
    )
    UserFactory(username="rita", groups=["reviewers"], is_staff=True)
    page = chromium.new_context(locale="de-DE", viewport={"width": 375, "height": 812}).new_page()
    page.set_default_timeout(15_000)

    # when
    log_in(page, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/", "rita")
    page.locator("#result_list").wait_for()

    # then: the first row's city, parameter and value end on screen; the page itself does not scroll sideways
    layout = page.evaluate(
        """() => ({
            rights: Object.fromEntries(["city", "parameter", "shown_value"].map(name =>
                [name, document.querySelector(`#result_list tbody tr:first-child .field-${name}`)
                    .getBoundingClientRect().right])),
            page_overflows: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        })"""
    )
    assert all(edge <= 375 for edge in layout["rights"].values()), layout
    assert not layout["page_overflows"], layout
