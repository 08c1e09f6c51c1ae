"""One answer's review page in the admin: what the reviewer sees, the decision, the flag filter, comments."""

from decimal import Decimal

import pytest

from indicators.models import Answer, AnswerComment, Edition, Participation
from indicators.services import REVIEW_REASONS
from indicators.services.review_flags import review_flags_refresh
from tests import factories
from tests.factories import EvidenceFileFactory, UserFactory, cities_of, parameter


@pytest.fixture
def last_year(edition, city):
    """The previous edition (published) in which the city reported 8 % low-emission buses, approved."""
    before = factories.small_edition(cities=0, year=edition.year - 1, phase=Edition.Phase.PUBLISHED)
    Participation.objects.create(edition=before, city=city)
    return Answer.objects.create(
        edition=before,
        city=city,
        parameter=parameter(before, "busse"),
        value_number=Decimal(8),
        status=Answer.Status.APPROVED,
    )


@pytest.fixture
def answer(edition, city):
    return Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=Decimal(10),
        evidence_url="https://example.org/busse.pdf",
        note="Laut Verkehrsbetrieb, Stand Juni.",
        status=Answer.Status.SUBMITTED,
    )


def page_of(client, answer):
    return client.get(f"/admin/indicators/answer/{answer.pk}/change/")


def decide(client, answer, **data):
    return client.post(
        f"/admin/indicators/answer/{answer.pk}/decide/", {"version": answer.version, **data}, follow=True
    )


def test_the_page_shows_value_unit_note_evidence_previews_and_last_years_value_with_the_change(
    admin_login, reviewer, answer, last_year
):
    # given: a PDF and an image as evidence
    pdf = EvidenceFileFactory(answer=answer)
    image = EvidenceFileFactory(answer=answer, original_name="foto.png", content_type="image/png")

    # when
    response = page_of(admin_login(reviewer), answer)

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert '<dd id="answer-value">10 %</dd>' in content
    assert "Laut Verkehrsbetrieb, Stand Juni." in content
    assert 'href="https://example.org/busse.pdf"' in content
    assert "8 % (+25,0 % gegenüber Vorjahr)" in content
    assert f'<iframe src="/portal/evidence/{pdf.pk}/download/?inline=1"' in content
    assert f'<img src="/portal/evidence/{image.pk}/download/?inline=1"' in content
    assert 'name="decision" value="approve"' in content


def test_the_queue_shows_last_years_value_with_the_change_and_the_evidence(admin_login, reviewer, answer, last_year):
    EvidenceFileFactory(answer=answer)

    content = admin_login(reviewer).get("/admin/indicators/answer/?status__exact=submitted").content.decode()

    assert "8 % (+25,0 %)" in content
    assert "1 Datei" in content


def test_approving_from_the_page_returns_to_the_filtered_queue(
    admin_login, reviewer, answer, django_capture_on_commit_callbacks
):
    client = admin_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, answer, decision="approve", _changelist_filters="status__exact=submitted")

    answer.refresh_from_db()
    assert answer.status == "approved"
    assert answer.reviewed_by == reviewer
    assert response.redirect_chain[-1][0] == "/admin/indicators/answer/?status__exact=submitted"
    assert "„" + str(answer) + "“ freigegeben." in response.content.decode()


def test_sending_back_from_the_page_stores_the_reason_the_city_reads(admin_login, client, reviewer, staff, answer):
    response = decide(
        admin_login(reviewer), answer, decision="request_changes", reason="implausible", detail="Quelle nennt 12 %."
    )

    answer.refresh_from_db()
    assert answer.status == "changes_requested"
    assert answer.review_reason == "Wert unplausibel, bitte prüfen: Quelle nennt 12 %."
    assert "zur Überarbeitung zurückgegeben." in response.content.decode()
    # the city's staff member reads it on the answer's page
    client.force_login(staff)
    page = client.get(f"/portal/{answer.city.slug}/{answer.edition.year}/answer/busse/history/").content.decode()
    assert "Wert unplausibel, bitte prüfen: Quelle nennt 12 %." in page


