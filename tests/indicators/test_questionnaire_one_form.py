"""A questionnaire row is one form: every action is a submit button with its formaction, posted as a browser
posts the whole form (with and without htmx); "Einreichen" saves what was typed first; the row in German and
English; user text escaped; the page's queries pinned at two sizes."""

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import Answer, AnswerComment, EvidenceFile, Parameter, Participation
from tests import factories
from tests.factories import parameter

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture(autouse=True)
def evidence_dir(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path / "e"))


class RowForm(HTMLParser):
    """What a browser sends from a row's form (checked radios and boxes, selected options, textareas; no file),
    the form's action, and its buttons by text with their formaction (the form's action where none)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.action, self.fields, self.buttons = 0, None, {}, {}
        self._select = self._textarea = self._button = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms += 1
            self.action = attr["action"]
        elif tag == "input" and "name" in attr:
            kind = attr.get("type", "text")
            if kind == "file" or (kind in ("radio", "checkbox") and "checked" not in attr):
                return
            self.fields[attr["name"]] = attr.get("value", "")
        elif tag == "select":
            self._select = attr["name"]
        elif tag == "option" and self._select and ("selected" in attr or self._select not in self.fields):
            self.fields[self._select] = attr.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = attr["name"], []
        elif tag == "button":
            self._button, self._text = attr.get("formaction", self.action), []

    def handle_data(self, data):
        if self._textarea or self._button:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields[self._textarea] = "".join(self._text).removeprefix("\n")
            self._textarea = None
        elif tag == "button" and self._button:
            self.buttons.setdefault("".join(self._text).strip(), self._button)  # the first of equal buttons
            self._button = None


def row_html(content: str, key: str) -> str:
    match = re.search(rf'<article class="answer[^"]*" id="p-{key}".*?</article>', content, re.S)
    assert match, key
    return match.group(0)


def row_form(client, city, edition, key, language="") -> RowForm:
    page = client.get(f"{language}/portal/{city.slug}/{edition.year}/")
    assert page.status_code == 200
    reader = RowForm()
    reader.feed(row_html(page.content.decode(), key))
    return reader


def routes(city, edition, key):
    return {
        name: reverse(f"indicators:{name}", args=[city.slug, edition.year, key])
        for name in ("answer_save", "answer_submit", "answer_value_confirm", "evidence_upload", "answer_carry_over")
    }


def approved_last_year(edition, city, key, **value):
    """Last edition's approved answer of `key` (the carry-over and the jump flag need one)."""
    before = factories.small_edition(cities=0, year=edition.year - 1, phase="published")
    Participation.objects.create(edition=before, city=city)
    return Answer.objects.create(
        edition=before, city=city, parameter=parameter(before, key), status=Answer.Status.APPROVED, **value
    )


@pytest.fixture
def busse(edition, city):
    """A draft with a value, a source, a file and last year's value far off (a jump to confirm)."""
    approved_last_year(edition, city, "busse", value_number=Decimal(10), evidence_url="https://example.org/2029")
    answer = Answer.objects.create(
        edition=edition, city=city, parameter=parameter(edition, "busse"), value_number=Decimal(40), version=3
    )
    factories.EvidenceFileFactory(answer=answer, original_name="alt.pdf")
    return answer


def test_a_row_is_one_form_with_a_button_per_action(staff_client, edition, city, busse):
    # when
    form = row_form(staff_client, city, edition, "busse")

    # then
    url = routes(city, edition, "busse")
    remove = reverse("indicators:evidence_remove", args=[city.slug, edition.year, busse.evidence_files.get().pk])
    assert form.forms == 1 and form.action == url["answer_save"]
    assert form.buttons == {
        "Speichern": url["answer_save"],
        "Einreichen": url["answer_submit"],
        "Wert ist korrekt": url["answer_value_confirm"],
        "entfernen": remove,
        "Hochladen": url["evidence_upload"],
        "Vorjahreswert übernehmen": url["answer_carry_over"],
    }
    assert list(form.buttons)[0] == "Speichern"  # Enter in a field saves (the form's first submit button)


