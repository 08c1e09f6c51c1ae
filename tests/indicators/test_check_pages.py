"""The check window on pages (issue 16): the city's rows and summary, the reviewers' flag and decision, the
objection's file, the publish summary."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import AnswerCheck, Edition, Parameter
from indicators.selectors import publish_overview
from indicators.services import checks
from scoring.services.archive import edition_export
from tests import factories
from tests.factories import AnswerFactory, OfficialImportFactory, parameter
from tests.indicators.test_checks import evidence_dir, official_answer, open_window, pdf_bytes  # noqa: F401
from tests.indicators.test_portal_views import url
from tests.indicators.test_questionnaire_provenance import row_html

Mode = Parameter.CollectionMode


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def answer(edition, city):
    open_window(edition, closes=10)
    return official_answer(edition, city)


def check_url(city, edition, key, action):
    return url(city, edition, f"answer/{key}/check/{action}/")


# --- The city's rows ----------------------------------------------------------------------------------------


def test_an_open_window_offers_confirm_and_objection_on_official_rows_and_a_summary(staff_client, edition, answer):
    response = staff_client.get(url(answer.city, edition))

    content = response.content.decode()
    row = row_html(content, "ladepunkte")
    assert '<button type="submit">Bestätigen</button>' in row
    assert "<legend>Einwand erheben</legend>" in row
    assert 'name="reason"' in row and 'type="file"' in row
    closes = edition.check_closes.strftime("%d.%m.")
    assert f"0 von 1 Wert geprüft, Frist {closes}" in " ".join(content.split())
    # the city's own rows have no check
    assert "Bestätigen</button>" not in row_html(content, "wartezeit")


def test_confirming_through_htmx_answers_with_the_row_showing_the_verdict(staff_client, edition, answer, staff):
    response = staff_client.post(
        check_url(answer.city, edition, "ladepunkte", "confirm"), {"version": answer.version}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "„Parameter" in content and "Wert bestätigt." in content
    assert "Von Ihrer Stadt bestätigt: 120 Ladepunkte" in content
    assert AnswerCheck.objects.get(answer=answer).checked_by == staff


def test_an_objection_with_a_file_is_stored_and_shown_and_the_reviewer_sees_the_flag_and_reason(
    staff_client, admin_login, reviewer, edition, answer, django_capture_on_commit_callbacks
):
    # given
    upload = SimpleUploadedFile("Liste.pdf", pdf_bytes(), content_type="application/pdf")

    # when: (after commit, the objection's flag is stored)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            check_url(answer.city, edition, "ladepunkte", "object"),
            {"version": answer.version, "reason": "Nur 100 sind öffentlich.", "file": upload},
        )

    # then: the city is sent back to its row, which shows the open objection
    assert response.status_code == 302
    row = row_html(staff_client.get(url(answer.city, edition)).content.decode(), "ladepunkte")
    assert "Ihr Einwand" in row and "„Nur 100 sind öffentlich.“" in row
    assert "Einwand offen: die Prüfung entscheidet darüber." in row
    check = AnswerCheck.objects.get(answer=answer)
    assert staff_client.get(f"/portal/check/{check.pk}/download/").getvalue() == pdf_bytes()
    # and the reviewer: the queue's filter, the flag and the reason on the answer's page
    client = admin_login(reviewer)
    queue = client.get("/admin/indicators/answer/?flag=objection").content.decode()
    assert queue.count(f"/admin/indicators/answer/{answer.pk}/change/") == 1
    page = client.get(f"/admin/indicators/answer/{answer.pk}/change/").content.decode()
    assert '<span class="flag">Einwand offen</span>' in page
    assert '<dd id="check-reason">„Nur 100 sind öffentlich.“</dd>' in page
    assert f"/portal/check/{check.pk}/download/" in page
    assert "Über den Einwand entscheiden" in page


def test_an_objection_without_a_reason_answers_400_with_the_message_and_stores_nothing(staff_client, edition, answer):
    response = staff_client.post(check_url(answer.city, edition, "ladepunkte", "object"), {"version": answer.version})

    assert response.status_code == 400
    assert "Bitte begründen Sie Ihren Einwand." in response.content.decode()
    assert not AnswerCheck.objects.exists()


def test_staff_of_another_city_get_404_for_the_rows_and_the_objection_file(client, other_staff, staff, edition, answer):
    checks.answer_check_object(user=staff, answer=answer, reason="zu hoch")
    check = AnswerCheck.objects.get(answer=answer)
    client.force_login(other_staff)

    for action in ("confirm", "object"):
        response = client.post(check_url(answer.city, edition, "ladepunkte", action), {"reason": "x"})
        assert response.status_code == 404
    assert client.get(f"/portal/check/{check.pk}/download/").status_code == 404  # no file: as if none existed
    assert AnswerCheck.objects.get(answer=answer).reason == "zu hoch"


def test_a_reviewer_corrects_from_the_page_and_the_city_sees_the_outcome(
    staff_client, admin_login, reviewer, staff, edition, answer
):
    # given
    checks.answer_check_object(user=staff, answer=answer, reason="Nur 100 sind öffentlich.")

    # when
    response = admin_login(reviewer).post(
        f"/admin/indicators/answer/{answer.pk}/objection/",
        {
            "outcome": "corrected",
            "outcome_reason": "Die Liste der Stadt stimmt.",
            "value": "100",
            "evidence_url": "https://stadt.example/ladepunkte.pdf",
            "version": answer.version,
        },
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/admin/indicators/answer/{answer.pk}/change/#objection"
    staff_client.force_login(staff)
    row = row_html(staff_client.get(url(answer.city, edition)).content.decode(), "ladepunkte")
    assert "Einwand: korrigiert auf 100 Ladepunkte – Begründung: Die Liste der Stadt stimmt." in row
    assert "Recherchiert: https://stadt.example/ladepunkte.pdf" in row
    assert "Bestätigen</button>" not in row  # decided: the verdict is final


def test_a_wrong_decision_from_the_page_shows_the_message_and_changes_nothing(admin_login, reviewer, staff, answer):
    checks.answer_check_object(user=staff, answer=answer, reason="zu hoch")
    client = admin_login(reviewer)

    response = client.post(
        f"/admin/indicators/answer/{answer.pk}/objection/", {"outcome": "kept", "outcome_reason": " "}, follow=True
    )

    assert "Bitte begründen Sie Ihre Entscheidung für die Stadt." in response.content.decode()
    assert AnswerCheck.objects.get(answer=answer).outcome == "open"


def test_after_publication_the_city_reads_its_verdicts_and_outcomes_without_buttons(
    staff_client, reviewer, staff, edition, answer
):
    checks.answer_check_object(user=staff, answer=answer, reason="zu hoch")
    checks.objection_decide(user=reviewer, answer=answer, outcome="kept", reason="Das Register zählt 120.")
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.PUBLISHED)

    row = row_html(staff_client.get(url(answer.city, edition)).content.decode(), "ladepunkte")

    assert "Einwand: Wert beibehalten – Begründung: Das Register zählt 120." in row
    assert "<form" not in row


@pytest.mark.parametrize("extra_parameters", [0, 40])
def test_the_questionnaire_with_checked_values_runs_the_same_number_of_queries(
    staff_client, staff, edition, city, extra_parameters, django_assert_num_queries
):
    # given: official answers in an open window, each with the city's verdict (an N+1 on the checks would show)
    open_window(edition)
    checks.answer_check_confirm(user=staff, answer=official_answer(edition, city))
    indicator = parameter(edition, "ladepunkte").indicator
    for n in range(extra_parameters):
        item = factories.ParameterFactory(
            indicator=indicator,
            key=f"extra-{n}",
            position=10 + n,
            kind=Parameter.Kind.COUNT,
            unit="Stück",
            collection_mode=Mode.OFFICIAL,
        )
        extra = AnswerFactory(
            parameter=item,
            city=city,
            value_number=Decimal(n),
            source_kind=Mode.OFFICIAL,
            official_import=OfficialImportFactory(parameter=item),
        )
        if n % 2:
            checks.answer_check_object(user=staff, answer=extra, reason="falsch")

    # then: the pin of the plain questionnaire (test_portal_views), whatever the number of checks (the outlier
    # flags are the stored ones: no field and no population figures read)
    with django_assert_num_queries(10):
        response = staff_client.get(url(city, edition))

    checked = 1 + extra_parameters // 2
    total = 1 + extra_parameters
    assert f"{checked} von {total} Wert" in response.content.decode()


# --- Publishing -------------------------------------------------------------------------------------------------


def test_the_publish_summary_lists_the_open_objections(edition, city, staff, answer):
    checks.answer_check_object(user=staff, answer=answer, reason="zu hoch")

    overview = publish_overview(edition)

    assert [(c.answer.city, c.answer.parameter.key, c.reason) for c in overview.open_objections] == [
        (city, "ladepunkte", "zu hoch")
    ]


def test_the_publish_page_lists_the_open_objections_with_a_link_to_decide(admin_login, editor, staff, edition, answer):
    checks.answer_check_object(user=staff, answer=answer, reason="Nur 100 sind öffentlich.")
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)

    response = admin_login(editor).post(
        "/admin/indicators/edition/", {"action": "publish", "_selected_action": [edition.pk]}
    )

    content = " ".join(response.content.decode().split())
    assert "1 Einwand einer Stadt nicht entschieden:" in content
    assert f'<a href="/admin/indicators/answer/{answer.pk}/change/#objection">{answer.city.name} · ' in content
    assert "„Nur 100 sind öffentlich.“" in content


# --- The window's dates ---------------------------------------------------------------------------------------


def test_editors_set_the_window_on_the_edition_page(admin_login, editor, edition):
    content = admin_login(editor).get(f"/admin/indicators/edition/{edition.pk}/change/").content.decode()

    assert "Prüffenster der Städte beginnt" in content and "Prüffenster der Städte endet" in content


@pytest.mark.parametrize(
    ("opens", "closes", "errors"),
    [
        (None, 5, {"check_opens": ["Ein Prüffenster der Städte braucht einen Beginn."]}),
        (5, 4, {"check_closes": ["Das Ende des Prüffensters liegt vor seinem Beginn."]}),
    ],
)
def test_a_window_without_a_beginning_or_closing_before_it_opens_is_refused(edition, opens, closes, errors):
    start = date(2030, 3, 1)
    edition.check_opens = None if opens is None else start + timedelta(days=opens)
    edition.check_closes = start + timedelta(days=closes)

    with pytest.raises(ValidationError) as error:
        edition.full_clean()

    assert error.value.message_dict == errors


def test_the_archive_carries_the_window(edition):
    Edition.objects.filter(pk=edition.pk).update(check_opens=date(2030, 3, 1), check_closes=date(2030, 3, 15))
    edition.refresh_from_db()

    exported = edition_export(edition)["edition"]

    assert (exported["check_opens"], exported["check_closes"]) == ("2030-03-01", "2030-03-15")
