"""The cities' check window in a real browser, at phone width and by keyboard: a city objects to an official
value with a file, a reviewer corrects it, the city reads the outcome (issue 16)."""

from decimal import Decimal

import pytest
from django.core.files.storage import FileSystemStorage

from indicators.models import AnswerCheck, EvidenceFile
from indicators.services import checks
from tests.browser.helpers import log_in
from tests.factories import UserFactory, cities_of
from tests.indicators.test_checks import official_answer, open_window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_city_objects_by_keyboard_on_a_phone_and_reads_the_correction(
    live_server, page, edition, tmp_path, monkeypatch
):
    # given: an official value in an open window, private storage in a temporary folder, a phone's width
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))
    city = cities_of(edition)[0]
    open_window(edition, closes=10)
    answer = official_answer(edition, city)
    # a long German compound as the name, as in the real catalogue: the row's header wraps instead of widening it
    type(answer.parameter).objects.filter(pk=answer.parameter_id).update(
        name_de="Öffentliche Ladeinfrastrukturpunkte (Elektromobilitätsförderung)"
    )
    UserFactory(username="kim", cities=[city])
    reviewer = UserFactory(groups=["reviewers"])
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, f"{live_server.url}/accounts/login/?next=/portal/{city.slug}/{edition.year}/", "kim")
    row = page.locator("#p-ladepunkte")
    assert "0 von 1 Wert geprüft" in page.locator(".check-summary").inner_text()

    # when: the reason typed, a file chosen, the objection sent with the keyboard
    pdf = tmp_path / "liste.pdf"
    pdf.write_bytes(PDF)
    row.locator("textarea[name=reason]").focus()
    page.keyboard.type("Nur 100 Ladepunkte sind öffentlich.")
    row.locator("input[type=file]").set_input_files(str(pdf))
    row.get_by_role("button", name="Einwand erheben").focus()
    page.keyboard.press("Enter")

    # then: the row (swapped by htmx) shows the open objection with its file
    page.locator("#p-ladepunkte .outcome.open").wait_for()
    assert "„Nur 100 Ladepunkte sind öffentlich.“" in page.locator("#p-ladepunkte .verdict").inner_text()
    assert page.locator("#p-ladepunkte .verdict a", has_text="liste.pdf").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    check = AnswerCheck.objects.get(answer=answer)
    assert (check.outcome, check.evidence_name) == ("open", "liste.pdf")

    # when: a reviewer corrects the value
    checks.objection_decide(
        user=reviewer,
        answer=answer,
        outcome="corrected",
        reason="Die Liste der Stadt stimmt.",
        correction=checks.Correction(value=Decimal(100), evidence_url="https://stadt.example/liste.pdf"),
    )
    page.reload()

    # then
    assert (
        page.locator("#p-ladepunkte .outcome.corrected").inner_text()
        == "Einwand: korrigiert auf 100 Ladepunkte – Begründung: Die Liste der Stadt stimmt."
    )
    assert page.locator("#p-ladepunkte").get_by_role("button", name="Bestätigen").count() == 0