def test_sending_back_with_other_but_no_explanation_changes_nothing(admin_login, reviewer, answer):
    response = decide(admin_login(reviewer), answer, decision="request_changes", reason="other", detail=" ")

    answer.refresh_from_db()
    assert answer.status == "submitted"
    assert "Bitte erläutern Sie den Grund." in response.content.decode()


def test_a_decision_on_a_stale_page_is_refused_with_a_clear_message(admin_login, reviewer, answer):
    # given: the page was read at version 1, then another reviewer sent the answer back
    stale = Answer.objects.get(pk=answer.pk)
    Answer.objects.filter(pk=answer.pk).update(version=2)

    response = decide(admin_login(reviewer), stale, decision="approve")

    assert Answer.objects.get(pk=answer.pk).status == "submitted"
    assert "Die Antwort wurde inzwischen geändert oder entschieden" in response.content.decode()


def test_a_reviewer_of_the_city_sees_no_decision_buttons_and_a_forged_post_is_refused(
    admin_login, edition, city, answer
):
    reviewer = UserFactory(groups=["reviewers"], cities=[city])
    client = admin_login(reviewer)

    page = page_of(client, answer).content.decode()
    response = decide(client, answer, decision="approve")

    assert "Sie gehören dieser Stadt an und können ihre Antworten nicht prüfen." in page
    assert 'value="approve"' not in page
    assert Answer.objects.get(pk=answer.pk).status == "submitted"
    assert "Sie können keine Antworten einer Stadt prüfen, der Sie angehören." in response.content.decode()


def test_city_staff_without_admin_access_cannot_decide(client, staff, answer):
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    response = client.post(f"/admin/indicators/answer/{answer.pk}/decide/", {"decision": "approve", "version": 1})

    assert response.status_code == 403
    assert Answer.objects.get(pk=answer.pk).status == "submitted"


def test_the_flag_filter_leaves_only_answers_with_that_flag(admin_login, reviewer, edition):
    # given: 5 cities; one reports 100 % where the others report ~10 %, one lacks the required evidence
    cities = cities_of(edition)
    answers = [
        Answer.objects.create(
            edition=edition,
            city=city,
            parameter=parameter(edition, "busse"),
            value_number=Decimal(100 if index == 0 else 10 + index % 2),
            evidence_url="" if index == 4 else "https://example.org/b.pdf",
            status=Answer.Status.SUBMITTED,
        )
        for index, city in enumerate(cities)
    ]
    review_flags_refresh(edition_id=edition.pk)  # stored as the services store them
    client = admin_login(reviewer)

    outliers = client.get("/admin/indicators/answer/?flag=outlier").context["cl"].result_list
    missing = client.get("/admin/indicators/answer/?flag=evidence_missing").context["cl"].result_list
    combined = client.get(f"/admin/indicators/answer/?flag=outlier&city__id__exact={cities[1].pk}")

    assert [a.pk for a in outliers] == [answers[0].pk]
    assert [a.pk for a in missing] == [answers[4].pk]
    assert list(combined.context["cl"].result_list) == []


# --- Comments ------------------------------------------------------------------------------------


def test_a_reviewers_comment_reaches_the_city_and_the_citys_reply_reaches_the_reviewer(
    admin_login, client, reviewer, staff, answer
):
    # given: the reviewer asks in the admin
    admin = admin_login(reviewer)
    admin.post(f"/admin/indicators/answer/{answer.pk}/comment/", {"body": "Gilt der Wert für <b>alle</b> Linien?"})
    # when: the city's staff member answers in the portal
    client.force_login(staff)
    history_url = f"/portal/{answer.city.slug}/{answer.edition.year}/answer/busse/history/"
    portal_page = client.get(history_url).content.decode()
    reply = client.post(f"/portal/{answer.city.slug}/{answer.edition.year}/answer/busse/comments/", {"body": "Ja."})

    # then
    assert "Gilt der Wert für &lt;b&gt;alle&lt;/b&gt; Linien?" in portal_page
    assert reply.status_code == 302 and reply["Location"] == f"{history_url}#comments"
    assert [(c.author, c.body) for c in AnswerComment.objects.filter(answer=answer)] == [
        (reviewer, "Gilt der Wert für <b>alle</b> Linien?"),
        (staff, "Ja."),
    ]
    admin_login(reviewer)
    assert "Ja." in page_of(client, answer).content.decode()


