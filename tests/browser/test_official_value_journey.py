"""Issue 16 end to end in a real browser: the editor imports the real BNetzA register, a city objects to its
imported value, a reviewer corrects it, the editor publishes, and the public city page shows the corrected value
with its source and Stand, the uncontested city its official source."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from indicators.models import Answer, AnswerCheck, Edition, EvidenceFile, OfficialImport
from indicators.services import answer_approve
from tests.browser.helpers import log_in
from tests.factories import UserFactory
from tests.indicators.test_official_import import BOCHUM, MUENCHEN, REGISTER, official_edition
from tests.scoring.test_services import answer_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_objection_correction_publication_reach_the_public_page(
    live_server, chromium, role_groups, tmp_path, monkeypatch
):
    # given: private storage in a temporary folder; an edition in review with Bochum, München and a city the
    # register does not know; every other parameter answered and approved; the cities' check window open
    for model in (OfficialImport, EvidenceFile):
        monkeypatch.setattr(model._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path / "private"))
    edition, ladepunkte, _unknown = official_edition(with_project_cities=False)
    answer_all(edition)
    Answer.objects.filter(parameter=ladepunkte).delete()
    today = timezone.localdate()
    Edition.objects.filter(pk=edition.pk).update(
        phase=Edition.Phase.REVIEW, check_opens=today - timedelta(days=1), check_closes=today + timedelta(days=10)
    )
    bochum = edition.participations.get(city__ags=BOCHUM).city
    UserFactory(username="eda", groups=["editors"], is_staff=True)
    reviewer = UserFactory(username="rita", groups=["reviewers"], is_staff=True)
    UserFactory(username="kim", cities=[bochum])
    editor_page, city_page, reviewer_page, public = (chromium.new_context(locale="de-DE").new_page() for _ in "1234")
    for page in (editor_page, city_page, reviewer_page, public):
        page.set_default_timeout(30_000)

    # when: the editor uploads the July 2019 register, reads the preview and confirms
    log_in(editor_page, f"{live_server.url}/admin/login/?next=/admin/indicators/officialimport/add/", "eda")
    editor_page.select_option("select[name=parameter]", str(ladepunkte.pk))
    editor_page.select_option("select[name=profile]", "bnetza-ladesaeulen")
    editor_page.set_input_files("input[name=file]", str(REGISTER))
    editor_page.get_by_role("button", name="Vorschau anzeigen").click()
    preview = editor_page.locator("main, #content").first
    assert "Bochum" in preview.inner_text() and "München" in preview.inner_text()
    editor_page.get_by_role("button", name="Import bestätigen").click()
    editor_page.locator(".messagelist .success").wait_for()

    # then: both cities have their imported counts, submitted for review, with the file's Stand
    imported = {a.city.ags: a for a in Answer.objects.filter(parameter=ladepunkte).select_related("city")}
    assert {ags: a.value_number for ags, a in imported.items()} == {BOCHUM: Decimal(50), MUENCHEN: Decimal(239)}
    assert {a.status for a in imported.values()} == {Answer.Status.SUBMITTED}
    assert OfficialImport.objects.get().as_of == date(2019, 7, 19)

    # when: Bochum's staff object to their value in the questionnaire, with a reason
    log_in(city_page, f"{live_server.url}/accounts/login/?next=/portal/{bochum.slug}/{edition.year}/", "kim")
    row = city_page.locator("#p-ladepunkte")
    assert "Bundesnetzagentur" in row.inner_text()
    row.locator("textarea[name=reason]").fill("Die Stadtwerke betreiben 62 öffentliche Ladepunkte (Liste 12/2019).")
    row.get_by_role("button", name="Einwand erheben").click()
    city_page.locator("#p-ladepunkte .outcome.open").wait_for()

    # and a reviewer finds the objection by its flag in the queue and corrects the value with a source and Stand
    log_in(reviewer_page, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/?flag=objection", "rita")
    rows = reviewer_page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "Bochum" in rows.first.inner_text()
    rows.first.get_by_role("link").first.click()
    objection = reviewer_page.locator("#objection")
    assert "62 öffentliche Ladepunkte" in objection.locator("#check-reason").inner_text()
    objection.get_by_label("Wert korrigieren").check()
    objection.get_by_label("Korrigierter Wert").fill("62")
    objection.get_by_label("Quelle des korrigierten Werts (URL)").fill(
        "https://stadtwerke-bochum.example/ladepunkte.pdf"
    )
    objection.get_by_label("Stand des korrigierten Werts").fill("31.12.2019")
    objection.get_by_label("Begründung für die Stadt").fill("Die Liste der Stadtwerke ist vollständig.")
    objection.get_by_role("button", name="Entscheiden").click()
    reviewer_page.locator(".messagelist .success").wait_for()
    # München's imported value is approved as it stands
    answer_approve(user=reviewer, answer=imported[MUENCHEN])

    # then: the city reads the outcome
    city_page.reload()
    assert "korrigiert auf 62" in city_page.locator("#p-ladepunkte .outcome.corrected").inner_text()
    assert AnswerCheck.objects.get(answer=imported[BOCHUM]).outcome == AnswerCheck.Outcome.CORRECTED

    # when: the editor publishes from the editions' list (nothing is open, so no reason is needed)
    editor_page.goto(f"{live_server.url}/admin/indicators/edition/")
    editor_page.locator(f"input[name=_selected_action][value='{edition.pk}']").check()
    editor_page.select_option("select[name=action]", "publish")
    editor_page.locator("button[name=index], input[name=index]").first.click()
    assert "0 Einwände von Städten nicht entschieden" in editor_page.locator(".open-objections").inner_text()
    editor_page.get_by_label("Ich bestätige diese Änderung.").check()
    editor_page.get_by_role("button", name="Veröffentlichen und Ergebnisse einfrieren").click()
    editor_page.locator(".messagelist .success").wait_for()
    edition.refresh_from_db()
    assert edition.phase == Edition.Phase.PUBLISHED

    # then: the public city page shows Bochum's corrected value with its source and Stand
    public.goto(f"{live_server.url}/stadt/{bochum.slug}/{edition.year}/")
    item = public.locator(f"#parameter-{ladepunkte.pk}")
    item.locator("xpath=ancestor::details").evaluate("details => details.open = true")
    assert item.locator(".answer").inner_text() == "62 Ladepunkte (Stand 31.12.2019)"
    assert item.locator(".source-kind").inner_text() == "Recherche"
    assert item.locator("a.evidence").get_attribute("href") == "https://stadtwerke-bochum.example/ladepunkte.pdf"
    # and München's official value with the register and its Stand
    muenchen = edition.participations.get(city__ags=MUENCHEN).city
    public.goto(f"{live_server.url}/stadt/{muenchen.slug}/{edition.year}/")
    item = public.locator(f"#parameter-{ladepunkte.pk}")
    item.locator("xpath=ancestor::details").evaluate("details => details.open = true")
    assert item.locator(".answer").inner_text() == "239 Ladepunkte (Stand 19.07.2019)"
    assert (
        item.locator(".source-kind").inner_text()
        == "Amtliche Quelle: Ladesäulenregister der Bundesnetzagentur (ladesaeulenregister-2019-07-19.xlsx)"
    )
