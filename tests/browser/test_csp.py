"""The Content-Security-Policy in a real browser (issue 15, item 15): every kind of page works under it,
with no violation: the public pages and a city's charts, the portal's htmx autosave, the admin's review
queue and an answer page with its PDF preview, the Swagger UI and Redoc."""

from decimal import Decimal

import pytest
from django.core.files.storage import FileSystemStorage

from indicators.models import Answer, EvidenceFile
from indicators.services.evidence import evidence_file_add
from tests.browser.helpers import log_in
from tests.browser.test_public_site import canvas_is_drawn
from tests.factories import UserFactory, cities_of, parameter, small_edition
from tests.indicators.test_evidence import pdf_bytes, upload
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document (and frame) before its own scripts: records each violation the browser reports.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${where})`);
});
"""


class WatchedPage:
    """A page in its own browser context that keeps the console's CSP messages and the violation events."""

    def __init__(self, chromium):
        self.context = chromium.new_context(locale="de-DE")
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.console = []
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))

    def open(self, url: str):
        """Go to `url` and check that it came with the site's policy."""
        response = self.page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self';" in response.headers["content-security-policy"] + ";", url
        return response

    def violations(self) -> list[str]:
        return [e for frame in self.page.frames for e in (frame.evaluate("window.__cspViolations || []") or [])]

    def assert_no_violation(self) -> None:
        messages = [m for m in self.console if "Content Security Policy" in m or "Content-Security-Policy" in m]
        assert (self.page.url, self.violations(), messages) == (self.page.url, [], [])


@pytest.fixture
def site(editor, role_groups, tmp_path, monkeypatch):
    """A published edition (2039) for the public pages; an edition in collection (2030) whose first city
    submitted the bus share with a PDF; kim works for that city, rita reviews."""
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))
    published = small_edition(cities=4, year=2039)
    answer_all(published, seed=5)
    publish(published, editor)
    collecting = small_edition(cities=2, year=2030)
    city = cities_of(collecting)[0]
    kim = UserFactory(username="kim", cities=[city])
    UserFactory(username="rita", groups=["reviewers"], is_staff=True)
    answer = Answer.objects.create(
        edition=collecting,
        city=city,
        parameter=parameter(collecting, "busse"),
        value_number=Decimal(40),
        evidence_url="https://example.org/busse.pdf",
    )
    evidence_file_add(user=kim, answer=answer, uploaded=upload("Busse.pdf", pdf_bytes()))
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.SUBMITTED)
    return published, collecting, city, answer


def test_public_pages_a_city_profile_with_charts_and_the_simulator_have_no_violation(live_server, chromium, site):
    # given
    published, _, _, _ = site
    reader = WatchedPage(chromium)

    # when / then: the home page and the ranking
    reader.open(f"{live_server.url}/")
    reader.assert_no_violation()
    reader.open(f"{live_server.url}/ranking/2039/")
    assert reader.page.locator("table.ranking tbody tr").count() == 4
    reader.assert_no_violation()

    # a city's profile: Chart.js (a static file) draws the history chart
    reader.open(f"{live_server.url}/stadt/{cities_of(published)[0].slug}/2039/")
    reader.page.locator("#canvas-history[data-drawn=true]").wait_for()
    assert canvas_is_drawn(reader.page, "#canvas-history")
    reader.assert_no_violation()

    # the what-if simulator (static/js/simulator.js) of the same city
    reader.open(f"{live_server.url}/simulator/2039/{cities_of(published)[0].slug}/")
    assert int(reader.page.locator("#sim-rank").inner_text()) >= 1
    reader.assert_no_violation()


def test_the_questionnaire_autosaves_with_htmx_without_a_violation(live_server, chromium, site):
    # given
    _, collecting, city, _ = site
    kim = WatchedPage(chromium)
    log_in(kim.page, f"{live_server.url}/accounts/login/?next=/portal/{city.slug}/2030/", "kim")
    kim.assert_no_violation()

    # when: a value is changed (autosave through htmx, the CSRF header from hx-headers)
    row = kim.page.locator("#p-smart-meter")
    row.locator("select").select_option("live")
    row.locator(".saved").wait_for()

    # then
    saved = Answer.objects.get(city=city, parameter=parameter(collecting, "smart-meter"))
    assert saved.value_choice == "live"
    assert kim.page.locator("style").count() == 0  # htmx injected no indicator styles
    kim.assert_no_violation()


def test_the_review_queue_and_an_answer_page_with_its_pdf_preview_have_no_violation(live_server, chromium, site):
    # given
    _, _, city, answer = site
    rita = WatchedPage(chromium)
    log_in(rita.page, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/", "rita")

    # when / then: the queue
    assert rita.page.locator("#result_list tbody tr").count() == 1
    rita.assert_no_violation()

    # the answer page with the PDF in a frame of the same site
    rita.open(f"{live_server.url}/admin/indicators/answer/{answer.pk}/change/")
    assert rita.page.locator("#answer-value").inner_text() == "40 %"
    assert rita.page.locator(".review-panel .preview iframe").count() == 1
    assert rita.page.locator(".review-panel").evaluate("e => getComputedStyle(e).display") == "grid"
    rita.assert_no_violation()


def test_swagger_ui_and_redoc_list_the_operations_without_a_violation(live_server, chromium, db):
    reader = WatchedPage(chromium)

    # Swagger UI: its start script is a file (docs/?script=)
    reader.open(f"{live_server.url}/api/docs/")
    reader.page.locator(".opblock").first.wait_for()
    assert reader.page.locator(".opblock").count() > 20
    reader.assert_no_violation()

    # Redoc
    reader.open(f"{live_server.url}/api/redoc/")
    reader.page.locator("h1", has_text="Smart City Index API").wait_for()
    assert reader.page.locator("[data-section-id^='tag/'], [data-section-id^='operation/']").count() > 20
    # The bundle hard-codes Redocly's logo from their CDN (and drops it when it fails to load): the policy
    # blocks that request on purpose, nothing else.
    assert reader.violations() == ["img-src blocked https://cdn.redoc.ly/redoc/logo-mini.svg (:0)"]
