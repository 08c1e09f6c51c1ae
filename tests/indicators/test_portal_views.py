"""The city staff portal: who sees what, saving with and without htmx, conflicts, submitting, history."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from indicators.models import Answer, Edition, Parameter
from tests import factories
from tests.factories import UserFactory, parameter


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def url(city, edition, suffix=""):
    return f"/portal/{city.slug}/{edition.year}/{suffix}"


def save(client, city, edition, key, value, version=0, language="", **extra):
    data = {
        f"{key}-value": value,
        f"{key}-version": version,
        f"{key}-evidence_url": "",
        f"{key}-note": "",
        f"{key}-as_of": "",
    }
    data.update({f"{key}-{k}": v for k, v in extra.items()})
    return client.post(f"{language}{url(city, edition, f'answer/{key}/')}", data, **({}))


def test_anonymous_users_are_sent_to_the_login(client, edition, city):
    response = client.get(url(city, edition))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["other city", "reviewer", "plain user"])
def test_only_the_citys_staff_see_its_questionnaire(client, edition, city, reviewer, who):
    other_city = edition.participations.order_by("city_id").last().city
    user = {"other city": UserFactory(cities=[other_city]), "reviewer": reviewer, "plain user": UserFactory()}[who]
    client.force_login(user)

    assert client.get(url(city, edition)).status_code == 404
    assert save(client, city, edition, "busse", "50").status_code == 404
    assert not Answer.objects.exists()


def test_the_dashboard_shows_progress_and_what_needs_attention(staff_client, edition, city, staff):
    # given
    Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=40,
        status=Answer.Status.CHANGES_REQUESTED,
        review_reason="Quelle ist von 2019.",
    )

    # when
    response = staff_client.get("/portal/")

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "1 von 5 beantwortet (20 %)" in content
    assert "Quelle ist von 2019." in content


def test_the_parameters_that_need_evidence_are_marked_before_submitting(staff_client, edition, city):
    # given: busse (evidence required) answered without a source, wartezeit (none required) answered
    save(staff_client, city, edition, "busse", "40")
    save(staff_client, city, edition, "wartezeit", "12")

    page = staff_client.get(url(city, edition)).content.decode()

    busse = page.split('id="p-busse"')[1].split("</article>")[0]
    wartezeit = page.split('id="p-wartezeit"')[1].split("</article>")[0]
    ladepunkte = page.split('id="p-ladepunkte"')[1].split("</article>")[0]
    assert "Nachweis fehlt noch" in busse
    assert "Nachweis" not in wartezeit.split("</header>")[0]
    assert "1 Antwort braucht noch einen Nachweis" in page
    # once it has a source, the row only says that evidence is required
    save(staff_client, city, edition, "busse", "40", version=1, evidence_url="https://example.org/b.pdf")
    page = staff_client.get(url(city, edition)).content.decode()
    assert "Nachweis fehlt noch" not in page and "braucht noch einen Nachweis" not in page
    assert "Nachweis erforderlich" in page.split('id="p-busse"')[1].split("</header>")[0]
    assert "Nachweis" not in ladepunkte.split("</header>")[0]


def test_a_plain_form_save_stores_the_answer_and_redirects(staff_client, edition, city, staff):
    response = save(staff_client, city, edition, "busse", "42,5", evidence_url="https://example.org/busse.pdf")

    assert response.status_code == 302
    assert response["Location"] == f"{url(city, edition)}#p-busse"
    answer = Answer.objects.get(city=city, parameter__key="busse")
    assert (answer.value_number, answer.evidence_url, answer.status, answer.updated_by) == (
        Decimal("42.5"),
        "https://example.org/busse.pdf",
        "draft",
        staff,
    )


def test_an_out_of_range_value_gets_an_inline_german_message_and_nothing_is_saved(staff_client, edition, city):
    response = save(staff_client, city, edition, "busse", "150")

    assert response.status_code == 400
    assert "Der Wert darf höchstens 100 % sein." in response.content.decode()
    assert not Answer.objects.exists()


def test_the_message_is_english_when_the_user_chose_english(staff_client, edition, city):
    response = save(staff_client, city, edition, "busse", "150", language="/en")

    assert response.status_code == 400
    assert "The value must be at most 100 %." in response.content.decode()
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("key", "typed", "stored"),
    [
        ("busse", "45,5 %", Decimal("45.5")),
        ("busse", "45.5", Decimal("45.5")),
        ("wartezeit", "12 Tage", Decimal("12")),
        ("ladepunkte", "1.248.000", Decimal("1248000")),
        ("ladepunkte", "1.248,0", Decimal("1248")),
    ],
)
def test_the_form_reads_numbers_as_the_import_and_the_api_do(staff_client, edition, city, key, typed, stored):
    response = save(staff_client, city, edition, key, typed)

    assert response.status_code == 302
    assert Answer.objects.get(city=city, parameter__key=key).value_number == stored


def test_a_saved_number_is_shown_with_a_decimal_comma_in_german(staff_client, edition, city):
    save(staff_client, city, edition, "busse", "45,5")

    page = staff_client.get(url(city, edition, "")).content.decode()

    assert 'value="45,5"' in page


def test_a_value_of_the_wrong_type_is_refused(staff_client, edition, city):
    response = save(staff_client, city, edition, "busse", "viel")

    assert response.status_code == 400
    assert "„viel“ ist keine Zahl." in response.content.decode()
    assert not Answer.objects.exists()


def test_an_htmx_save_returns_the_row_and_the_new_progress(staff_client, edition, city):
    response = staff_client.post(
        url(city, edition, "answer/online-termine/"),
        {"online-termine-value": "ja", "online-termine-version": 0},
        headers={"HX-Request": "true"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="p-online-termine"' in content and "gespeichert" in content
    assert 'hx-swap-oob="true"' in content and "1 von 5 beantwortet" in content
    assert Answer.objects.get(parameter__key="online-termine").value_bool is True


def test_a_second_save_from_a_stale_form_gets_a_conflict_showing_both_values(edition, city, client):
    # given: two colleagues opened the same empty answer (version 0); the first one saves
    first, second = UserFactory(cities=[city]), UserFactory(cities=[city])
    client.force_login(first)
    save(client, city, edition, "busse", "30")
    client.force_login(second)

    # when
    response = save(client, city, edition, "busse", "60")

    # then
    content = response.content.decode()
    assert response.status_code == 409
    assert content.count("Jemand anderes hat diese Antwort inzwischen geändert.") == 1
    assert "Die Antwort wurde inzwischen von jemand anderem geändert." not in content  # said once, not twice
    assert "<strong>30 %</strong>" in content and 'value="60"' in content
    assert Answer.objects.get(parameter__key="busse").value_number == Decimal(30)

    # and a deliberate second save with the version shown now wins
    assert save(client, city, edition, "busse", "60", version=1).status_code == 302
    assert Answer.objects.get(parameter__key="busse").value_number == Decimal(60)


def test_submitting_needs_the_required_evidence(staff_client, edition, city):
    save(staff_client, city, edition, "busse", "30")

    refused = staff_client.post(url(city, edition, "answer/busse/submit/"), {"version": 1})
    save(staff_client, city, edition, "busse", "30", version=1, evidence_url="https://example.org/b.pdf")
    accepted = staff_client.post(url(city, edition, "answer/busse/submit/"), {"version": 2})

    assert refused.status_code == 400
    assert "Nachweis (Link oder Datei) erforderlich" in refused.content.decode()
    assert accepted.status_code == 302
    assert Answer.objects.get(parameter__key="busse").status == "submitted"


def test_submit_all_complete_answers_of_a_domain(staff_client, edition, city):
    # given: two complete drafts in Mobilität (one lacks its required evidence), one in Verwaltung
    save(staff_client, city, edition, "busse", "30")
    save(staff_client, city, edition, "ladepunkte", "12")
    save(staff_client, city, edition, "online-termine", "ja")

    # when: the button asks first, then the confirmation submits
    asked = staff_client.post(url(city, edition, "submit/"), {"domain": "mobilitaet"})
    unchanged = dict(Answer.objects.values_list("parameter__key", "status"))
    response = staff_client.post(url(city, edition, "submit/"), {"domain": "mobilitaet", "confirm": "1"}, follow=True)

    # then
    page = asked.content.decode()
    assert "1 Antwort wird eingereicht." in page and "Ja, 1 Antwort einreichen" in page
    assert "1 unvollständige Antwort (ohne Wert oder ohne erforderlichen Nachweis) bleibt Entwurf." in page
    assert set(unchanged.values()) == {"draft"}
    statuses = dict(Answer.objects.values_list("parameter__key", "status"))
    assert statuses == {"busse": "draft", "ladepunkte": "submitted", "online-termine": "draft"}
    assert "1 Antworten eingereicht, 1 unvollständige übersprungen." in response.content.decode()


def test_the_history_lists_every_change_with_who_and_why(staff_client, edition, city, staff):
    save(staff_client, city, edition, "online-termine", "nein")
    save(staff_client, city, edition, "online-termine", "ja", version=1)

    response = staff_client.get(url(city, edition, "answer/online-termine/history/"))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count(f"<td>{staff.username}</td>") == 2
    assert "<td>ja</td>" in content and "<td>nein</td>" in content


def test_a_published_edition_stays_in_the_portal_read_only_and_a_draft_is_not_there(staff_client, edition, city):
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.PUBLISHED)
    published = staff_client.get(url(city, edition))
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.DRAFT)
    draft = staff_client.get(url(city, edition))

    assert published.status_code == 200 and "hx-post" not in published.content.decode()
    assert draft.status_code == 404


@pytest.mark.parametrize("extra_parameters", [0, 155])  # up to the catalogue size of 160
def test_the_questionnaire_runs_a_fixed_number_of_queries(
    staff_client, edition, city, extra_parameters, django_assert_num_queries
):
    busse = Parameter.objects.get(indicator__domain__edition=edition, key="busse")
    Answer.objects.create(edition=edition, city=city, parameter=busse, value_number=10)
    indicator = busse.indicator
    for n in range(extra_parameters):
        factories.ParameterFactory(indicator=indicator, key=f"extra-{n}", position=10 + n)
        Answer.objects.create(
            edition=edition, city=city, parameter=Parameter.objects.get(key=f"extra-{n}"), value_bool=True
        )

    with django_assert_num_queries(10):  # the outlier flags as stored: no field read, at 1,000 cities neither
        response = staff_client.get(url(city, edition))

    assert response.content.decode().count('<article class="answer') == 5 + extra_parameters


def filled_csv(client, city, edition, **values) -> bytes:
    """The city's CSV template with `wert` filled in for the given parameter keys."""
    content = client.get(url(city, edition, "export.csv")).content.decode("utf-8-sig")
    lines = content.splitlines()
    header = lines[0].split(";")
    key_col, value_col = header.index("parameter"), header.index("wert")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(";")
        if cells[key_col] in values:
            cells[value_col] = values[cells[key_col]]
        out.append(";".join(cells))
    return ("\n".join(out) + "\n").encode("utf-8")


