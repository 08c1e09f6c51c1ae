"""The public ranking page: published editions only, fixed query count, German by default."""

import pytest

from indicators.models import Edition
from tests import factories
from tests.scoring.test_services import answer_all, publish


@pytest.fixture
def published(editor):
    edition = factories.small_edition(cities=6, year=2040)
    answer_all(edition)
    publish(edition, editor)
    return edition


def test_home_shows_the_newest_published_ranking_in_german(client, published):
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Smart City Index 2040</h1>" in content
    assert "6 Städte" in content
    assert content.count('<th scope="row">') == 6
    assert ">Rang<" in content and ">neu<" in content


def test_an_unpublished_edition_is_not_found(client, published):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)

    assert client.get("/ranking/2041/").status_code == 404
    assert client.get("/ranking/2040/").status_code == 200


def test_without_a_published_edition_the_home_page_says_so(client, db):
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.COLLECTION)

    response = client.get("/")

    assert response.status_code == 200
    assert "Es ist noch keine Ausgabe veröffentlicht." in response.content.decode()


@pytest.mark.parametrize("cities", [3, 30])
def test_the_ranking_page_runs_a_fixed_number_of_queries(client, editor, cities, django_assert_num_queries):
    edition = factories.small_edition(cities=cities, year=2040)
    answer_all(edition)
    publish(edition, editor)

    with django_assert_num_queries(5):
        response = client.get("/ranking/2040/")

    assert response.content.decode().count('<th scope="row">') == cities
