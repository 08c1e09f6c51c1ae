"""Fixtures for the signed-in API: a reviewer of the city, API clients with tokens (cities and staff are in
tests/conftest.py)."""

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from tests.factories import UserFactory, api_token


@pytest.fixture
def own_city_reviewer(city):
    """A reviewer who also works for `city` (the conflict-of-interest case)."""
    return UserFactory(groups=["reviewers"], cities=[city])


@pytest.fixture
def api_client():
    """A client that sends a token: `api_client(user)` (write scope) or `api_client(user, scope="read")`;
    `api_client(None)` is anonymous."""

    def make(user=None, scope=ApiToken.Scope.WRITE) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(user, scope)}")
        return client

    return make
