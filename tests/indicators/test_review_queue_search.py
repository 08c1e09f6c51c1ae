"""The review queue's search (issue 17): the answers Django's own search over the same fields finds, found by
index (selectors.review_queue.answers_matching), in a fixed number of queries."""

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db import connection
from django.test import RequestFactory

from indicators.models import Answer
from indicators.selectors.review_queue import answers_matching, search_terms
from tests.factories import cities_of
from tests.indicators.test_review_queue_page import QUEUE, queue_edition

SEARCHES = [
    "",
    "busse",  # a parameter's key
    "BUSSE",  # case-insensitive
    "Parameter",  # every parameter's name (factories: "Parameter <n>")
    "Stadt",  # city names
    "notiz",  # an answer's note only
    "busse notiz",  # two terms: both must match
    '"an der"',  # a quoted phrase
    "nichts-passt",
]


def django_search(queryset, term: str) -> set[int]:
    """What Django's admin finds with the queue's search_fields (ModelAdmin's own get_search_results)."""
    model_admin = admin.site._registry[Answer]
    request = RequestFactory().get(QUEUE)
    found, may_have_duplicates = ModelAdmin.get_search_results(model_admin, request, queryset, term)
    return set((found.distinct() if may_have_duplicates else found).values_list("pk", flat=True))


@pytest.mark.parametrize("term", SEARCHES)
def test_the_search_finds_what_djangos_search_over_the_same_fields_finds(reviewer, term):
    # given: notes on two answers, one of them with a phrase
    edition = queue_edition(5, reviewer)
    answers = Answer.objects.filter(edition=edition).order_by("pk")
    Answer.objects.filter(pk=answers[0].pk).update(note="Siehe Notiz an der Anlage")
    Answer.objects.filter(pk=answers[7].pk).update(note="notiz zur Quelle")
    queryset = Answer.objects.filter(edition=edition)

    # when
    found = set(answers_matching(queryset, term).values_list("pk", flat=True))

    # then
    assert found == django_search(queryset, term)
    if term in ("busse", "Stadt", "notiz", "busse notiz", '"an der"'):
        assert found, "the search term was chosen to find answers"
    if term == "nichts-passt":
        assert found == set()


def test_search_terms_are_split_as_the_admin_splits_them():
    assert search_terms('Bochum "digitale Verwaltung"  busse') == ["Bochum", "digitale Verwaltung", "busse"]
    assert search_terms("") == []


@pytest.mark.parametrize("cities_count", [5, 15])
def test_a_search_takes_the_same_number_of_queries_for_5_and_15_cities(
    admin_login, reviewer, cities_count, django_assert_num_queries
):
    # given
    edition = queue_edition(cities_count, reviewer)
    client = admin_login(reviewer)
    city = cities_of(edition)[0]
    url = f"{QUEUE}?edition__id__exact={edition.pk}&q={city.name.split()[0]}+busse"

    # when: the queue's 12 (test_review_queue_page) and, per term, the cities and the parameters it matches (2 x 2)
    with django_assert_num_queries(16):
        response = client.get(url)

    # then: the city's "busse" answers at least
    assert response.status_code == 200
    assert response.content.decode().count('class="action-select"') >= 1


@pytest.mark.django_db
def test_the_notes_have_a_trigram_index_on_postgresql_and_none_on_sqlite():
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Answer._meta.db_table)
    if connection.vendor == "postgresql":
        assert "answer_note_trgm" in indexes
        assert indexes["answer_note_trgm"]["type"] == "gist"
    else:
        assert connection.vendor == "sqlite"
        assert "answer_note_trgm" not in indexes


def test_a_search_keeps_the_queues_order_by_city_and_parameter(admin_login, reviewer):
    # given: every city's "busse" and other answers; a search every answer matches
    edition = queue_edition(5, reviewer)
    client = admin_login(reviewer)

    # when
    response = client.get(f"{QUEUE}?edition__id__exact={edition.pk}&q=Parameter")

    # then: the page's rows in the order of (city, parameter), as without a search
    rows = list(response.context["cl"].result_list)
    assert len(rows) == Answer.objects.filter(edition=edition).count()
    assert [(a.city_id, a.parameter_id) for a in rows] == sorted((a.city_id, a.parameter_id) for a in rows)
    # (sorted as values, not along the (city, parameter) index: AnswerChangeList.get_ordering)
    sql = str(response.context["cl"].queryset.query)
    order = 'ORDER BY ("indicators_answer"."city_id" + 0) ASC, ("indicators_answer"."parameter_id" + 0) ASC'
    assert sql.endswith(order)
