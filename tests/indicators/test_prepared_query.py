"""PreparedQuery: the SQL compiled once, the ids bound per call, exactly as Django would compile it each time."""

import pytest
from django.db import connection

from indicators.models import City
from indicators.selectors.portal import PROGRESS_COUNTS, _progress_counts
from indicators.selectors.prepared import PreparedQuery
from tests import factories


def test_the_progress_sql_with_ids_bound_is_the_sql_django_compiles_for_them(edition, city, other_city):
    for city_id in (city.pk, other_city.pk):
        # when
        prepared = PROGRESS_COUNTS.sql(edition=edition.pk, city=city_id)

        # then
        compiled = _progress_counts(edition=edition.pk, city=city_id).query.get_compiler(connection=connection).as_sql()
        assert prepared == (compiled[0], list(compiled[1]))


def test_a_query_is_compiled_once_per_database(edition, city, other_city):
    # given
    builds = []

    def cities_named_like(*, city):
        builds.append(city)
        return City.objects.filter(pk=city).values("name")

    named = PreparedQuery(cities_named_like, "city")

    # when
    results = []
    for c in (city, other_city, city):
        with connection.cursor() as cursor:
            cursor.execute(*named.sql(city=c.pk))
            results.append(cursor.fetchone()[0])

    # then
    assert results == [city.name, other_city.name, city.name]
    assert len(builds) == 1


def test_an_id_that_is_not_a_parameter_of_the_sql_is_refused(db):
    # given: the id changes the query's shape (a slice), Django does not pass it as a parameter
    first = PreparedQuery(lambda *, count: City.objects.order_by("pk").values("pk")[:-count], "count")

    # when / then
    with pytest.raises(ValueError, match="ids not in the query's parameters"):
        first.sql(count=2)


def test_ids_other_than_the_named_ones_are_refused(db):
    named = PreparedQuery(lambda *, city: City.objects.filter(pk=city), "city")
    with pytest.raises(TypeError, match=r"ids \['city'\] expected, got \['edition'\]"):
        named.sql(edition=factories.CityFactory().pk)
