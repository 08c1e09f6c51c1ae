"""The review loop in a real browser: a reviewer sends an answer back, the city fixes it, the reviewer approves."""

from decimal import Decimal

import pytest

from indicators.models import Answer
from tests.browser.helpers import log_in
from tests.factories import UserFactory, cities_of, parameter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviewer_sends_back_city_fixes_and_resubmits_reviewer_approves(live_server, chromium, role_groups, edition):
    # given: the first city submitted 90 % low-emission buses; another city's answer is a draft
    city, other = cities_of(edition)[:2]
    answer = Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=Decimal(90),
        evidence_url="https://example.org/busse.pdf",
        status=Answer.Status.SUBMITTED,
    )
    Answer.objects.create(edition=edition, city=other, parameter=parameter(edition, "busse"), value_number=Decimal(5))
    UserFactory(username="rita", groups=["reviewers"], is_staff=True)
    UserFactory(username="kim", cities=[city])
    reviewer = chromium.new_context(locale="de-DE").new_page()
    staff = chromium.new_context(locale="de-DE").new_page()
    for page in (reviewer, staff):
        page.set_default_timeout(15_000)

    # when: the reviewer filters the queue to submitted answers and opens the city's answer
    log_in(reviewer, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/", "rita")
    reviewer.locator("#changelist-filter").get_by_role("link", name="eingereicht", exact=True).click()
    reviewer.wait_for_url("**status__exact=submitted**")
    rows = reviewer.locator("#result_list tbody tr")
    assert rows.count() == 1
    rows.first.get_by_role("link").first.click()
    # and sends it back with a reason
    reviewer.locator("#answer-value").wait_for()
    assert reviewer.locator("#answer-value").inner_text() == "90 %"
    reviewer.select_option("#decision select[name=reason]", "implausible")
    reviewer.fill("#decision textarea[name=detail]", "Der Bericht nennt 19 %.")
    reviewer.get_by_role("button", name="Zurückgeben").click()
    reviewer.locator(".messagelist .success").wait_for()

    # then: the city's staff member sees the reason on the questionnaire
    log_in(staff, f"{live_server.url}/accounts/login/?next=/portal/{city.slug}/{edition.year}/", "kim")
    row = staff.locator("#p-busse")
    assert "Der Bericht nennt 19 %." in row.locator(".review-reason").inner_text()

    # when: they fix the value and resubmit
    row.locator("input[name=busse-value]").fill("19")
    row.locator("input[name=busse-value]").press("Enter")
    staff.locator("#p-busse .saved").wait_for()
    staff.locator("#p-busse").get_by_role("button", name="Einreichen").click()
    staff.locator("#p-busse .badge[data-status=submitted]").wait_for()

    # and the reviewer approves from the queue
    reviewer.goto(f"{live_server.url}/admin/indicators/answer/?status__exact=submitted")
    reviewer.locator("#result_list tbody tr").first.get_by_role("link").first.click()
    assert reviewer.locator("#answer-value").inner_text() == "19 %"
    reviewer.get_by_role("button", name="Freigeben", exact=True).click()
    reviewer.locator(".messagelist .success").wait_for()

    # then: the city's page shows it approved
    staff.reload()
    staff.locator("#p-busse .badge[data-status=approved]").wait_for()
    answer.refresh_from_db()
    assert (answer.status, answer.value_number) == ("approved", Decimal(19))
