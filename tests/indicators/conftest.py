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


@pytest.fixture
def evidence_storage_dir(tmp_path, monkeypatch):
    """Evidence files go to a fresh folder per test (desk research's tests)."""
    from django.core.files.storage import FileSystemStorage

    from indicators.models import EvidenceFile

    directory = tmp_path / "evidence"
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=directory))
    return directory


@pytest.fixture
def solar(edition):
    """A number the catalogue of the small edition leaves to desk research (no upper bound: "1.234,5" fits)."""
    from decimal import Decimal

    from indicators.models import Parameter
    from tests.factories import ParameterFactory, parameter

    return ParameterFactory(
        indicator=parameter(edition, "wartezeit").indicator,
        key="solarleistung",
        name_de="Solarleistung städtischer Dächer",
        kind=Parameter.Kind.NUMBER,
        unit="kWp",
        min_value=Decimal(0),
        collection_mode=Parameter.CollectionMode.RESEARCH,
        position=5,
    )
