"""The public site in a real browser: ranking, filter, sort, city profile with its charts, comparison,
English; a screenshot of every page goes to SCREENSHOT_DIR (CI keeps it with its logs)."""

import os
from pathlib import Path

import pytest

from indicators.models import City, Participation
from scoring.models import CityScore, IndicatorScore
from tests import factories
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT_DIR = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / ".ci" / "logs" / "screenshots")
)


def shot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def canvas_is_drawn(page, selector: str) -> bool:
    """True when the canvas has non-transparent pixels (Chart.js drew something)."""
    return page.eval_on_selector(
        selector,
        """canvas => {
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
            return false;
        }""",
    )


@pytest.fixture
def two_editions(editor):
    """Six cities in two published editions (2039 and 2040); two of them in Bavaria."""
    first = factories.small_edition(cities=6, year=2039)
    cities = list(City.objects.filter(participations__edition=first).order_by("id"))
    City.objects.filter(pk__in=[cities[0].pk, cities[1].pk]).update(state="Bayern")
    City.objects.filter(pk__in=[c.pk for c in cities[2:]]).update(state="Sachsen")
    answer_all(first, seed=1)
    publish(first, editor)
    second = factories.small_edition(cities=0, year=2040)
    for city in cities:
        Participation.objects.create(edition=second, city=city)
    answer_all(second, seed=2)
    publish(second, editor)
    return second, [City.objects.get(pk=c.pk) for c in cities]


def test_a_reader_filters_sorts_opens_a_city_compares_and_switches_to_english(live_server, page, two_editions):
    edition, cities = two_editions
    page.set_viewport_size({"width": 1280, "height": 900})

    # the home page and the ranking
    page.goto(live_server.url + "/")
    shot(page, "01-home")
    page.goto(f"{live_server.url}/ranking/{edition.year}/")
    rows = page.locator("table.ranking tbody tr")
    assert rows.count() == 6
    shot(page, "02-ranking")

    # filter by a federal state
    page.select_option("form.ranking-filter select[name=land]", "Bayern")
    page.locator("form.ranking-filter button[type=submit]").click()
    page.wait_for_url("**land=Bayern**")
    assert rows.count() == 2
    assert page.locator("#result-count").inner_text() == "2 von 6 Städten"
    shot(page, "03-ranking-bayern")

    # sort by a domain: the rank column shows the domain ranks, in order
    page.locator("thead th a[data-sort=mobilitaet]").click()
    page.wait_for_url("**sortierung=mobilitaet**")
    ranks = [int(text) for text in page.locator("td.rank").all_inner_texts()]
    assert ranks == sorted(ranks) and len(ranks) == 2
    shot(page, "04-ranking-sorted")

    # open a city: the history chart is drawn and the weakest indicator is named
    page.locator("table.ranking tbody tr").first.locator("th[scope=row] a").click()
    page.wait_for_url("**/stadt/**")
    city = City.objects.get(slug=page.url.rstrip("/").split("/")[-2])
    page.locator("#canvas-history[data-drawn=true]").wait_for()
    assert canvas_is_drawn(page, "#canvas-history")
    run_scores = IndicatorScore.objects.filter(run__edition=edition, run__is_published=True, city=city)
    weakest = min(run_scores, key=lambda s: (s.score, s.indicator.position))
    assert weakest.indicator.name_de in page.locator(".weakest").inner_text()
    shot(page, "05-city")

    # compare it with another city
    other = next(c for c in cities if c.pk != city.pk)
    page.select_option("form.compare select[name=stadt]", other.slug)
    page.locator("form.compare button[type=submit]").click()
    page.wait_for_url("**/vergleich/**")
    content = page.locator("main").inner_text()
    assert city.name in content and other.name in content
    shot(page, "06-compare")

    # methodology and open data
    page.goto(f"{live_server.url}/methodik/{edition.year}/")
    shot(page, "07-methodology")
    page.goto(f"{live_server.url}/daten/")
    shot(page, "08-open-data")

    # switch to English on the ranking
    page.goto(f"{live_server.url}/ranking/{edition.year}/")
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_url("**/en/ranking/**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("table.ranking thead th").first.inner_text() == "Rank"
    total = CityScore.objects.filter(run__edition=edition, run__is_published=True).order_by("rank").first().total
    assert f"{total:.1f}" in page.locator("table.ranking tbody tr").first.inner_text()
    shot(page, "09-ranking-english")


def test_the_ranking_works_on_a_phone(live_server, page, two_editions):
    edition, _cities = two_editions
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/ranking/{edition.year}/")

    # the page itself does not scroll sideways; the table scrolls in its own box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "10-ranking-phone")
