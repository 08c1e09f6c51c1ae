"""The review queue's city filter in a real browser: one drop-down of the edition's cities, the other filters kept."""

from decimal import Decimal

import pytest

from indicators.models import Answer
from tests.browser.helpers import log_in
from tests.factories import UserFactory, cities_of, parameter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_picks_a_city_from_the_drop_down_and_keeps_the_status_filter(
    live_server, chromium, role_groups, edition
):
    # given: every city submitted "busse", the second city also has a draft
    cities, busse = cities_of(edition), parameter(edition, "busse")
    submitted = {"value_number": Decimal(40), "evidence_url": "https://example.org/b.pdf", "status": "submitted"}
    for city in cities:
        Answer.objects.create(edition=edition, city=city, parameter=busse, **submitted)
    Answer.objects.create(
        edition=edition, city=cities[1], parameter=parameter(edition, "wartezeit"), value_number=Decimal(3)
    )
    UserFactory(username="rita", groups=["reviewers"], is_staff=True)
    page = chromium.new_context(locale="de-DE").new_page()
    page.set_default_timeout(15_000)
    log_in(page, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/", "rita")
    page.locator("#result_list").wait_for()
    assert page.locator("#result_list tbody tr").count() == len(cities)  # the submitted answers of the edition

    # when
    page.select_option("#queue-city", label=cities[1].name)
    page.locator(".queue-city-filter").get_by_role("button", name="Filtern").click()
    page.wait_for_url(f"**city__id__exact={cities[1].pk}**")

    # then: the city's submitted answer only (not its draft), and the drop-down says which city
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("th.field-city").inner_text() == cities[1].name
    assert "status__exact=submitted" in page.url
    assert page.locator("#queue-city option:checked").inner_text() == cities[1].name
