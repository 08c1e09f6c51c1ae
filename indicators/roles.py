"""Who may do what (DESIGN §7): object-level predicates shared by services, forms, admin and API."""

import rules
from django.contrib.auth.models import AnonymousUser, User

from indicators.models import City, CityMembership

REVIEWERS_GROUP = "reviewers"
EDITORS_GROUP = "editors"
# The index team's desk research (issue 16, section 3): values, with a source, for cities that do not answer.
RESEARCHERS_GROUP = "researchers"


def _city_id(obj) -> int | None:
    """The city an object is about: a City itself, or anything with a city_id (Answer, InnovationProject)."""
    if isinstance(obj, City):
        return obj.pk
    return getattr(obj, "city_id", None)


@rules.predicate
def is_editor(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=EDITORS_GROUP).exists())


@rules.predicate
def is_reviewer(user: User) -> bool:
    return user.is_authenticated and user.groups.filter(name=REVIEWERS_GROUP).exists()


@rules.predicate
def is_researcher(user: User) -> bool:
    return user.is_authenticated and user.groups.filter(name=RESEARCHERS_GROUP).exists()


def member_city_ids(user: User | AnonymousUser) -> set[int]:
    """Ids of the cities the user works for (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_member_city_ids", None)
    if cached is None:
        cached = set(user.city_memberships.values_list("city_id", flat=True))
        user._member_city_ids = cached
    return cached


def note_member_of(user: User | AnonymousUser, city_id: int) -> None:
    """Note, for this request, that a query has just read the user's membership of the city (a lookup joined to
    the memberships: selectors.questionnaire_or_404), so that `belongs_to_city` asks no query again for that
    city (the autosave's view and its service). Only a membership read is noted, never a guess: for any other
    city `belongs_to_city` still reads the user's cities (`member_city_ids`)."""
    if user.is_authenticated:
        noted = getattr(user, "_noted_member_of", None)
        if noted is None:
            noted = set()
            user._noted_member_of = noted
        noted.add(city_id)


def forget_member_cities(user: User | AnonymousUser) -> None:
    """Forget what this request knows of the user's cities (after a change of the user's memberships)."""
    for name in ("_member_city_ids", "_noted_member_of"):
        if hasattr(user, name):
            delattr(user, name)


@rules.predicate
def belongs_to_city(user: User, obj) -> bool:
    """True when obj (a City, or anything with a city_id) is one of the user's cities."""
    city_id = _city_id(obj)
    if city_id is None:
        return False
    return city_id in getattr(user, "_noted_member_of", ()) or city_id in member_city_ids(user)


@rules.predicate
def is_coordinator_of(user: User, obj) -> bool:
    return (
        user.is_authenticated
        and user.city_memberships.filter(city_id=_city_id(obj), role=CityMembership.Role.COORDINATOR).exists()
    )


# The conflict-of-interest rule: a reviewer never acts on a city they belong to.
may_review = is_reviewer & ~belongs_to_city

# Who sees a city's unpublished answer (its evidence, history and comment thread): its own staff,
# the reviewers and the editors.
may_see_answer = belongs_to_city | is_reviewer | is_editor

# Desk research: researchers and editors, never for a city they belong to (the conflict-of-interest rule).
may_research = (is_researcher | is_editor) & ~belongs_to_city

rules.add_perm("indicators.edit_answer_of_city", belongs_to_city)
rules.add_perm("indicators.review_answer", may_review)
rules.add_perm("indicators.manage_edition", is_editor)
rules.add_perm("indicators.award_bonus", may_review)
rules.add_perm("indicators.research_answer", may_research)


def session_role(user: User) -> str:
    """The session policy of a signed-in user (settings.SESSION_POLICIES, smartcity/session_policy.py):
    "review" for reviewers, editors, researchers and every other admin user, "city" for the cities' staff."""
    if (
        user.is_staff
        or user.is_superuser
        or user.groups.filter(name__in=[REVIEWERS_GROUP, EDITORS_GROUP, RESEARCHERS_GROUP]).exists()
    ):
        return "review"
    return "city"