def upload(client, city, edition, content: bytes, name="fragebogen.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url(city, edition, "import/"), {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_the_template_downloads_as_xlsx_and_csv(staff_client, edition, city):
    xlsx = staff_client.get(url(city, edition, "export.xlsx"))
    csv = staff_client.get(url(city, edition, "export.csv"))

    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert xlsx["Content-Disposition"].startswith("attachment;")
    assert csv.status_code == 200 and "busse" in csv.content.decode("utf-8-sig")
    assert staff_client.get(url(city, edition, "export.exe")).status_code == 404


def test_an_import_previews_first_and_writes_only_on_confirm(staff_client, edition, city):
    # given
    content = filled_csv(staff_client, city, edition, busse="42,5", **{"online-termine": "ja"})

    # when: preview
    preview = upload(staff_client, city, edition, content)

    # then: nothing is written yet
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "2 werden gespeichert" in text
    assert not Answer.objects.exists()

    # when: confirm
    token = text.split('name="token" value="')[1].split('"')[0]
    confirmed = staff_client.post(url(city, edition, "import/"), {"token": token, "confirm": "1"})

    # then
    assert confirmed.status_code == 302
    assert dict(Answer.objects.values_list("parameter__key", "value_number")) == {
        "busse": Decimal("42.5"),
        "online-termine": None,
    }
    assert Answer.objects.get(parameter__key="online-termine").value_bool is True


def test_a_file_with_a_broken_row_writes_nothing(staff_client, edition, city):
    content = filled_csv(staff_client, city, edition, busse="150", **{"online-termine": "ja"})

    preview = upload(staff_client, city, edition, content)

    text = preview.content.decode()
    assert "Der Wert darf höchstens 100 % sein." in text
    assert "es wird nichts gespeichert" in text and 'name="confirm"' not in text
    assert not Answer.objects.exists()


def test_the_preview_lists_errors_first_with_row_and_column_and_folds_unchanged_rows(staff_client, edition, city):
    # given: one row that cannot be read, one that saves, three unchanged (empty stays empty)
    content = filled_csv(staff_client, city, edition, busse="viel", **{"online-termine": "ja"})

    text = upload(staff_client, city, edition, content).content.decode()

    errors_at = text.index("1 Zeile mit Fehler")
    assert errors_at < text.index("1 Zeile wird gespeichert") < text.index("3 Zeilen unverändert")
    error_row = text[errors_at:].split('<tr class="outcome-error">')[1].split("</tr>")[0]
    busse_row = next(i for i, line in enumerate(content.decode().splitlines()) if line.startswith("busse;")) + 1
    assert f"<td>{busse_row}</td>" in error_row and "„wert“" in error_row and "„viel“ ist keine Zahl." in error_row
    assert '<details class="unchanged"><summary>3 Zeilen unverändert</summary>' in text


def test_an_import_with_a_stale_token_is_refused(staff_client, edition, city):
    response = staff_client.post(url(city, edition, "import/"), {"token": "forged", "confirm": "1"}, follow=True)

    assert "Die Vorschau ist abgelaufen." in response.content.decode()
    assert not Answer.objects.exists()


def test_staff_of_another_city_cannot_export_or_import(client, edition, city):
    other_city = edition.participations.order_by("city_id").last().city
    client.force_login(UserFactory(cities=[other_city]))

    assert client.get(url(city, edition, "export.csv")).status_code == 404
    assert upload(client, city, edition, b"parameter;wert\nbusse;40\n").status_code == 404
    assert not Answer.objects.exists()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def private_storage(tmp_path, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    from indicators.models import EvidenceFile

    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))
    return tmp_path


