"""After publication a staff member finds the city's edition on the dashboard and reads it, on a phone too."""

from decimal import Decimal

import pytest

from indicators.models import Answer, Edition
from tests import factories
from tests.factories import UserFactory, parameter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_open_their_published_questionnaire_from_the_dashboard_and_can_only_read_it(live_server, chromium):
    # given: a published edition in which the city answered the percentage
    edition = factories.small_edition(cities=1, year=2029, phase=Edition.Phase.PUBLISHED)
    city = factories.cities_of(edition)[0]
    Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=Decimal("45.5"),
        status=Answer.Status.APPROVED,
    )
    UserFactory(username="kim", cities=[city])
    context = chromium.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)

    # when: log in and follow the dashboard's link with the keyboard
    page.goto(f"{live_server.url}/accounts/login/?next=/portal/")
    page.fill("input[name=username]", "kim")
    page.fill("input[name=password]", "secret-pass-123")
    page.press("input[name=password]", "Enter")
    link = page.get_by_role("link", name="Fragebogen 2029 ansehen")
    link.focus()
    page.keyboard.press("Enter")

    # then: the answers are there to read, nothing to fill in, and the published result is one link away
    page.get_by_text("Nur lesen.").wait_for()
    assert page.locator("#p-busse .read-only-answer dd").first.inner_text() == "45,5 %"
    assert page.locator("main input, main select, main textarea").count() == 0
    assert page.get_by_role("link", name=f"Veröffentlichtes Ergebnis von {city.name} 2029").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
