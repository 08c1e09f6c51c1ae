"""The reviewers' queue in the admin: approve and send back through the services, conflict of interest."""

from decimal import Decimal

import pytest

from indicators.models import Answer, Participation
from tests.factories import UserFactory, parameter


@pytest.fixture
def cities(edition):
    return [p.city for p in Participation.objects.filter(edition=edition).order_by("city_id")]


@pytest.fixture
def submitted(edition, cities):
    """'busse' submitted by every city; the last city's answer lacks its required evidence."""
    answers = []
    for index, city in enumerate(cities):
        answers.append(
            Answer.objects.create(
                edition=edition,
                city=city,
                parameter=parameter(edition, "busse"),
                value_number=Decimal(10 * index),
                evidence_url="" if index == len(cities) - 1 else "https://example.org/b.pdf",
                status=Answer.Status.SUBMITTED,
            )
        )
    return answers


def act(client, action, answers, **extra):
    data = {"action": action, "_selected_action": [a.pk for a in answers], **extra}
    return client.post("/admin/indicators/answer/", data, follow=True)


def test_a_reviewer_approves_selected_answers_and_incomplete_ones_stay_with_the_reason(
    admin_login, client, reviewer, submitted, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_login(reviewer), "approve", submitted)

    # then
    statuses = [Answer.objects.get(pk=a.pk).status for a in submitted]
    assert statuses == ["approved"] * 4 + ["submitted"]
    content = response.content.decode()
    assert "4 Antworten freigegeben." in content
    assert "Für diesen Parameter ist ein Nachweis (Link oder Datei) erforderlich." in content


def test_a_reviewer_never_approves_a_city_they_belong_to(admin_login, client, edition, cities, submitted):
    reviewer = UserFactory(groups=["reviewers"], cities=[cities[0]])

    response = act(admin_login(reviewer), "approve", submitted[:2])

    assert [Answer.objects.get(pk=a.pk).status for a in submitted[:2]] == ["submitted", "approved"]
    assert "Sie können keine Antworten einer Stadt prüfen, der Sie angehören." in response.content.decode()


def test_sending_back_asks_for_a_reason_first_and_stores_it(admin_login, client, reviewer, submitted):
    client = admin_login(reviewer)

    form_page = act(client, "request_changes", submitted[:2])
    assert "Zur Überarbeitung zurückgeben" in form_page.content.decode()
    assert Answer.objects.filter(status="changes_requested").count() == 0

    response = act(client, "request_changes", submitted[:2], reason="outdated", detail="Bitte Zahlen von 2024.")

    answers = [Answer.objects.get(pk=a.pk) for a in submitted[:2]]
    assert [a.status for a in answers] == ["changes_requested"] * 2
    assert answers[0].review_reason == "Stand ist veraltet: Bitte Zahlen von 2024."
    assert "2 Antworten zur Überarbeitung zurückgegeben." in response.content.decode()


def test_other_as_reason_needs_an_explanation(admin_login, client, reviewer, submitted):
    response = act(admin_login(reviewer), "request_changes", submitted[:1], reason="other", detail="")

    assert "Bitte erläutern Sie den Grund." in response.content.decode()
    assert Answer.objects.get(pk=submitted[0].pk).status == "submitted"


def test_approval_re_runs_validation_against_the_current_catalogue(admin_login, client, reviewer, edition, submitted):
    # given: the allowed range shrank after the cities submitted
    busse = parameter(edition, "busse")
    busse.max_value = Decimal(15)
    busse.save()

    response = act(admin_login(reviewer), "approve", submitted[:3])

    assert [Answer.objects.get(pk=a.pk).status for a in submitted[:3]] == ["approved", "approved", "submitted"]
    assert "Der Wert darf höchstens 15 % sein." in response.content.decode()


@pytest.mark.parametrize("cities_count", [5, 25])
def test_the_queue_shows_flags_with_a_fixed_number_of_queries(
    admin_login, client, reviewer, cities_count, django_assert_max_num_queries
):
    # given: an edition where one city reports 1000 % where the others report about 10 %
    from tests import factories

    edition = factories.small_edition(cities=cities_count, year=2040)
    for index, participation in enumerate(Participation.objects.filter(edition=edition).order_by("city_id")):
        Answer.objects.create(
            edition=edition,
            city=participation.city,
            parameter=parameter(edition, "busse"),
            value_number=Decimal(100 if index == 0 else 10 + index % 3),
            evidence_url="https://example.org/b.pdf",
            status=Answer.Status.SUBMITTED,
        )
    client = admin_login(reviewer)

    # when
    with django_assert_max_num_queries(16):
        response = client.get("/admin/indicators/answer/")

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('<td class="field-flags">Ausreißer</td>') == 1


def test_bulk_approve_takes_every_answer_the_filter_shows(admin_login, client, reviewer, edition, cities, submitted):
    # given: one more answer of another parameter, outside the filter
    other = Answer.objects.create(
        edition=edition,
        city=cities[0],
        parameter=parameter(edition, "online-termine"),
        value_bool=True,
        status=Answer.Status.SUBMITTED,
    )
    client = admin_login(reviewer)

    # when: "select all" across the filtered list (parameter = busse)
    busse = parameter(edition, "busse")
    response = client.post(
        f"/admin/indicators/answer/?parameter__indicator__id__exact={busse.indicator_id}&status__exact=submitted",
        {"action": "approve", "select_across": "1", "_selected_action": [submitted[0].pk]},
        follow=True,
    )

    # then: the four complete busse answers are approved, the incomplete one is listed, the other stays
    assert [Answer.objects.get(pk=a.pk).status for a in submitted] == ["approved"] * 4 + ["submitted"]
    assert Answer.objects.get(pk=other.pk).status == "submitted"
    assert "4 Antworten freigegeben." in response.content.decode()


def test_the_bulk_send_back_preselects_no_reason_and_refuses_none(admin_login, client, reviewer, submitted):
    client = admin_login(reviewer)

    form_page = act(client, "request_changes", submitted[:2]).content.decode()
    response = act(client, "request_changes", submitted[:2], reason="", detail="")

    assert '<option value="" selected>– bitte einen Grund wählen –</option>' in form_page
    assert "Bitte wählen Sie einen Grund." in response.content.decode()
    assert Answer.objects.filter(status="changes_requested").count() == 0
