"""The automated accessibility audit (BITV 2.0 / WCAG 2.1 AA): axe-core's WCAG 2.0/2.1 A and AA rules on every
public page (German and English, desktop and phone), every portal page, the sign-in and the admin's review
queue and answer page. Zero violations, except the gaps listed in public/accessibility_gaps.toml."""

from decimal import Decimal

import pytest

from indicators.models import Answer, Participation
from indicators.services.coordination import staff_invite
from tests import factories
from tests.browser.axe import Gap, audit, known_gaps, with_axe
from tests.browser.helpers import log_in, wait_for_htmx
from tests.factories import UserFactory, cities_of, coordinator_of, parameter
from tests.scoring.test_services import answer_all, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 812}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def editions(editor):
    """A published edition (2039) of four cities and the next one (2040) in collection, with a few answers of the
    first city: a draft, a submitted and a sent-back one."""
    published = factories.small_edition(cities=4, year=2039)
    answer_all(published, seed=3)
    publish(published, editor)
    collecting = factories.small_edition(cities=0, year=2040)
    cities = cities_of(published)
    for city in cities:
        Participation.objects.create(edition=collecting, city=city)
    city = cities[0]
    Answer.objects.create(
        edition=collecting, city=city, parameter=parameter(collecting, "busse"), value_number=Decimal("42.5")
    )
    Answer.objects.create(
        edition=collecting,
        city=city,
        parameter=parameter(collecting, "online-termine"),
        value_bool=True,
        evidence_url="https://example.org/termine",
        status=Answer.Status.SUBMITTED,
    )
    Answer.objects.create(
        edition=collecting,
        city=city,
        parameter=parameter(collecting, "smart-meter"),
        value_choice="planned",
        status=Answer.Status.CHANGES_REQUESTED,
        review_reason="Bitte den Bericht verlinken.",
    )
    return published, collecting, cities


POST_FORM = """([action, fields]) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    const all = {...fields, csrfmiddlewaretoken: document.querySelector("[name=csrfmiddlewaretoken]").value};
    for (const [name, value] of Object.entries(all)) {
        const input = document.createElement("input");
        input.type = "hidden"; input.name = name; input.value = value;
        form.append(input);
    }
    document.body.append(form);
    form.submit();
}"""


