"""Fixtures of the indicators tests: an admin login (cities and staff are in tests/conftest.py)."""

import pytest


@pytest.fixture
def admin_login(client):
    """Log a user into the admin (reviewers and editors are staff users) and return the client."""

    def login(user):
        user.is_staff = True
        user.save()
        client.force_login(user)
        return client

    return login
