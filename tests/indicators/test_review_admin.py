"""The reviewers' queue in the admin: approve and send back through the services, conflict of interest."""

from decimal import Decimal

import pytest

from indicators.models import Answer, Edition, Participation
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
    # given: an edition where one city reports 100 % where the others report about 10 %
    from tests import factories

    edition = factories.flagged_edition(cities_count, 2040)
    client = admin_login(reviewer)

    # when
    with django_assert_max_num_queries(16):
        response = client.get(f"/admin/indicators/answer/?edition__id__exact={edition.pk}&status__exact=submitted")

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
        f"/admin/indicators/answer/?indicator={busse.indicator_id}&status__exact=submitted",
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


def test_the_queue_opens_on_the_submitted_answers_of_the_edition_in_review(admin_login, client, reviewer, db):
    from tests import factories

    factories.small_edition(cities=1, year=2038, phase=Edition.Phase.PUBLISHED)
    in_review = factories.small_edition(cities=1, year=2039, phase=Edition.Phase.REVIEW)
    factories.small_edition(cities=1, year=2040, phase=Edition.Phase.COLLECTION)
    client = admin_login(reviewer)

    response = client.get("/admin/indicators/answer/")
    everything = client.get("/admin/indicators/answer/?status__exact=approved")

    assert response.status_code == 302
    assert (
        response["Location"] == f"/admin/indicators/answer/?edition__id__exact={in_review.pk}&status__exact=submitted"
    )
    assert everything.status_code == 200  # any filter shows what it says


def test_the_filters_list_each_indicator_of_the_chosen_edition_once_and_domains_by_name(
    admin_login, client, reviewer, db
):
    from tests import factories

    editions = [factories.small_edition(cities=1, year=year, phase=Edition.Phase.REVIEW) for year in (2038, 2039, 2040)]
    chosen = editions[1]

    page = admin_login(reviewer).get(f"/admin/indicators/answer/?edition__id__exact={chosen.pk}").content.decode()

    indicator_filter = page.split("Nach Indikator")[1].split("</details>")[0]
    assert indicator_filter.count("Verwaltung · Serviceportal") == 1
    assert (
        f"indicator={chosen.domains.get(key='verwaltung').indicators.get(key='serviceportal').pk}" in indicator_filter
    )
    domain_filter = page.split("Nach Themenbereich")[1].split("</details>")[0]
    assert ">Verwaltung</a>" in domain_filter and ">Mobilität</a>" in domain_filter
    assert ">verwaltung</a>" not in domain_filter