@pytest.fixture
def new_page(chromium):
    """Open a page in a new browser context (one per viewport and language) with axe-core on every page it loads;
    the contexts are closed after the test."""
    contexts = []

    def open_page(*, viewport: str, language: str):
        locale = "de-DE" if language == "de" else "en-GB"
        contexts.append(with_axe(chromium.new_context(locale=locale, viewport=VIEWPORTS[viewport])))
        page = contexts[-1].new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def audit_all(page, urls: list[str], *, label: str) -> list[str]:
    gaps = known_gaps()
    found = []
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, f"{url}: {response.status}"
        found += audit(page, label=label, gaps=gaps)
    return found


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", ["de", "en"])
def test_every_public_page_passes_the_wcag_audit(live_server, new_page, editions, viewport, language):
    # given
    published, _collecting, cities = editions
    year = published.year
    prefix = live_server.url + ("/en" if language == "en" else "")
    urls = [
        "/",
        "/ranking/",
        f"/ranking/{year}/?sortierung=mobilitaet",
        f"/ranking/{year}/indikator/verkehr/",
        f"/stadt/{cities[0].slug}/",
        f"/stadt/{cities[1].slug}/{year}/",
        f"/vergleich/{year}/",
        f"/vergleich/{year}/?stadt={cities[0].slug}&stadt={cities[1].slug}&stadt={cities[2].slug}",
        f"/simulator/{year}/",
        f"/simulator/{year}/{cities[0].slug}/",
        "/methodik/",
        "/daten/",
        "/accounts/login/",
    ]
    page = new_page(viewport=viewport, language=language)

    # when
    violations = audit_all(page, [prefix + url for url in urls], label=f"{viewport}, {language}")

    # then
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize(("viewport", "language"), [("desktop", "de"), ("phone", "de"), ("desktop", "en")])
def test_every_portal_page_passes_the_wcag_audit(live_server, new_page, editions, viewport, language):
    # given: a coordinator of the first city (coordinators see every portal page a staff member sees, and more)
    published, collecting, cities = editions
    city, year = cities[0], collecting.year
    coordinator = coordinator_of(city, username="cora")
    _invitation, token = staff_invite(
        user=coordinator, city=city, email="neu@example.org", role="staff", link_template="/{token}/"
    )
    page = new_page(viewport=viewport, language=language)
    prefix = live_server.url + ("/en" if language == "en" else "")
    label = f"{viewport}, {language}"
    portal = f"{prefix}/portal/{city.slug}"

    # when: the invitation as the invited person sees it, then the pages a coordinator reaches by GET
    violations = audit_all(page, [f"{prefix}/portal/invitation/{token}/"], label=label)
    log_in(page, f"{live_server.url}/accounts/login/?next=/portal/{city.slug}/{year}/", "cora")
    violations += audit_all(
        page,
        [
            f"{prefix}/portal/",
            f"{portal}/{year}/",
            f"{portal}/{published.year}/",
            f"{portal}/{year}/import/",
            f"{portal}/{year}/answer/online-termine/history/",
            f"{portal}/team/",
            f"{portal}/{year}/sign-off/",
            f"{portal}/{year}/projects/",
            f"{prefix}/konto/tokens/",
        ],
        label=label,
    )
    # and those reached by a form without htmx: the confirmation before submitting all, and an answer's own
    # page after a wrong value (a number; a choice, whose question is a fieldset)
    page.goto(f"{portal}/{year}/")
    wait_for_htmx(page)
    for action, fields, heading in [
        (f"/portal/{city.slug}/{year}/submit/", {}, "main h1"),
        (
            f"/portal/{city.slug}/{year}/answer/wartezeit/",
            {"wartezeit-value": "viele", "wartezeit-version": "0"},
            "main article#p-wartezeit .has-error",
        ),
        (
            f"/portal/{city.slug}/{year}/answer/smart-meter/",
            {"smart-meter-value": "viele", "smart-meter-version": "1"},
            "main article#p-smart-meter fieldset.has-error",
        ),
    ]:
        with page.expect_navigation():
            page.evaluate(POST_FORM, [prefix.removeprefix(live_server.url) + action, fields])
        page.locator(heading).first.wait_for()
        violations += audit(page, label=label, gaps=known_gaps())
        page.go_back()

    # then
    assert violations == [], "\n".join(violations)


def test_the_review_queue_and_an_answer_page_pass_the_wcag_audit(live_server, new_page, role_groups, editions):
    # given
    _published, collecting, cities = editions
    UserFactory(username="rita", groups=["reviewers"], is_staff=True)
    answer = Answer.objects.get(edition=collecting, city=cities[0], parameter__key="online-termine")
    violations = []
    for viewport in VIEWPORTS:
        page = new_page(viewport=viewport, language="de")
        page.goto(f"{live_server.url}/admin/login/?next=/admin/indicators/answer/")
        violations += audit(page, label=viewport, gaps=known_gaps())

        # when
        log_in(page, f"{live_server.url}/admin/login/?next=/admin/indicators/answer/", "rita")
        violations += audit(page, label=viewport, gaps=known_gaps())
        violations += audit_all(
            page, [f"{live_server.url}/admin/indicators/answer/{answer.pk}/change/"], label=viewport
        )

    # then
    assert violations == [], "\n".join(violations)


def test_the_audit_names_page_viewport_rule_and_nodes_and_a_listed_gap_excuses_only_its_pages(live_server, new_page):
    # given: a picture without a text alternative on the sign-in page
    page = new_page(viewport="phone", language="de")
    page.goto(live_server.url + "/accounts/login/")
    page.evaluate(
        """document.querySelector("main").insertAdjacentHTML("beforeend", '<img id="no-alt" src="/x.png">')"""
    )

    # when / then
    assert audit(page, label="phone, de", gaps=[]) == [
        "/accounts/login/ [phone, de] image-alt (Images must have alternative text): #no-alt"
    ]
    assert audit(page, label="phone, de", gaps=[Gap("image-alt", ("/accounts/*",), "Grund", "reason")]) == []
    assert len(audit(page, label="phone, de", gaps=[Gap("image-alt", ("/admin/*",), "Grund", "reason")])) == 1