def test_staff_of_another_city_neither_read_nor_write_the_thread(client, other_staff, answer):
    AnswerComment.objects.create(answer=answer, author=None, body="intern")
    client.force_login(other_staff)
    base = f"/portal/{answer.city.slug}/{answer.edition.year}/answer/busse/"

    assert client.get(base + "history/").status_code == 404
    assert client.post(base + "comments/", {"body": "hallo"}).status_code == 404
    assert AnswerComment.objects.filter(answer=answer).count() == 1


def test_an_empty_comment_is_refused_with_a_message_and_nothing_is_stored(client, staff, answer):
    client.force_login(staff)

    response = client.post(f"/portal/{answer.city.slug}/{answer.edition.year}/answer/busse/comments/", {"body": "  "})

    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert not AnswerComment.objects.exists()


def test_threads_of_a_published_edition_are_closed(staff, answer):
    from django.core.exceptions import ValidationError

    from indicators.services.comments import answer_comment_add

    Edition.objects.filter(pk=answer.edition_id).update(phase=Edition.Phase.PUBLISHED)

    with pytest.raises(ValidationError, match="Kommentare sind geschlossen"):
        answer_comment_add(user=staff, answer=answer, body="Nachtrag")
    assert not AnswerComment.objects.exists()


def test_the_questionnaire_counts_each_answers_comments(client, staff, answer):
    AnswerComment.objects.create(answer=answer, author=staff, body="eins")
    AnswerComment.objects.create(answer=answer, author=staff, body="zwei")
    client.force_login(staff)

    content = client.get(f"/portal/{answer.city.slug}/{answer.edition.year}/").content.decode()

    assert "Verlauf und Kommentare (2)" in content


# --- History ----------------------------------------------------------------------------------


def test_reviewers_and_staff_see_the_same_history_with_who_and_why(
    admin_login, client, reviewer, staff, answer, django_capture_on_commit_callbacks
):
    # given: sent back, revised by the city, approved
    from indicators.services import AnswerInput, answer_approve, answer_request_changes, answer_save, answer_submit

    answer_request_changes(user=reviewer, answer=answer, reason="Stand ist veraltet")
    answer = answer_save(
        user=staff,
        city=answer.city,
        parameter=answer.parameter,
        data=AnswerInput(value="12", evidence_url="https://example.org/neu.pdf"),
    )
    answer_submit(user=staff, answer=answer)
    with django_capture_on_commit_callbacks(execute=True):
        answer_approve(user=reviewer, answer=answer)

    # when
    admin_page = page_of(admin_login(reviewer), answer).content.decode()
    client.force_login(staff)
    portal_page = client.get(f"/portal/{answer.city.slug}/{answer.edition.year}/answer/busse/history/")

    # then: both list the four steps, newest first, with person and reason
    for content in (admin_page, portal_page.content.decode()):
        assert content.count("<tr><td>") == 5  # created + sent back + revised + submitted + approved
        assert "Stand ist veraltet" in content
        assert "freigegeben" in content
        assert str(reviewer) in content and str(staff) in content


def test_the_send_back_form_preselects_no_reason(admin_login, reviewer, answer):
    page = page_of(admin_login(reviewer), answer).content.decode()

    assert '<option value="" selected>– bitte einen Grund wählen –</option>' in page
    assert not any(f'<option value="{key}" selected>' in page for key, _label in REVIEW_REASONS)


def test_sending_back_without_choosing_a_reason_changes_nothing_and_says_why(admin_login, reviewer, answer):
    response = decide(admin_login(reviewer), answer, decision="request_changes", reason="", detail="")

    answer.refresh_from_db()
    assert answer.status == "submitted"
    assert "Bitte wählen Sie einen Grund." in response.content.decode()


def test_the_page_shows_the_value_formatted_not_the_typed_fields(admin_login, reviewer, answer):
    Answer.objects.filter(pk=answer.pk).update(value_number=Decimal("75.9"))

    page = page_of(admin_login(reviewer), answer).content.decode()

    assert "75,9 %" in page
    assert "75,900000" not in page and ">Zahl:<" not in page
