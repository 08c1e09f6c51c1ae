"""The public ranking in a real browser: German first, switchable to English."""

import pytest

from tests import factories
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ranking_is_shown_in_german_and_switches_to_english(live_server, page, editor):
    # given
    edition = factories.small_edition(cities=4, year=2040)
    answer_all(edition)
    publish(edition, editor)

    # when
    page.goto(live_server.url + "/ranking/")

    # then
    assert page.locator("h1").inner_text() == "Smart City Index 2040"
    assert page.locator("table.ranking tbody tr").count() == 4
    assert page.locator("table.ranking thead th").first.inner_text() == "Rang"
    assert page.locator("p.result-count").inner_text() == "4 von 4 Städten"

    # when
    page.get_by_role("link", name="EN", exact=True).click()  # exact: "Energie" contains "en"
    page.wait_for_load_state()

    # then
    assert page.url == live_server.url + "/en/ranking/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("table.ranking thead th").first.inner_text() == "Rank"
    assert page.locator("table.ranking tbody tr").count() == 4