@pytest.mark.parametrize("htmx", [False, True])
def test_save_posts_the_whole_form_and_the_other_actions_fields_change_nothing(
    staff_client, edition, city, busse, htmx
):
    # given: a new value typed, and the other actions' fields filled in too
    form = row_form(staff_client, city, edition, "busse")
    data = {**form.fields, "busse-value": "45", "note": "stimmt", "evidence_url": "https://example.org/neu"}

    # when
    response = staff_client.post(form.buttons["Speichern"], data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))

    # then
    busse.refresh_from_db()
    assert (busse.value_number, busse.note, busse.evidence_url, busse.value_confirmation) == (Decimal(45), "", "", "")
    assert busse.status == "draft"
    if htmx:
        assert response.status_code == 200 and '<span class="saved" role="status">gespeichert</span>' in (
            response.content.decode()
        )
    else:
        assert response.status_code == 302 and response["Location"].endswith("#p-busse")


@pytest.mark.parametrize("htmx", [False, True])
def test_submit_saves_the_typed_value_first_then_submits_it(staff_client, edition, city, busse, htmx):
    # given: a value typed but not saved yet (no autosave: without JavaScript, or before its delay)
    form = row_form(staff_client, city, edition, "busse")
    data = {**form.fields, "busse-value": "41,5", "busse-evidence_url": "https://example.org/busse"}

    # when
    response = staff_client.post(form.buttons["Einreichen"], data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))

    # then
    busse.refresh_from_db()
    assert (busse.value_number, busse.evidence_url, busse.status) == (
        Decimal("41.5"),
        "https://example.org/busse",
        "submitted",
    )
    assert list(busse.history.values_list("status", flat=True)[:3]) == ["submitted", "draft", "draft"]  # saved, created
    if htmx:
        content = response.content.decode()
        assert response.status_code == 200 and 'data-status="submitted"' in content
        assert f"„{busse.parameter.name}“ eingereicht." in content
    else:
        assert response.status_code == 302


def test_submit_without_changes_submits_the_stored_answer_without_saving_it(staff_client, edition, city, busse):
    form = row_form(staff_client, city, edition, "busse")

    response = staff_client.post(form.buttons["Einreichen"], form.fields)

    busse.refresh_from_db()
    assert response.status_code == 302 and busse.status == "submitted" and busse.value_number == Decimal(40)
    assert list(busse.history.values_list("status", flat=True)) == ["submitted", "draft"]  # submitted, created


def test_submit_with_wrong_typed_input_says_so_in_german_and_changes_nothing(staff_client, edition, city, busse):
    form = row_form(staff_client, city, edition, "busse")

    response = staff_client.post(
        form.buttons["Einreichen"], {**form.fields, "busse-value": "zwölf"}, HTTP_HX_REQUEST="true"
    )

    busse.refresh_from_db()
    assert response.status_code == 200  # htmx swaps the row with its message
    assert 'class="field has-error"' in response.content.decode()
    assert (busse.value_number, busse.status, busse.version) == (Decimal(40), "draft", 3)


def test_submit_over_a_colleagues_change_shows_the_conflict_and_submits_nothing(staff_client, edition, city, busse):
    # given: the page was read, then a colleague saved another value
    form = row_form(staff_client, city, edition, "busse")
    Answer.objects.filter(pk=busse.pk).update(value_number=Decimal(50), version=4)

    # when: the old page submits a typed value
    response = staff_client.post(form.buttons["Einreichen"], {**form.fields, "busse-value": "41"})

    # then
    busse.refresh_from_db()
    assert response.status_code == 409
    assert "Jemand anderes hat diese Antwort inzwischen geändert." in response.content.decode()
    assert (busse.value_number, busse.status) == (Decimal(50), "draft")


@pytest.mark.parametrize("htmx", [False, True])
def test_the_value_confirmation_posts_its_reason_from_the_rows_form(staff_client, edition, city, busse, htmx):
    form = row_form(staff_client, city, edition, "busse")

    response = staff_client.post(
        form.buttons["Wert ist korrekt"],
        {**form.fields, "note": "Neue Linien seit März."},
        **({"HTTP_HX_REQUEST": "true"} if htmx else {}),
    )

    busse.refresh_from_db()
    assert response.status_code == (200 if htmx else 302)
    assert (busse.value_confirmation, busse.value_number, busse.note) == ("Neue Linien seit März.", Decimal(40), "")


def test_the_value_confirmation_without_a_reason_asks_for_one_in_german(staff_client, edition, city, busse):
    form = row_form(staff_client, city, edition, "busse")

    response = staff_client.post(form.buttons["Wert ist korrekt"], form.fields, HTTP_HX_REQUEST="true")

    busse.refresh_from_db()
    assert "Bitte erklären Sie kurz, warum der Wert stimmt." in response.content.decode()
    assert busse.value_confirmation == "" and busse.version == 3


