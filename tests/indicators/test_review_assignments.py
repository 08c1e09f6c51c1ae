"""Who reviews what: editors assign reviewers to cities (or city × domain), the reviewer's queue opens on
"Meine Prüfungen", the board shows open answers per reviewer, and no assignment overrides the
conflict-of-interest rule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from indicators.models import Answer, Edition, ReviewAssignment
from indicators.services import review_assignment_save
from tests import factories
from tests.factories import UserFactory, cities_of, parameter


@pytest.fixture
def reviewing(db):
    edition = factories.small_edition(cities=3, year=2040, phase=Edition.Phase.REVIEW)
    for city in cities_of(edition):
        for key in ("busse", "online-termine"):
            Answer.objects.create(
                edition=edition,
                city=city,
                parameter=parameter(edition, key),
                value_number=10 if key == "busse" else None,
                value_bool=True if key == "online-termine" else None,
                evidence_url="https://example.org/nachweis.pdf",
                status=Answer.Status.SUBMITTED,
            )
    return edition


def test_a_reviewer_who_works_for_a_city_cannot_be_assigned_it(reviewing, editor):
    koeln = cities_of(reviewing)[0]
    own = UserFactory(groups=["reviewers"], cities=[koeln])

    with pytest.raises(ValidationError) as error:
        review_assignment_save(user=editor, assignment=ReviewAssignment(edition=reviewing, city=koeln, reviewer=own))

    assert f"arbeitet für {koeln} und kann {koeln} nicht prüfen." in " ".join(error.value.messages)
    assert not ReviewAssignment.objects.exists()


def test_only_editors_assign(reviewing, reviewer):
    with pytest.raises(PermissionDenied):
        review_assignment_save(
            user=reviewer,
            assignment=ReviewAssignment(edition=reviewing, city=cities_of(reviewing)[0], reviewer=reviewer),
        )


def test_the_admin_form_refuses_the_conflict_with_a_message(admin_login, editor, reviewing):
    city = cities_of(reviewing)[0]
    own = UserFactory(groups=["reviewers"], cities=[city], is_staff=True)

    response = admin_login(editor).post(
        "/admin/indicators/reviewassignment/add/",
        {"edition": reviewing.pk, "city": city.pk, "domain": "", "reviewer": own.pk},
    )

    assert response.status_code == 200
    assert "nicht prüfen" in response.content.decode()
    assert not ReviewAssignment.objects.exists()


def test_the_queue_opens_on_my_share_and_counts_it(admin_login, editor, reviewer, reviewing):
    # given: the reviewer has the first city (all domains) and the second city's Mobilität
    first, second, third = cities_of(reviewing)
    review_assignment_save(user=editor, assignment=ReviewAssignment(edition=reviewing, city=first, reviewer=reviewer))
    mobility = reviewing.domains.get(key="mobilitaet")
    review_assignment_save(
        user=editor, assignment=ReviewAssignment(edition=reviewing, city=second, domain=mobility, reviewer=reviewer)
    )
    client = admin_login(reviewer)

    # when
    response = client.get("/admin/indicators/answer/", follow=True)

    # then: "Meine Prüfungen" — the first city's two answers and the second city's busse
    assert "mine=1" in response.redirect_chain[0][0]
    shown = {(a.city_id, a.parameter.key) for a in response.context["cl"].result_list}
    assert shown == {(first.pk, "busse"), (first.pk, "online-termine"), (second.pk, "busse")}
    assert third.pk not in {city_id for city_id, _key in shown}


def test_the_board_shows_open_answers_per_reviewer(admin_login, editor, reviewer, reviewing):
    first = cities_of(reviewing)[0]
    review_assignment_save(user=editor, assignment=ReviewAssignment(edition=reviewing, city=first, reviewer=reviewer))

    page = admin_login(editor).get(f"/admin/indicators/edition/{reviewing.pk}/board/").content.decode()

    table = page.split("Offene Prüfungen je Prüferin und Prüfer")[1].split("</table>")[0]
    assert f'<th scope="row">{reviewer}</th><td>2</td>' in table


def test_approve_and_next_moves_through_the_filtered_queue(admin_login, reviewer, reviewing):
    # given: the queue filtered to Mobilität, where each of the three cities has one submitted answer
    client = admin_login(reviewer)
    filters = f"edition__id__exact={reviewing.pk}&status__exact=submitted&domain=mobilitaet"
    busse = list(Answer.objects.filter(edition=reviewing, parameter__key="busse").order_by("city__name", "city_id"))

    # when: approve the first and go on, twice, then once more at the end
    steps = []
    for answer in busse:
        response = client.post(
            f"/admin/indicators/answer/{answer.pk}/decide/",
            {"decision": "approve", "next": "1", "version": answer.version, "_changelist_filters": filters},
        )
        steps.append(response["Location"])

    # then: each step lands on the next answer of the selection (never the Verwaltung answers), the last
    # on the queue
    assert steps[0].startswith(f"/admin/indicators/answer/{busse[1].pk}/change/")
    assert steps[1].startswith(f"/admin/indicators/answer/{busse[2].pk}/change/")
    assert steps[2] == f"/admin/indicators/answer/?{filters}"
    assert set(Answer.objects.filter(parameter__key="busse").values_list("status", flat=True)) == {"approved"}
    assert set(Answer.objects.filter(parameter__key="online-termine").values_list("status", flat=True)) == {"submitted"}
