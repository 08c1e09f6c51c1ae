"""A staff member fills in the questionnaire in a real browser: autosave with htmx, progress, submit."""

import pytest

from indicators.models import Answer
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_answer_three_parameters_see_progress_move_and_submit(live_server, page, edition):
    # given
    city = edition.participations.order_by("city_id").first().city
    UserFactory(username="kim", cities=[city])

    # when: log in
    page.goto(f"{live_server.url}/accounts/login/?next=/portal/")
    page.fill("input[name=username]", "kim")
    page.fill("input[name=password]", "secret-pass-123")
    page.click("main button[type=submit]")
    page.click("text=Zum Fragebogen")
    progress = page.locator("#progress-overall .progress-text")
    assert progress.inner_text().startswith("0 von 5 beantwortet")

    # answer a yes/no (autosaves on change), a choice and a percentage with its evidence
    page.locator("#p-online-termine input[value=ja]").check()
    page.locator("#p-online-termine .saved").wait_for()
    page.select_option("#p-smart-meter select", "live")
    page.locator("#p-smart-meter .saved").wait_for()
    page.fill("#p-busse input[name=busse-evidence_url]", "https://example.org/busse.pdf")
    page.fill("#p-busse input[name=busse-value]", "42,5")
    page.locator("#p-busse input[name=busse-value]").press("Enter")
    page.locator("#p-busse .saved").wait_for()

    # then: the progress moved without a reload
    assert progress.inner_text().startswith("3 von 5 beantwortet")

    # when: submit the percentage and reload
    page.locator("#p-busse").get_by_role("button", name="Einreichen").click()
    page.locator("#p-busse .badge[data-status=submitted]").wait_for()
    page.reload()

    # then
    assert page.locator("#p-busse .badge").inner_text() == "eingereicht"
    assert dict(Answer.objects.values_list("parameter__key", "status")) == {
        "online-termine": "draft",
        "smart-meter": "draft",
        "busse": "submitted",
    }
    assert Answer.objects.get(parameter__key="busse").value_number == 42.5
