"""The questionnaire by keyboard only: a staff member tabs to the questions, answers a yes/no question with the
arrow keys, types a number and its source, saves with Enter, submits with the button, and every control of a
row is reached in reading order."""

import pytest

from indicators.models import Answer
from tests.browser.helpers import log_in
from tests.factories import UserFactory, cities_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
    const element = document.activeElement;
    const row = element.closest("article.answer");
    const name = element.getAttribute("name") || element.getAttribute("aria-label") || element.textContent.trim();
    return {row: row ? row.id : null, control: `${element.tagName.toLowerCase()} ${name}`};
}"""


def tab_until(page, row: str, *, limit: int = 80) -> list[dict]:
    """Press Tab until the focus is inside the row; every focus on the way, in order."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        path.append(page.evaluate(FOCUSED))
        if path[-1]["row"] == row:
            return path
    raise AssertionError(f"Tab never reached {row}: {[step['control'] for step in path]}")


def tab_through(page, row: str) -> list[str]:
    """From the focused control of the row, press Tab until the focus leaves it: the row's controls in order
    (a date field's day, month and year keep one entry)."""
    order = [page.evaluate(FOCUSED)["control"]]
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["row"] != row:
            return order
        if focused["control"] != order[-1]:
            order.append(focused["control"])
    raise AssertionError(f"the focus never left {row}: {order}")


def test_staff_fill_save_and_submit_answers_with_the_keyboard_alone(live_server, chromium, edition):
    # given
    city = cities_of(edition)[0]
    UserFactory(username="kim", cities=[city])
    page = chromium.new_context(locale="de-DE", viewport={"width": 1366, "height": 768}).new_page()
    page.set_default_timeout(15_000)
    log_in(page, f"{live_server.url}/accounts/login/?next=/portal/{city.slug}/{edition.year}/", "kim")
    page.locator("body").focus()

    # when: Tab from the top of the page to the first question, a yes/no one; the arrow key picks "ja"
    path = tab_until(page, "p-online-termine")
    page.keyboard.press("ArrowDown")

    # then: the skip link came first, the focus sat on the question's first option, and the choice autosaved
    assert path[0]["control"] == "a Zum Inhalt springen"
    assert path[-1]["control"] == "input online-termine-value"
    page.locator("#p-online-termine .saved").wait_for()
    assert Answer.objects.get(city=city, parameter__key="online-termine").value_bool is True

    # when: on to the percentage: type the value and its source, save with Enter
    tab_until(page, "p-busse")
    assert page.evaluate(FOCUSED)["control"] == "input busse-value"
    page.keyboard.type("42,5")
    page.keyboard.press("Tab")
    page.keyboard.type("https://example.org/busse.pdf")
    page.keyboard.press("Enter")

    # then
    page.locator("#p-busse .saved").wait_for()
    answer = Answer.objects.get(city=city, parameter__key="busse")
    assert (str(answer.value_number.normalize()), answer.evidence_url) == ("42.5", "https://example.org/busse.pdf")

    # when: the row's controls in tab order, from its first field
    page.locator("#id_busse-value").focus()
    order = tab_through(page, "p-busse")

    # then: the fields in reading order, the actions after them, the evidence and history last
    assert order == [
        "input busse-value",
        "input busse-evidence_url",
        "textarea busse-note",
        "input busse-as_of",
        "button Speichern",
        "button Einreichen",
        "summary Nachweisdatei hochladen",
        "a Verlauf und Kommentare",
    ]

    # when: Shift+Tab back (from the next row's first control) to "Einreichen" and press Space
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["control"] == "button Einreichen"
    page.keyboard.press("Space")

    # then
    page.locator("#p-busse .badge[data-status=submitted]").wait_for()
    assert Answer.objects.get(city=city, parameter__key="busse").status == Answer.Status.SUBMITTED
