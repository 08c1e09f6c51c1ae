"""A staff member fills in the questionnaire in a real browser: autosave with htmx, progress, submit."""

import pytest
from django.core.files.storage import FileSystemStorage

from indicators.models import Answer, EvidenceFile
from tests.browser.helpers import log_in, wait_for_htmx
from tests.factories import UserFactory
from tests.factories import parameter as edition_parameter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_staff_answer_three_parameters_upload_a_pdf_see_progress_move_and_submit(
    live_server, page, edition, tmp_path, monkeypatch
):
    # given: private evidence storage in a temporary folder
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))
    city = edition.participations.order_by("city_id").first().city
    UserFactory(username="kim", cities=[city])

    # when: log in
    page.goto(f"{live_server.url}/accounts/login/?next=/portal/")
    page.fill("input[name=username]", "kim")
    page.fill("input[name=password]", "secret-pass-123")
    page.click("main button[type=submit]")
    page.click("text=Zum Fragebogen")
    wait_for_htmx(page)
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

    # when: upload a PDF as evidence of the percentage
    pdf = tmp_path / "busse-2030.pdf"
    pdf.write_bytes(PDF)
    page.locator("#p-busse").get_by_text("Nachweisdatei hochladen").click()  # the upload opens behind a button
    page.set_input_files("#p-busse input[type=file]", str(pdf))
    page.locator("#p-busse").get_by_role("button", name="Hochladen").click()

    # then
    page.locator("#p-busse ul.evidence a", has_text="busse-2030.pdf").wait_for()
    assert EvidenceFile.objects.get().original_name == "busse-2030.pdf"

    # when: submit the percentage and reload
    page.locator("#p-busse").get_by_role("button", name="Einreichen").click()
    page.locator("#p-busse .badge[data-status=submitted]").wait_for()
    page.reload()

    # then
    assert page.locator("#p-busse .badge[data-status]").inner_text() == "eingereicht"
    assert dict(Answer.objects.values_list("parameter__key", "status")) == {
        "online-termine": "draft",
        "smart-meter": "draft",
        "busse": "submitted",
    }
    assert Answer.objects.get(parameter__key="busse").value_number == 42.5


@pytest.fixture
def draft_busse(live_server, page, edition):
    """A draft of busse that could be submitted, and its city's staff member signed in on the questionnaire."""
    city = edition.participations.order_by("city_id").first().city
    UserFactory(username="kim", cities=[city])
    answer = Answer.objects.create(
        edition=edition,
        city=city,
        parameter=edition_parameter(edition, "busse"),
        value_number=40,
        evidence_url="https://example.org/busse.pdf",
        version=1,
    )
    log_in(page, f"{live_server.url}/accounts/login/?next=/portal/{city.slug}/{edition.year}/", "kim")
    return answer


def test_the_autosave_posts_to_save_even_while_the_submit_button_has_the_focus(page, draft_busse):
    # when: a value typed, then Tab to "Einreichen" (its focus is the form's last button for htmx) and wait
    page.fill("#p-busse input[name=busse-value]", "41")
    page.locator("#p-busse").get_by_role("button", name="Einreichen").focus()
    page.locator("#p-busse .saved").wait_for()

    # then: saved, not submitted
    draft_busse.refresh_from_db()
    assert (draft_busse.value_number, draft_busse.status) == (41, "draft")


def test_submit_right_after_typing_submits_the_typed_value(page, draft_busse):
    # when: typed and submitted at once (before the autosave's delay)
    page.fill("#p-busse input[name=busse-value]", "42")
    page.locator("#p-busse").get_by_role("button", name="Einreichen").click()
    page.locator("#p-busse .badge[data-status=submitted]").wait_for()
    page.wait_for_timeout(800)  # past the autosave's delay: it must not have posted too (with a stale version)

    # then
    draft_busse.refresh_from_db()
    assert (draft_busse.value_number, draft_busse.status) == (42, "submitted")
    assert page.locator("#p-busse .conflict").count() == 0
