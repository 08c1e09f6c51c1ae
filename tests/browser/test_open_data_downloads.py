"""The open data page in a real browser (issue 18): a reader clicks "für Excel" and gets the German Excel file,
and follows the link to the DCAT-AP.de metadata."""

import csv
import io
import json
from pathlib import Path

import pytest

from indicators.models import Edition
from tests import factories
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_edition(editor):
    edition = factories.small_edition(cities=4, year=2040)
    Edition.objects.filter(pk=edition.pk).update(is_demo=True)
    answer_all(edition, seed=3)
    publish(edition, editor)
    return edition


def test_a_reader_downloads_the_results_for_excel_and_finds_the_metadata(live_server, page, demo_edition):
    page.goto(f"{live_server.url}/daten/")

    # the Excel file beside the standard CSV file
    link = page.locator("#edition-2040 a.excel-variant").first
    assert link.inner_text() == "für Excel"
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "smart-city-index-2040-results-excel-de.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Stadt", "Kürzel"] and rows[0][-1] == "Demodaten"
    assert len(rows) == 1 + 4 and {row[-1] for row in rows[1:]} == {"ja"}

    # the page says the data is demo data and links the DCAT-AP.de metadata
    assert page.locator("#edition-2040 .demo-badge").is_visible()
    response = page.request.get(live_server.url + page.locator("#edition-2040 p.dcat a").get_attribute("href"))
    assert response.headers["content-type"] == "application/ld+json"
    assert json.loads(response.body())["dcat:dataset"][0]["dct:identifier"] == "smart-city-index-2040"
