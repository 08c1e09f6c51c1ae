"""The what-if simulator in a real browser: a low-ranked city takes the field's best value in one answer and
climbs; the address holds only that assumption; the page works on a phone. Screenshots go to SCREENSHOT_DIR."""

import pytest

from indicators.models import Parameter
from public import simulator
from scoring import selectors
from scoring.models import CityScore
from tests import factories
from tests.browser.test_public_site import shot
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2040


@pytest.fixture
def published(editor):
    edition = factories.small_edition(cities=6, year=YEAR)
    answer_all(edition, seed=3)
    publish(edition, editor)
    return edition


def test_a_better_answer_in_the_simulator_improves_the_rank(live_server, page, published):
    # given: the lowest-ranked city and an answer whose best value in the field lifts it past another city
    edition, run, _editions = selectors.published(YEAR)
    last = CityScore.objects.filter(run=run).select_related("city").order_by("-rank", "city__name").first()
    gain = next(g for g in simulator.gains(edition, run, last.city) if g.rank < last.rank)
    parameter = gain.parameter
    page.set_viewport_size({"width": 1280, "height": 900})

    # the city profile links to its simulator
    page.goto(f"{live_server.url}/stadt/{last.city.slug}/{YEAR}/")
    page.get_by_role("link", name="Was wäre, wenn …? Simulator öffnen").click()
    page.wait_for_url(f"**/simulator/{YEAR}/{last.city.slug}/")
    assert int(page.locator("#sim-rank").inner_text()) == last.rank
    shot(page, "20-simulator")

    # when: the answer is set to the field's best value and the form is sent
    page.locator(f"#bereich-{parameter.indicator.domain.key} > summary").click()
    field = page.locator(f"form.simulator [name=p-{parameter.key}]")
    if parameter.kind in (Parameter.Kind.YES_NO, Parameter.Kind.CHOICE):
        field.select_option(gain.value)
    else:
        field.fill(gain.value.replace(".", ","))  # as a German reader types it
    page.get_by_role("button", name="Berechnen").click()
    page.wait_for_url(f"**p-{parameter.key}=**")

    # then: a better rank, the change shown against the published one, and only the assumption in the address
    simulated = int(page.locator("#sim-rank").inner_text())
    assert simulated == gain.rank < last.rank
    assert f"({last.rank - simulated:+d})" in page.locator(".sim-result .rank").inner_text()
    assert page.url.endswith(f"?p-{parameter.key}={gain.value.replace('.', '%2C')}")
    assert page.locator("table.sim-table tr.changed .changed-mark").count() >= 2  # the indicator and its domain
    shot(page, "21-simulator-changed")

    # the reset link goes back to the published result
    page.get_by_role("link", name="Zurücksetzen").click()
    page.wait_for_url(f"**/simulator/{YEAR}/{last.city.slug}/")
    assert int(page.locator("#sim-rank").inner_text()) == last.rank


def test_the_simulator_works_on_a_phone(live_server, page, published):
    city = factories.cities_of(published)[0]
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/simulator/{YEAR}/{city.slug}/?wd-mobilitaet=2")

    assert page.locator("#sim-rank").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "22-simulator-phone")
