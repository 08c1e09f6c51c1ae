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


@pytest.fixture
def official_dir(tmp_path, monkeypatch):
    """Imported official files (and the admin's files waiting for confirmation) go to a temporary folder."""
    from django.core.files.storage import FileSystemStorage

    from indicators.models import OfficialImport

    directory = tmp_path / "official-private"
    monkeypatch.setattr(OfficialImport._meta.get_field("file"), "storage", FileSystemStorage(location=directory))
    return directory
