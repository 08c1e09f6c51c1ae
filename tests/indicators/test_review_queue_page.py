"""The review queue's page (issue 17): a fixed number of queries for any filter, the rows Django would draw,
a bounded count, the city filter as one drop-down, the order by city and parameter."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.test import RequestFactory
from django.urls import resolve

from indicators.admin.review import QueuePaginator
from indicators.models import Answer, Edition, Participation, ReviewAssignment
from indicators.selectors.review_flags import FLAG_LABELS
from indicators.services.review_flags import review_flags_refresh
from tests import factories
from tests.factories import VALID_VALUE, cities_of, parameter

QUEUE = "/admin/indicators/answer/"


def queue_edition(cities_count: int, reviewer) -> Edition:
    """flagged_edition's "busse" answers (an outlier, a missing evidence, stale Stands, an open objection), last
    edition's approved "busse" of every city (a jump for the outlier), the other parameters answered, an evidence
    file for every city, and every city assigned to `reviewer`: every filter of the queue shows some rows."""
    edition = factories.flagged_edition(cities_count, 2040)
    previous = factories.small_edition(cities=0, year=2039, phase=Edition.Phase.PUBLISHED)
    busse = parameter(previous, "busse")
    for city in cities_of(edition):
        Participation.objects.create(edition=previous, city=city)
        Answer.objects.create(edition=previous, city=city, parameter=busse, value_number=Decimal(12), status="approved")
        for key in ("online-termine", "smart-meter", "wartezeit", "ladepunkte"):
            answer = Answer.objects.create(
                edition=edition, city=city, parameter=parameter(edition, key), status="draft", **VALID_VALUE[key]
            )
        factories.EvidenceFileFactory(answer=answer)
        ReviewAssignment.objects.create(edition=edition, city=city, reviewer=reviewer)
    review_flags_refresh(edition_id=edition.pk)
    return edition


def filters_of(edition: Edition) -> dict[str, str]:
    """Every filter the queue offers, each with a choice that leaves rows."""
    city = cities_of(edition)[0]
    verkehr = parameter(edition, "busse").indicator
    return {
        "none": "",
        "status": "&status__exact=submitted",
        "mine": "&mine=1",
        "domain": "&domain=mobilitaet",
        "indicator": f"&indicator={verkehr.pk}",
        "city": f"&city__id__exact={city.pk}",
        **{f"flag_{code}": f"&flag={code}" for code in FLAG_LABELS},
    }


FILTERS = ["none", "status", "mine", "domain", "indicator", "city", *[f"flag_{code}" for code in FLAG_LABELS]]


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("cities_count", [5, 15])
def test_the_queue_takes_the_same_number_of_queries_for_5_and_15_cities_whatever_the_filter(
    admin_login, reviewer, cities_count, name, django_assert_num_queries
):
    # given: 25 or 75 answers, 5 or 15 of them "busse"
    edition = queue_edition(cities_count, reviewer)
    client = admin_login(reviewer)
    url = f"{QUEUE}?edition__id__exact={edition.pk}{filters_of(edition)[name]}"

    # when: session, user, the user's and the groups' permissions (4); the editions, indicators with their
    # domains, and cities of the filters (3); count, the page's ids, its rows with their files (3); last
    # edition's parameters and answers (2)
    with django_assert_num_queries(12):
        response = client.get(url)

    # then
    assert response.status_code == 200
    assert response.content.decode().count('class="action-select"') >= 1


def test_the_queue_rows_are_the_cells_django_draws(reviewer, db):
    # given: a page with flags, last year's values, evidence links and files, empty cells
    edition = queue_edition(5, reviewer)
    reviewer.is_staff = True
    reviewer.save()
    # (times in the same minute and in another: the queue formats a time once per minute)
    busse = Answer.objects.filter(edition=edition, parameter__key="busse").order_by("pk")
    for index, answer in enumerate(busse):
        Answer.objects.filter(pk=answer.pk).update(
            updated_at=datetime(2040, 3, 1, 9, index // 2, 5 + 50 * (index % 2), tzinfo=UTC)
        )
    request = RequestFactory().get(QUEUE, {"edition__id__exact": edition.pk, "status__exact": "submitted"})
    request.user, request.resolver_match = reviewer, resolve(QUEUE)
    model_admin = admin.site._registry[Answer]

    # when
    changelist = model_admin.get_changelist_instance(request)
    table = changelist.result_table()

    # then: each row as Django's items_for_result renders it, and the row's link keeps the filters
    assert len(table["queue_rows"]) == 5
    for answer, row in zip(changelist.result_list, table["queue_rows"], strict=True):
        assert row[0] == "".join(items_for_result(changelist, answer, None))
    first = table["queue_rows"][0][0]
    assert f'href="/admin/indicators/answer/{changelist.result_list[0].pk}/change/?_changelist_filters=' in first
    assert "status__exact%3Dsubmitted" in first
    page = "".join(row[0] for row in table["queue_rows"])
    assert page.count("1. März 2040 10:00") == 2 and page.count("1. März 2040 10:01") == 2
    assert '<td class="field-flags">Ausreißer, Sprung zum Vorjahr</td>' in page
    assert "(+733,3 %)</td>" in page  # 100 against last year's 12


def test_the_queue_lists_its_answers_by_city_and_parameter(admin_login, reviewer):
    edition = queue_edition(5, reviewer)
    model_admin = admin.site._registry[Answer]
    request = RequestFactory().get(QUEUE, {"edition__id__exact": edition.pk})
    request.user = reviewer
    reviewer.is_staff = True
    reviewer.save()

    shown = model_admin.get_changelist_instance(request).result_list

    stored = list(Answer.objects.filter(edition=edition).order_by("city_id", "parameter_id"))
    assert [answer.pk for answer in shown] == [answer.pk for answer in stored]
    assert [answer.evidence_count for answer in shown] == [answer.evidence_files.count() for answer in stored]
    assert sum(answer.evidence_count for answer in shown) == 5


def test_the_queue_counts_only_up_to_its_limit_and_says_more_than(admin_login, reviewer, monkeypatch):
    # given: 25 answers, a limit of 10
    edition = queue_edition(5, reviewer)
    monkeypatch.setattr(QueuePaginator, "COUNT_LIMIT", 10)
    monkeypatch.setattr(admin.site._registry[Answer], "list_per_page", 5)
    client = admin_login(reviewer)

    # when
    page = client.get(f"{QUEUE}?edition__id__exact={edition.pk}").content.decode()
    exact = client.get(f"{QUEUE}?edition__id__exact={edition.pk}&status__exact=submitted").content.decode()

    # then: "mehr als 10", pages up to the limit; an exact count below it
    assert "mehr als 10 Antworten" in page
    assert "&amp;p=3" in page and "&amp;p=4" not in page  # 11 counted, 5 a page: 3 pages linked (not 5)
    assert "Alle Antworten der Auswahl auswählen (mehr als 10)" in page
    assert "Alle Antworten der Auswahl ausgewählt (mehr als 10)" in page
    assert "5 Antworten" in exact and "mehr als" not in exact


def test_the_city_filter_offers_the_editions_cities_in_one_drop_down_and_keeps_the_other_filters(admin_login, reviewer):
    # given: a city of another edition only
    edition = queue_edition(5, reviewer)
    elsewhere = factories.small_edition(cities=1, year=2041)
    outside = cities_of(elsewhere)[0]
    chosen = cities_of(edition)[2]
    client = admin_login(reviewer)

    # when
    page = client.get(f"{QUEUE}?edition__id__exact={edition.pk}&status__exact=submitted&city__id__exact={chosen.pk}")

    # then
    content = page.content.decode()
    city_filter = content.split('<form method="get" class="queue-city-filter">')[1].split("</form>")[0]
    assert city_filter.count("<option") == 6  # "alle" and the edition's five cities
    assert f'<option value="{chosen.pk}" selected>{chosen.name}</option>' in city_filter
    assert outside.name not in city_filter
    assert '<input type="hidden" name="status__exact" value="submitted">' in city_filter
    assert f'<input type="hidden" name="edition__id__exact" value="{edition.pk}">' in city_filter
    assert 'name="city__id__exact"' not in city_filter.split("<select")[0]
    assert content.count('class="action-select"') == 1
