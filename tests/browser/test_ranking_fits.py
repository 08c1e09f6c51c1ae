"""The public ranking fits the screen: at 1366 px every column is visible without scrolling sideways; on a phone
rank, city and total come first, the uncertainty span and the rest after them, in a region that scrolls with a
visible hint."""

import pytest

from indicators.models import City, Domain
from tests import factories
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The five domains of indicators/data/catalogue.yaml, the longest German city name among the large cities.
DOMAINS = ["Verwaltung", "IT und Kommunikation", "Energie und Umwelt", "Mobilität", "Gesellschaft und Bildung"]
LONG_CITY = "Mönchengladbach-Rheydt-Wickrath"

COLUMNS = """() => {
    const table = document.querySelector("table.ranking");
    const region = table.closest(".table-scroll");
    const cells = [...table.querySelectorAll("tbody tr:first-child > *")];
    return {
        headers: [...table.querySelectorAll("thead th")].map(th => th.className.split(" ")[0] || th.textContent.trim()),
        rights: cells.map(cell => cell.getBoundingClientRect().right),
        classes: cells.map(cell => cell.className.split(" ")[0] || cell.tagName.toLowerCase()),
        page_overflows: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        region_scrolls: region.scrollWidth > region.clientWidth,
    };
}"""


@pytest.fixture
def ranking(editor):
    """A published edition with the catalogue's five domains (three added to small_edition's two)."""
    edition = factories.small_edition(cities=6, year=2039)
    for position, name in enumerate(DOMAINS[2:], start=2):
        domain = factories.DomainFactory(edition=edition, key=f"d{position}", name_de=name, position=position)
        indicator = factories.IndicatorFactory(domain=domain, key=f"i{position}", position=0)
        factories.ParameterFactory(indicator=indicator, key=f"p{position}")
    Domain.objects.filter(edition=edition, key="verwaltung").update(name_de=DOMAINS[0])
    Domain.objects.filter(edition=edition, key="mobilitaet").update(name_de=DOMAINS[1], position=1)
    City.objects.filter(pk=factories.cities_of(edition)[0].pk).update(name=LONG_CITY)
    answer_all(edition, seed=5)
    publish(edition, editor)
    return edition


def test_at_1366_px_every_column_of_the_ranking_is_visible(live_server, chromium, ranking):
    # given
    page = chromium.new_context(locale="de-DE", viewport={"width": 1366, "height": 768}).new_page()

    # when
    page.goto(f"{live_server.url}/ranking/{ranking.year}/")
    layout = page.evaluate(COLUMNS)

    # then: the span, the trend and all five domains are there, and nothing scrolls sideways
    assert len(layout["rights"]) == 10, layout
    assert "interval" in layout["headers"], layout
    assert max(layout["rights"]) <= 1366, layout
    assert not layout["page_overflows"] and not layout["region_scrolls"], layout


def test_on_a_phone_rank_city_and_total_come_first_and_the_rest_scrolls_with_a_hint(live_server, chromium, ranking):
    # given
    page = chromium.new_context(locale="de-DE", viewport={"width": 375, "height": 812}).new_page()

    # when
    page.goto(f"{live_server.url}/ranking/{ranking.year}/")
    layout = page.evaluate(COLUMNS)

    # then: the first three cells are rank, city and total, all on screen; the span after them
    assert layout["classes"][:4] == ["rank", "th", "total", "interval"], layout
    assert max(layout["rights"][:3]) <= 375, layout
    assert not layout["page_overflows"], layout
    assert layout["region_scrolls"], layout
    assert page.locator(".scroll-hint").is_visible()
    assert "seitlich" in page.locator(".scroll-hint").inner_text()
