"""Fixtures shared by the indicators tests: the edition's cities, their staff, an admin login."""

import pytest

from tests.factories import UserFactory, cities_of


@pytest.fixture
def city(edition):
    return cities_of(edition)[0]


@pytest.fixture
def other_city(edition):
    return cities_of(edition)[1]


@pytest.fixture
def staff(city):
    return UserFactory(cities=[city])


@pytest.fixture
def other_staff(other_city):
    return UserFactory(cities=[other_city])


@pytest.fixture
def admin_login(client):
    """Log a user into the admin (reviewers and editors are staff users) and return the client."""

    def login(user):
        user.is_staff = True
        user.save()
        client.force_login(user)
        return client

    return login
