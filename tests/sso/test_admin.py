"""The single sign-on in the German admin: editors keep the claim mappings and see (and undo) links; reviewers
and the cities' staff do neither."""

import pytest

from sso.models import ClaimMapping, OIDCIdentity
from tests import factories


@pytest.fixture
def editor_with_rights(role_groups):
    return factories.UserFactory(groups=["editors"], is_staff=True)


def test_an_editor_adds_a_claim_mapping_in_the_admin(client, editor_with_rights, city):
    client.force_login(editor_with_rights)
    form = client.get("/admin/sso/claimmapping/add/")
    assert form.status_code == 200
    assert "Zuordnung über eine Angabe des Anbieters" in form.content.decode()
    response = client.post(
        "/admin/sso/claimmapping/add/", {"claim": "groups", "value": "sci-x", "city": city.pk, "role": "staff"}
    )
    assert response.status_code == 302
    assert list(ClaimMapping.objects.values_list("claim", "value", "city", "role")) == [
        ("groups", "sci-x", city.pk, "staff")
    ]


def test_an_editor_sees_links_but_cannot_make_or_edit_one(client, editor_with_rights, staff):
    identity = OIDCIdentity.objects.create(user=staff, issuer="https://login.stadt.example", subject="s-1")
    client.force_login(editor_with_rights)
    assert "s-1" in client.get("/admin/sso/oidcidentity/").content.decode()
    assert client.get("/admin/sso/oidcidentity/add/").status_code == 403
    assert client.post(f"/admin/sso/oidcidentity/{identity.pk}/change/", {"subject": "s-2"}).status_code == 403
    assert OIDCIdentity.objects.get().subject == "s-1"
    assert client.post(f"/admin/sso/oidcidentity/{identity.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not OIDCIdentity.objects.exists()


def test_a_reviewer_cannot_open_the_claim_mappings(client, role_groups, city):
    reviewer = factories.UserFactory(groups=["reviewers"], is_staff=True)
    client.force_login(reviewer)
    assert client.get("/admin/sso/claimmapping/add/").status_code == 403
    response = client.post(
        "/admin/sso/claimmapping/add/", {"claim": "groups", "value": "sci-x", "city": city.pk, "role": "coordinator"}
    )
    assert response.status_code == 403
    assert not ClaimMapping.objects.exists()
