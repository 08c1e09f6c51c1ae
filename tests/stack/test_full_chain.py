"""The whole chain in a real browser on PostgreSQL, Redis and a real Celery worker (DESIGN §9):
a staff member changes an answer and submits it, a reviewer approves it, the worker recomputes,
the editor publishes, and the public ranking shows the city's new score."""

from decimal import Decimal

import pytest

from indicators.models import Answer, Edition
from scoring.models import CityScore, ScoreRun
from scoring.services import scores_recompute
from tests.browser.helpers import log_in
from tests.factories import UserFactory, cities_of, small_edition
from tests.scoring.test_services import answer_all
from tests.stack.processes import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def admin_action(page, live_server, edition: Edition, action: str, **form) -> None:
    """Run an edition action in the admin and confirm it on the confirmation page."""
    page.goto(f"{live_server.url}/admin/indicators/edition/")
    page.check(f"input[name=_selected_action][value='{edition.pk}']")
    page.select_option("select[name=action]", action)
    page.locator("#changelist-form button[name=index]").click()
    for name, value in form.items():
        page.select_option(f"select[name={name}]", value)
    page.check("input[name=confirm]")
    page.locator("input[type=submit]").click()
    page.locator(".messagelist .success").wait_for()


def test_a_changed_answer_reaches_the_public_ranking_through_review_worker_and_publishing(
    live_server, chromium, celery_worker_process, role_groups
):
    # given: four cities, all answers approved except the first city's bus share, a 0 % draft
    edition = small_edition(cities=4, year=2040)
    answer_all(edition)
    city = cities_of(edition)[0]
    busse = Answer.objects.get(edition=edition, city=city, parameter__key="busse")
    Answer.objects.filter(pk=busse.pk).update(status=Answer.Status.DRAFT, value_number=Decimal(0))
    before, _ = scores_recompute(edition=edition)
    old_total = CityScore.objects.get(run=before, city=city).total
    UserFactory(username="kim", cities=[city])
    UserFactory(username="rita", groups=["reviewers"], is_staff=True)
    UserFactory(username="eddi", groups=["editors"], is_staff=True)
    pages = {}
    for name in ("staff", "reviewer", "editor", "public"):
        pages[name] = chromium.new_context(locale="de-DE").new_page()
        pages[name].set_default_timeout(20_000)

    # when: the staff member raises the share to 100 % and submits it
    staff = pages["staff"]
    log_in(staff, f"{live_server.url}/accounts/login/?next=/portal/{city.slug}/{edition.year}/", "kim")
    staff.locator("#p-busse input[name=busse-value]").fill("100")
    staff.locator("#p-busse input[name=busse-value]").press("Enter")
    staff.locator("#p-busse .saved").wait_for()
    staff.locator("#p-busse").get_by_role("button", name="Einreichen").click()
    staff.locator("#p-busse .badge[data-status=submitted]").wait_for()

    # and the reviewer approves it from the queue
    reviewer = pages["reviewer"]
    log_in(reviewer, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/?status__exact=submitted", "rita")
    reviewer.locator("#result_list tbody tr").first.get_by_role("link").first.click()
    reviewer.get_by_role("button", name="Freigeben", exact=True).click()
    reviewer.locator(".messagelist .success").wait_for()

    # then: the real worker recomputes with the approval
    all_answers = Answer.objects.filter(edition=edition).count()
    run = wait_for(
        lambda: ScoreRun.objects.filter(edition=edition, approved_answer_count=all_answers).first(),
        seconds=60,
        message="the worker did not recompute within 60 s",
    )
    new_total = CityScore.objects.get(run=run, city=city).total
    assert new_total > old_total

    # when: the editor starts the review phase and publishes
    editor = pages["editor"]
    log_in(editor, f"{live_server.url}/admin/login/?next=/admin/", "eddi")
    admin_action(editor, live_server, edition, "change_phase", phase="review")
    admin_action(editor, live_server, edition, "publish")

    # then: the public ranking shows the city's new total
    public = pages["public"]
    public.goto(f"{live_server.url}/ranking/{edition.year}/")
    row = public.locator("table.ranking tbody tr", has_text=city.name)
    shown = f"{new_total:.1f}".replace(".", ",")
    assert shown in row.inner_text()
    assert ScoreRun.objects.get(edition=edition, is_published=True).pk == run.pk
