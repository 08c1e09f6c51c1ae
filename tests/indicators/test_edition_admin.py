"""Editors move editions through their phases in the admin, behind a confirmation; publishing freezes."""

from indicators.models import Answer, Edition
from scoring.models import ScoreRun
from tests import factories
from tests.scoring.test_services import answer_all


def act(client, action, editions, **extra):
    data = {"action": action, "_selected_action": [e.pk for e in editions], **extra}
    return client.post("/admin/indicators/edition/", data, follow=True)


def test_a_phase_change_needs_a_confirmation_and_is_audited(admin_login, client, editor, db):
    edition = factories.EditionFactory(year=2040, phase=Edition.Phase.DRAFT)
    client = admin_login(editor)

    page = act(client, "change_phase", [edition])
    unconfirmed = act(client, "change_phase", [edition], phase="collection", reason="")
    edition.refresh_from_db()
    assert "Ich bestätige diese Änderung." in page.content.decode()
    assert edition.phase == "draft" and unconfirmed.status_code == 200

    act(client, "change_phase", [edition], phase="collection", reason="Start 2040", confirm="on")

    edition.refresh_from_db()
    assert edition.phase == "collection"
    latest = edition.history.first()
    assert (latest.history_user, latest.history_change_reason) == (editor, "Start 2040")


def test_an_illegal_phase_change_is_reported_and_changes_nothing(admin_login, client, editor, db):
    edition = factories.EditionFactory(year=2040, phase=Edition.Phase.DRAFT)

    response = act(admin_login(editor), "change_phase", [edition], phase="archived", confirm="on")

    edition.refresh_from_db()
    assert edition.phase == "draft"
    assert "kann nicht in die Phase „Archiviert“ wechseln." in response.content.decode()


def test_publishing_refuses_unreviewed_answers_without_a_reason_then_freezes_the_run(admin_login, client, editor, db):
    # given: an edition in review with one answer still submitted
    edition = factories.small_edition(cities=3, year=2040, phase=Edition.Phase.REVIEW)
    answer_all(edition)
    Answer.objects.filter(pk=Answer.objects.filter(edition=edition).first().pk).update(status="submitted")
    client = admin_login(editor)

    # when / then
    refused = act(client, "publish", [edition], confirm="on")
    edition.refresh_from_db()
    assert edition.phase == "review"
    assert "1 Antworten sind eingereicht, aber noch nicht geprüft." in refused.content.decode()

    act(client, "publish", [edition], confirm="on", reason="Frist abgelaufen")
    edition.refresh_from_db()
    assert edition.phase == "published"
    assert ScoreRun.objects.get(edition=edition, is_published=True)


def test_a_reviewer_cannot_change_phases(admin_login, client, reviewer, db):
    edition = factories.EditionFactory(year=2040, phase=Edition.Phase.DRAFT)

    act(admin_login(reviewer), "change_phase", [edition], phase="collection", confirm="on")

    edition.refresh_from_db()
    assert edition.phase == "draft"


def test_the_board_shows_every_city_by_status_with_fixed_queries(
    admin_login, client, editor, db, django_assert_max_num_queries
):
    # given: 12 cities, each with every answer approved except one submitted and one missing for the first city
    edition = factories.small_edition(cities=12, year=2040)
    answer_all(edition)
    first = edition.participations.order_by("city__name").first().city
    Answer.objects.filter(edition=edition, city=first, parameter__key="busse").update(status="submitted")
    Answer.objects.filter(edition=edition, city=first, parameter__key="wartezeit").delete()
    client = admin_login(editor)

    # when
    with django_assert_max_num_queries(10):
        response = client.get(f"/admin/indicators/edition/{edition.pk}/board/")

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "12 Städte" in content
    row = content.split(f'<th scope="row">{first.name}</th>')[1].split("</tr>")[0]
    assert row.split("<td>")[1:6] == ["0</td>", "1</td>", "0</td>\n      ", "3</td>", "1</td>\n      "]


def test_the_board_is_not_for_city_staff(client, db):
    edition = factories.small_edition(cities=1, year=2040)
    staff = factories.UserFactory(cities=[edition.participations.first().city])
    client.force_login(staff)

    response = client.get(f"/admin/indicators/edition/{edition.pk}/board/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
