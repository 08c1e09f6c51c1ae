"""The researcher (issue 16, section 3) in the security world: a seventh role, walked here on the pages that
matter to it rather than as a column of test_permission_walk.py. A researcher works in the admin on the
research pages and sees nothing else of a city: not the review queue, not a city's portal, not the imports."""

import pytest
from django.test import Client

from tests import factories
from tests.security.test_leaks import assert_no_secret
from tests.security.test_permission_walk import ADMIN_LOGIN, outcome

pytestmark = pytest.mark.django_db

RESEARCH_LIST = "/admin/indicators/researchcity/"
RESEARCH_CITY_A = "/admin/indicators/researchcity/{city_pk}/change/?ausgabe={year}"

# path → the researcher's status
RESEARCHER = {
    "/admin/": 200,
    RESEARCH_LIST: 200,
    RESEARCH_CITY_A: 200,
    "/admin/indicators/researchcity/{city_pk}/change/?ausgabe={published_year}": 404,  # published: no research
    "/admin/indicators/researchcity/add/": 403,
    "/admin/indicators/answer/": 403,  # the review queue
    "/admin/indicators/answer/{submitted}/change/": 403,
    "/admin/indicators/officialimport/": 403,
    "/admin/indicators/officialimport/add/": 403,  # the import of official files
    "/admin/indicators/edition/": 403,
    "/portal/": 200,  # the portal's dashboard, empty: no city of its own
    "/portal/{city}/{year}/": 404,  # a city's questionnaire: as if it did not exist
    "/portal/{city}/{year}/answer/{secret_key}/history/": 404,
    "/portal/evidence/{secret_file}/download/": 404,  # a city's own evidence
    "/api/v1/review/answers/": 403,
}


def researcher_client(w, *, cities=()):
    user = factories.UserFactory(groups=["researchers"], is_staff=True, cities=list(cities))
    client = Client()  # its own: the world's clients are reset by every w.client() call
    client.force_login(user)
    return client


def names(w) -> dict:
    return {**w.names, "city_pk": w.city_a.pk}


def test_a_researcher_gets_exactly_the_expected_statuses(w):
    # given
    client = researcher_client(w)

    # when
    got = {path: outcome(client.get(path.format(**names(w)))) for path in RESEARCHER}

    # then
    assert got == RESEARCHER


def test_a_researcher_who_works_for_city_a_may_not_research_it_and_does_not_see_it_listed(w):
    # given
    client = researcher_client(w, cities=[w.city_a])

    # when
    page = client.get(RESEARCH_CITY_A.format(**names(w)))
    listing = client.get(RESEARCH_LIST)

    # then
    assert page.status_code == 403
    assert listing.status_code == 200
    assert w.city_a.name not in listing.content.decode()
    assert w.city_b.name in listing.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "staff_a", "staff_b"])
def test_no_one_outside_the_admin_reaches_the_research_pages(w, role):
    for path in (RESEARCH_LIST, RESEARCH_CITY_A):
        assert outcome(w.client(role).get(path.format(**names(w)))) == ADMIN_LOGIN


def test_the_research_pages_show_a_researcher_nothing_of_a_city_s_own_values(w):
    # given: city A answered every parameter, its "wartezeit" carries the secrets
    client = researcher_client(w)

    # when
    pages = [client.get(RESEARCH_LIST), client.get(RESEARCH_CITY_A.format(**names(w)))]

    # then
    assert [page.status_code for page in pages] == [200, 200]
    for page in pages:
        assert_no_secret(page.content, page.request["PATH_INFO"])
    assert "Nichts zu recherchieren" in pages[1].content.decode()