@pytest.mark.parametrize("htmx", [False, True])
def test_upload_and_remove_post_from_the_rows_form(staff_client, edition, city, busse, htmx):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    form = row_form(staff_client, city, edition, "busse")
    upload = SimpleUploadedFile("neu.pdf", PDF, content_type="application/pdf")

    uploaded = staff_client.post(form.buttons["Hochladen"], {**form.fields, "file": upload}, **extra)

    assert uploaded.status_code == (200 if htmx else 302)
    assert sorted(busse.evidence_files.values_list("original_name", flat=True)) == ["alt.pdf", "neu.pdf"]

    # when: the old file is removed from the page as it is now
    form = row_form(staff_client, city, edition, "busse")
    removed = staff_client.post(form.buttons["entfernen"], form.fields, **extra)  # the first file's: alt.pdf

    assert removed.status_code == (200 if htmx else 302)
    assert list(busse.evidence_files.values_list("original_name", flat=True)) == ["neu.pdf"]


def test_carry_over_posts_from_the_rows_form(staff_client, edition, city, busse):
    form = row_form(staff_client, city, edition, "busse")

    response = staff_client.post(
        form.buttons["Vorjahreswert übernehmen"], {**form.fields, "confirmed_unchanged": "1"}, HTTP_HX_REQUEST="true"
    )

    busse.refresh_from_db()
    assert response.status_code == 200 and busse.value_number == Decimal(10)


def test_the_row_reads_in_english_when_the_user_chose_english(staff_client, edition, city, busse):
    form = row_form(staff_client, city, edition, "busse", language="/en")
    page = staff_client.get(f"/en/portal/{city.slug}/{edition.year}/").content.decode()
    row = " ".join(row_html(page, "busse").split())

    assert {"Save", "Submit", "Upload"} <= set(form.buttons)
    assert "Speichern" not in row and "Einreichen" not in row
    assert f"Previous edition ({edition.year - 1}): 10 %" in row


def test_user_text_is_escaped_in_the_row(staff_client, edition, city, busse):
    # given: user text with markup wherever the row shows it
    evil = '<script>alert("x")</script>'
    Answer.objects.filter(pk=busse.pk).update(note=evil, review_reason=evil, status=Answer.Status.CHANGES_REQUESTED)
    busse.evidence_files.update(original_name=evil)
    Answer.objects.filter(pk=busse.pk).update(value_confirmation=evil)

    # when
    row = row_html(staff_client.get(f"/portal/{city.slug}/{edition.year}/").content.decode(), "busse")

    # then: the note (in its textarea, escaped by the fields' helper); the review's reason, the file's name (its
    # link and its remove button's label) and the confirmation (escaped by Jinja2)
    assert "<script>" not in row
    assert row.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 1
    assert row.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") == 4


@pytest.mark.parametrize("parameters", [10, 40])
def test_the_questionnaire_runs_the_same_queries_at_10_and_40_parameters(
    staff_client, staff, edition, city, parameters, django_assert_num_queries
):
    # given: every parameter answered, every other one with a file and a comment, last year's value, one sent back
    approved_last_year(edition, city, "busse", value_number=Decimal(10))
    busse = parameter(edition, "busse")
    for n in range(parameters - 5):
        factories.ParameterFactory(indicator=busse.indicator, key=f"extra-{n}", position=10 + n)
    for n, item in enumerate(Parameter.objects.filter(indicator__domain__edition=edition).order_by("pk")):
        answer = Answer.objects.create(
            edition=edition,
            city=city,
            parameter=item,
            value_number=Decimal(n),
            value_bool=True,
            value_choice="live",
            as_of=date(2024, 1, 1),
            status=Answer.Status.CHANGES_REQUESTED if n == 0 else Answer.Status.DRAFT,
        )
        if n % 2:
            factories.EvidenceFileFactory(answer=answer)
            AnswerComment.objects.create(answer=answer, author=staff, body="Frage")

    # when: as many queries whatever the number of rows (the questionnaire's 6 and the previous edition's values;
    # the session, user, city and membership; the outlier flags are the stored ones)
    with django_assert_num_queries(11):
        response = staff_client.get(f"/portal/{city.slug}/{edition.year}/")

    # then
    content = response.content.decode()
    rows = re.findall(r"<article.*?</article>", content, re.S)
    assert len(rows) == parameters and all(row.count("<form") == 1 for row in rows)