def test_a_pdf_uploaded_on_the_questionnaire_is_listed_with_its_download_link(
    staff_client, edition, city, private_storage
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.models import EvidenceFile

    # given: an answer to attach to (private storage in a temporary folder)
    save(staff_client, city, edition, "busse", "30")

    # when
    response = staff_client.post(
        url(city, edition, "answer/busse/evidence/"),
        {"version": 1, "file": SimpleUploadedFile("busse.pdf", PDF, "application/pdf")},
        headers={"HX-Request": "true"},
    )

    # then
    evidence = EvidenceFile.objects.get()
    content = response.content.decode()
    assert (evidence.original_name, evidence.content_type) == ("busse.pdf", "application/pdf")
    assert f'href="/portal/evidence/{evidence.pk}/download/"' in content
    assert "Nachweis hochgeladen." in content
    assert staff_client.get(f"/portal/evidence/{evidence.pk}/download/").status_code == 200


def test_an_html_file_named_pdf_is_refused_with_a_message(staff_client, edition, city, private_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.models import EvidenceFile

    save(staff_client, city, edition, "busse", "30")

    response = staff_client.post(
        url(city, edition, "answer/busse/evidence/"),
        {"version": 1, "file": SimpleUploadedFile("busse.pdf", b"<html><script>x</script></html>", "application/pdf")},
    )

    assert response.status_code == 400
    assert not EvidenceFile.objects.exists()
    assert list(private_storage.rglob("*.*")) == []


@pytest.fixture
def last_year(edition, city, editor):
    """The same catalogue one year earlier, published, with the city's approved 'busse' answer."""
    before = factories.small_edition(cities=0, year=edition.year - 1, phase=Edition.Phase.PUBLISHED)
    before.participations.create(city=city)
    Answer.objects.create(
        edition=before,
        city=city,
        parameter=parameter(before, "busse"),
        value_number=Decimal(35),
        evidence_url="https://example.org/2029.pdf",
        status=Answer.Status.APPROVED,
    )
    return before


def test_last_years_value_is_shown_and_taken_over_with_fresh_evidence(staff_client, edition, city, last_year):
    page = staff_client.get(url(city, edition)).content.decode()
    assert f"Vorjahr ({last_year.year}): 35 %" in page

    response = staff_client.post(
        url(city, edition, "answer/busse/carry-over/"), {"version": 0, "evidence_url": "https://example.org/2030.pdf"}
    )

    assert response.status_code == 302
    answer = Answer.objects.get(edition=edition, parameter__key="busse")
    assert (answer.value_number, answer.evidence_url, answer.status) == (
        Decimal(35),
        "https://example.org/2030.pdf",
        "draft",
    )
    assert answer.history.first().history_change_reason == f"aus {last_year.year} übernommen, neuer Nachweis"


def test_taking_over_needs_fresh_evidence_or_an_explicit_confirmation(staff_client, edition, city, last_year):
    refused = staff_client.post(url(city, edition, "answer/busse/carry-over/"), {"version": 0})
    confirmed = staff_client.post(
        url(city, edition, "answer/busse/carry-over/"), {"version": 0, "confirmed_unchanged": "1"}
    )

    assert refused.status_code == 400
    assert "Bitte einen aktuellen Nachweis angeben oder bestätigen" in refused.content.decode()
    assert confirmed.status_code == 302
    answer = Answer.objects.get(edition=edition, parameter__key="busse")
    assert (answer.value_number, answer.evidence_url) == (Decimal(35), "https://example.org/2029.pdf")
    assert answer.history.first().history_change_reason == f"aus {last_year.year} übernommen, unverändert bestätigt"


def test_stored_values_are_shown_as_typed_numbers_and_iso_dates(staff_client, edition, city):
    from datetime import date

    Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=Decimal("228.600000"),
        as_of=date(2024, 3, 31),
    )

    content = staff_client.get(url(city, edition)).content.decode()

    assert 'value="228,6"' in content
    assert 'value="2024-03-31"' in content


def test_the_dashboard_shows_the_deadline_with_the_days_left(staff_client, edition, city):
    Edition.objects.filter(pk=edition.pk).update(
        collection_opens=timezone.localdate() - timedelta(days=30),
        collection_closes=timezone.localdate() + timedelta(days=12),
    )

    page = staff_client.get("/portal/").content.decode()

    deadline = (timezone.localdate() + timedelta(days=12)).strftime("%d.%m.%Y")
    assert " ".join(page.split()).count(f"Frist: {deadline}, noch 12 Tage") == 1
