"""Editors move editions through their phases in the admin, behind a confirmation; publishing freezes."""

from django.utils import timezone

from indicators.models import Answer, AnswerComment, Edition, Parameter
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
    assert "archived ist keine gültige Auswahl." in response.content.decode()


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
    run = ScoreRun.objects.get(edition=edition, is_published=True)
    assert (run.unreviewed_at_publish, run.publish_reason) == (1, "Frist abgelaufen")
    # the public ranking and methodology say so
    for path in ("/ranking/2040/", "/methodik/2040/"):
        page = client.get(path).content.decode()
        assert "Veröffentlicht mit 1 ungeprüften Antwort: Frist abgelaufen" in page


def test_an_edition_published_with_everything_reviewed_carries_no_note(admin_login, client, editor, db):
    edition = factories.small_edition(cities=3, year=2040, phase=Edition.Phase.REVIEW)
    answer_all(edition)

    act(admin_login(editor), "publish", [edition], confirm="on", reason="Termin")

    run = ScoreRun.objects.get(edition=edition, is_published=True)
    assert (run.unreviewed_at_publish, run.publish_reason) == (0, "")
    assert "ungeprüften" not in client.get("/ranking/2040/").content.decode()


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


def phase_options(page) -> list[tuple[str, bool]]:
    """The phase select's options as (value, selected)."""
    select = page.split('name="phase"')[1].split("</select>")[0]
    return [
        (value, "selected" in rest.split(">")[0])
        for value, rest in (option.split('"', 1)[1].split('"', 1) for option in select.split("<option value=")[1:])
    ]


def test_the_phase_form_offers_only_legal_moves_and_preselects_the_next_one(admin_login, client, editor, db):
    collecting = factories.EditionFactory(year=2040, phase=Edition.Phase.COLLECTION)
    reviewing = factories.EditionFactory(year=2041, phase=Edition.Phase.REVIEW)
    client = admin_login(editor)

    forward = act(client, "change_phase", [collecting]).content.decode()
    back = act(client, "change_phase", [reviewing]).content.decode()

    assert phase_options(forward) == [("review", True)]
    # from review the only phase change is back to collection (publishing is its own action): chosen, never preset
    assert phase_options(back) == [("", True), ("collection", False)]


def test_editions_without_a_common_move_get_a_message_instead_of_a_form(admin_login, client, editor, db):
    archived = factories.EditionFactory(year=2040, phase=Edition.Phase.ARCHIVED)
    draft = factories.EditionFactory(year=2041, phase=Edition.Phase.DRAFT)
    collecting = factories.EditionFactory(year=2042, phase=Edition.Phase.COLLECTION)
    client = admin_login(editor)

    for editions in ([archived], [draft, collecting]):
        page = act(client, "change_phase", editions).content.decode()
        assert "keinen gemeinsamen Phasenwechsel" in page
        assert 'name="phase"' not in page


def test_a_missing_confirmation_tick_says_so_and_changes_nothing(admin_login, client, editor, db):
    edition = factories.EditionFactory(year=2040, phase=Edition.Phase.COLLECTION)

    page = act(admin_login(editor), "change_phase", [edition], phase="review", reason="", post="yes")

    edition.refresh_from_db()
    assert edition.phase == "collection"
    assert "Bitte setzen Sie das Häkchen, um die Änderung zu bestätigen." in page.content.decode()


def test_a_phase_change_says_what_happened_and_links_to_the_board(admin_login, client, editor, db):
    edition = factories.EditionFactory(year=2040, phase=Edition.Phase.COLLECTION)

    page = act(admin_login(editor), "change_phase", [edition], phase="review", confirm="on").content.decode()

    assert "jetzt in der Phase „Prüfung“." in page
    assert f'href="/admin/indicators/edition/{edition.pk}/board/">Stand der Städte ansehen</a>' in page


def test_the_publish_page_says_what_publishing_does_and_what_is_still_open(admin_login, client, editor, db):
    # given: three cities, one answer submitted, one sent back with a comment, one city signed off
    edition = factories.small_edition(cities=3, year=2040, phase=Edition.Phase.REVIEW)
    answer_all(edition)
    behind = factories.cities_of(edition)[-1]
    first, second = Answer.objects.filter(edition=edition, city=behind).order_by("id")[:2]
    Answer.objects.filter(pk=first.pk).update(status="submitted")
    Answer.objects.filter(pk=second.pk).update(status="changes_requested")
    AnswerComment.objects.create(answer=second, author=editor, body="Bitte Quelle prüfen.")
    signed = edition.participations.order_by("city__name").first()
    signed.signed_off_at = signed.signed_off_at or timezone.now()
    signed.save()

    page = act(admin_login(editor), "publish", [edition]).content.decode()

    assert f"Ausgabe {edition} veröffentlichen" in page
    assert "wird der aktuelle Bewertungslauf eingefroren" in page
    assert "1 Antwort eingereicht, aber nicht geprüft" in page
    assert "1 Antwort zur Überarbeitung zurückgegeben" in page
    assert "1 Kommentar zu noch nicht entschiedenen Antworten" in page
    assert "2 Städte ohne Abzeichnung" in page
    # the city with the undecided answers comes first (lowest share approved)
    assert first.city == second.city
    table = page.split("niedrigste zuerst")[1]
    assert table.split('<th scope="row">')[1].startswith(first.city.name)


def test_publishing_links_to_the_ranking(admin_login, client, editor, db):
    edition = factories.small_edition(cities=3, year=2040, phase=Edition.Phase.REVIEW)
    answer_all(edition)

    page = act(admin_login(editor), "publish", [edition], confirm="on").content.decode()

    assert 'href="/ranking/2040/">Rangliste 2040 ansehen</a>' in page


def test_an_editor_starts_next_years_edition_from_the_list_and_an_existing_year_is_refused(
    admin_login, client, editor, db
):
    # given: a published edition with its catalogue and cities
    source = factories.small_edition(cities=3, year=2040, phase=Edition.Phase.PUBLISHED)
    client = admin_login(editor)

    # when: the action opens its page, proposing the next year
    page = act(client, "clone", [source])

    # then
    assert page.context["form"]["year"].value() == 2041
    assert "Neue Ausgabe anlegen" in page.content.decode()

    # when: the editor creates it
    done = act(client, "clone", [source], year="2041", title="", post="yes")

    # then: a draft with the same catalogue and cities, and a link to fill in its dates
    new = Edition.objects.get(year=2041)
    assert (new.phase, new.title) == (Edition.Phase.DRAFT, "Smart City Index 2041")
    assert new.participations.count() == 3
    assert sorted(p.key for p in Parameter.objects.filter(indicator__domain__edition=new)) == sorted(
        p.key for p in Parameter.objects.filter(indicator__domain__edition=source)
    )
    assert f"/admin/indicators/edition/{new.pk}/change/" in done.content.decode()

    # when: the same year again
    refused = act(client, "clone", [source], year="2041", title="", post="yes")

    # then: refused with the service's message, nothing new
    assert "Es gibt bereits eine Ausgabe 2041." in refused.content.decode()
    assert Edition.objects.filter(year=2041).count() == 1


def test_a_clone_needs_exactly_one_edition_and_an_editor(admin_login, client, editor, reviewer, db):
    first = factories.EditionFactory(year=2040)
    second = factories.EditionFactory(year=2041)

    both = act(admin_login(editor), "clone", [first, second])
    assert "Bitte genau eine Ausgabe als Vorlage wählen." in both.content.decode()

    act(admin_login(reviewer), "clone", [first], year="2042", post="yes")
    assert not Edition.objects.filter(year=2042).exists()
