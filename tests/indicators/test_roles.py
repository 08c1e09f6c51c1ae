"""Role predicates (DESIGN §7) on a small matrix of users and objects."""

import pytest
from django.contrib.auth.models import AnonymousUser

from indicators import roles
from indicators.models import CityMembership
from tests.factories import (
    AnswerFactory,
    CityFactory,
    InnovationProjectFactory,
    UserFactory,
    cities_of,
    coordinator_of,
    parameter,
)

USERS = ["anonymous", "plain", "staff of A", "coordinator of A", "reviewer", "reviewer of A", "editor", "superuser"]

# user: (is_editor, is_reviewer, belongs to A, belongs to B, may review A, may review B, is coordinator of A)
MATRIX = {
    "anonymous": (False, False, False, False, False, False, False),
    "plain": (False, False, False, False, False, False, False),
    "staff of A": (False, False, True, False, False, False, False),
    "coordinator of A": (False, False, True, False, False, False, True),
    "reviewer": (False, True, False, False, True, True, False),
    "reviewer of A": (False, True, True, False, False, True, False),
    "editor": (True, False, False, False, False, False, False),
    "superuser": (True, False, False, False, False, False, False),
}


@pytest.fixture
def world(edition):
    """Cities A and B of the small edition, an answer and an innovation project of each, and the users."""
    city_a, city_b = cities_of(edition)[:2]
    busse = parameter(edition, "busse")
    mobilitaet = edition.domains.get(key="mobilitaet")
    users = {
        "anonymous": AnonymousUser(),
        "plain": UserFactory(),
        "staff of A": UserFactory(cities=[city_a]),
        "coordinator of A": coordinator_of(city_a),
        "reviewer": UserFactory(groups=["reviewers"]),
        "reviewer of A": UserFactory(groups=["reviewers"], cities=[city_a]),
        "editor": UserFactory(groups=["editors"]),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    return {
        "users": users,
        "A": {
            "city": city_a,
            "answer": AnswerFactory(parameter=busse, city=city_a),
            "project": InnovationProjectFactory(domain=mobilitaet, city=city_a),
        },
        "B": {
            "city": city_b,
            "answer": AnswerFactory(parameter=busse, city=city_b),
            "project": InnovationProjectFactory(domain=mobilitaet, city=city_b),
        },
    }


def test_the_matrix_covers_every_user():
    assert set(MATRIX) == set(USERS)


@pytest.mark.parametrize("who", USERS)
def test_is_editor(world, who):
    assert roles.is_editor(world["users"][who]) is MATRIX[who][0]


@pytest.mark.parametrize("who", USERS)
def test_is_reviewer(world, who):
    assert roles.is_reviewer(world["users"][who]) is MATRIX[who][1]


@pytest.mark.parametrize("obj", ["city", "answer", "project"])
@pytest.mark.parametrize("who", USERS)
def test_belongs_to_city_for_a_city_and_for_anything_with_a_city(world, who, obj):
    user = world["users"][who]

    assert (roles.belongs_to_city(user, world["A"][obj]), roles.belongs_to_city(user, world["B"][obj])) == (
        MATRIX[who][2],
        MATRIX[who][3],
    )


@pytest.mark.parametrize("obj", ["answer", "project"])
@pytest.mark.parametrize("who", USERS)
def test_may_review_only_as_a_reviewer_of_another_city(world, who, obj):
    user = world["users"][who]

    assert (roles.may_review(user, world["A"][obj]), roles.may_review(user, world["B"][obj])) == (
        MATRIX[who][4],
        MATRIX[who][5],
    )


@pytest.mark.parametrize("who", USERS)
def test_is_coordinator_of(world, who):
    user = world["users"][who]

    assert (roles.is_coordinator_of(user, world["A"]["city"]), roles.is_coordinator_of(user, world["B"]["city"])) == (
        MATRIX[who][6],
        False,
    )


@pytest.mark.parametrize("who", [u for u in USERS if u != "superuser"])
def test_django_permissions_follow_the_predicates(world, who):
    user, answer_a, project_b = world["users"][who], world["A"]["answer"], world["B"]["project"]
    is_editor, _reviewer, belongs_a, _b, may_review_a, may_review_b, _coordinator = MATRIX[who]

    assert user.has_perm("indicators.edit_answer_of_city", answer_a) is belongs_a
    assert user.has_perm("indicators.review_answer", answer_a) is may_review_a
    assert user.has_perm("indicators.award_bonus", project_b) is may_review_b
    assert user.has_perm("indicators.manage_edition") is is_editor


def test_an_object_without_a_city_belongs_to_nobody(world):
    staff = world["users"]["staff of A"]

    assert roles.belongs_to_city(staff, world["A"]["answer"].edition) is False
    assert roles.belongs_to_city(staff, None) is False


def test_member_city_ids_lists_every_city_of_the_user(world):
    a, b = world["A"]["city"], world["B"]["city"]
    user = UserFactory(cities=[a, b])

    assert roles.member_city_ids(user) == {a.pk, b.pk}
    assert roles.member_city_ids(AnonymousUser()) == set()


def test_member_city_ids_are_cached_on_the_user_object_for_the_request(world):
    a, c = world["A"]["city"], CityFactory()
    user = world["users"]["staff of A"]
    assert roles.member_city_ids(user) == {a.pk}

    CityMembership.objects.create(user=user, city=c)

    assert roles.member_city_ids(user) == {a.pk}  # the same request still sees its first answer
    assert roles.member_city_ids(type(user).objects.get(pk=user.pk)) == {a.pk, c.pk}  # the next request sees c


def test_a_staff_membership_does_not_make_a_coordinator(world):
    a = world["A"]["city"]
    staff = world["users"]["staff of A"]

    assert CityMembership.objects.get(user=staff, city=a).role == "staff"
    assert roles.is_coordinator_of(staff, a) is False


def test_a_noted_membership_answers_for_its_city_without_a_query_and_only_for_it(world, django_assert_num_queries):
    # given: the membership of A read by the portal's lookup (selectors.questionnaire_or_404)
    a, b = world["A"]["city"], world["B"]["city"]
    user = world["users"]["staff of A"]
    roles.note_member_of(user, a.pk)

    # when / then: A needs no query; B (not noted) is asked of the database and is not the user's
    with django_assert_num_queries(0):
        assert roles.belongs_to_city(user, world["A"]["answer"]) is True
    with django_assert_num_queries(1):
        assert roles.belongs_to_city(user, b) is False


def test_the_portal_lookup_notes_the_membership_it_read_and_no_other(world, django_assert_num_queries):
    from django.http import Http404

    from indicators import selectors

    # given
    a, b = world["A"]["city"], world["B"]["city"]
    edition = world["A"]["answer"].edition
    user = world["users"]["staff of A"]

    # when: B's lookup fails, A's succeeds
    with pytest.raises(Http404):
        selectors.questionnaire_or_404(user=user, city_slug=b.slug, year=edition.year)
    selectors.questionnaire_or_404(user=user, city_slug=a.slug, year=edition.year)

    # then: only A is noted (no query), B is still the database's answer
    with django_assert_num_queries(0):
        assert roles.belongs_to_city(user, a) is True
    assert roles.belongs_to_city(user, b) is False


def test_forgetting_the_member_cities_drops_a_noted_membership_too(world):
    # given
    a = world["A"]["city"]
    user = world["users"]["staff of A"]
    roles.note_member_of(user, a.pk)
    CityMembership.objects.filter(user=user, city=a).delete()

    # when
    roles.forget_member_cities(user)

    # then
    assert roles.belongs_to_city(user, a) is False
