"""The legal pages and error pages as people see them in Chromium: the footer's links, the accessibility
feedback sent and confirmed (and refused when wrong), an English 404 with its way home."""

import pytest
from django.core import mail

from public.models import AccessibilityFeedback
from tests import factories
from tests.browser.test_csp import WatchedPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reader_reports_a_barrier_through_the_accessibility_statement(live_server, page):
    # given: the methodology page (no edition published yet)
    page.goto(live_server.url + "/methodik/")

    # when: the footer's link, then the form (the honeypot stays out of sight and out of reach)
    page.locator("footer").get_by_role("link", name="Barrierefreiheit").click()
    page.wait_for_url("**/barrierefreiheit/")
    assert page.get_by_role("heading", level=1).inner_text() == "Erklärung zur Barrierefreiheit"
    honeypot = page.locator("input[name=website]").bounding_box()
    assert honeypot["x"] + honeypot["width"] < 0  # off-screen
    assert page.locator("input[name=website]").get_attribute("tabindex") == "-1"
    page.get_by_label("E-Mail-Adresse für die Antwort").fill("leserin@example.org")
    page.get_by_label("Betroffene Seite (Adresse, freiwillig)").fill("/ranking/")
    page.get_by_label("Ihre Nachricht").fill("Die Tabelle ist mit dem Screenreader nicht lesbar.")
    page.get_by_role("button", name="Nachricht senden").click()

    # then: confirmed, stored, mailed to the operator
    page.wait_for_url("**/barrierefreiheit/danke/")
    assert "Vielen Dank, Ihre Nachricht ist eingegangen" in page.get_by_role("heading", level=1).inner_text()
    feedback = AccessibilityFeedback.objects.get()
    assert (feedback.email, feedback.page_url) == ("leserin@example.org", "/ranking/")
    assert [message.to for message in mail.outbox] == [["kontakt@example.org"]]


def test_wrong_feedback_is_shown_again_with_the_german_message(live_server, page):
    page.goto(live_server.url + "/barrierefreiheit/")

    page.get_by_label("E-Mail-Adresse für die Antwort").fill("keine-adresse")
    page.get_by_label("Ihre Nachricht").fill("kurz")
    page.get_by_role("button", name="Nachricht senden").click()

    page.wait_for_load_state("load")
    alerts = page.get_by_role("alert").all_inner_texts()
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an, damit wir antworten können." in alerts
    assert "Bitte beschreiben Sie die Barriere in mindestens 10 Zeichen." in alerts
    assert page.get_by_label("Ihre Nachricht").input_value() == "kurz"  # nothing typed is lost
    assert AccessibilityFeedback.objects.count() == 0


def test_an_english_404_leads_home_in_english(live_server, page):
    # when: an address under /en/ that does not exist (the live server runs with DEBUG off)
    response = page.goto(live_server.url + "/en/stadt/gibt-es-nicht/")

    # then
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("main").get_by_role("link", name="To the home page").click()
    page.wait_for_url(live_server.url + "/en/")


def test_the_admin_login_links_to_the_legal_pages(live_server, page, role_groups):
    factories.UserFactory(username="redaktion", groups=["editors"], is_staff=True)
    page.goto(live_server.url + "/admin/login/")

    page.locator("#footer").get_by_role("link", name="Impressum").click()

    page.wait_for_url("**/impressum/")
    assert page.get_by_role("heading", level=1).inner_text() == "Impressum"
    assert page.get_by_text("Demo-Angaben:").is_visible()


@pytest.mark.parametrize("url", ["/impressum/", "/datenschutz/", "/barrierefreiheit/", "/en/barrierefreiheit/"])
def test_the_legal_pages_work_under_the_content_security_policy(live_server, chromium, url):
    watched = WatchedPage(chromium)
    try:
        watched.open(live_server.url + url)
        watched.page.wait_for_load_state("load")

        watched.assert_no_violation()
    finally:
        watched.context.close()
