"""Permission matrix of the portal: staff of city A, a reviewer and anonymous against every page and
action of city B. Nothing of B is visible (404, so ids cannot be probed) and nothing changes."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from indicators.models import Answer, CityMembership, EvidenceFile, InnovationProject, Participation
from tests.factories import UserFactory, parameter

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_b(edition):
    return Participation.objects.filter(edition=edition).order_by("city_id").last().city


@pytest.fixture
def b_objects(edition, city_b, tmp_path, monkeypatch):
    """City B's answer, evidence file and coordinator membership: targets for the actions."""
    answer = Answer.objects.create(
        edition=edition,
        city=city_b,
        parameter=parameter(edition, "busse"),
        value_number=40,
        evidence_url="https://example.org/b.pdf",
    )
    storage = FileSystemStorage(location=tmp_path)
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", storage)
    evidence = EvidenceFile.objects.create(
        answer=answer,
        file=storage.save("evidence/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n")),
        original_name="b.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    coordinator = UserFactory(username="coord-b")
    membership = CityMembership.objects.create(user=coordinator, city=city_b, role=CityMembership.Role.COORDINATOR)
    return {"answer": answer, "evidence": evidence, "membership": membership}


def requests_of_city_b(edition, city_b, b_objects):
    base = f"/portal/{city_b.slug}/{edition.year}"
    return [
        ("get", f"{base}/", {}),
        ("get", f"{base}/export.xlsx", {}),
        ("get", f"{base}/export.csv", {}),
        ("get", f"{base}/import/", {}),
        ("post", f"{base}/import/", {"token": "x", "confirm": "1"}),
        ("post", f"{base}/answer/busse/", {"busse-value": "99", "busse-version": 1}),
        ("post", f"{base}/answer/busse/submit/", {"version": 1}),
        ("post", f"{base}/answer/busse/carry-over/", {"version": 1, "confirmed_unchanged": "1"}),
        ("get", f"{base}/answer/busse/history/", {}),
        ("post", f"{base}/answer/busse/evidence/", {"version": 1}),
        ("post", f"{base}/evidence/{b_objects['evidence'].pk}/remove/", {"version": 1}),
        ("get", f"/portal/evidence/{b_objects['evidence'].pk}/download/", {}),
        ("post", f"{base}/submit/", {}),
        ("get", f"{base}/sign-off/", {}),
        ("post", f"{base}/sign-off/", {}),
        ("get", f"{base}/projects/", {}),
        ("post", f"{base}/projects/mobilitaet/", {"title": "X", "description": "Y"}),
        ("get", f"/portal/{city_b.slug}/team/", {}),
        ("post", f"/portal/{city_b.slug}/team/invite/", {"email": "x@example.org", "role": "staff"}),
        ("post", f"/portal/{city_b.slug}/team/{b_objects['membership'].pk}/remove/", {}),
    ]


def snapshot(city_b):
    answer = Answer.objects.get(city=city_b)
    return (
        answer.value_number,
        answer.status,
        answer.version,
        EvidenceFile.objects.count(),
        CityMembership.objects.filter(city=city_b).count(),
        InnovationProject.objects.count(),
        Participation.objects.get(city=city_b).signed_off_at,
    )


@pytest.mark.parametrize("who", ["staff of city A", "coordinator of city A", "reviewer"])
def test_nobody_outside_city_b_sees_or_changes_anything_of_it(client, edition, city_b, b_objects, reviewer, who):
    # given
    city_a = Participation.objects.filter(edition=edition).order_by("city_id").first().city
    user = {"staff of city A": UserFactory(cities=[city_a]), "reviewer": reviewer}.get(who)
    if user is None:
        user = UserFactory()
        CityMembership.objects.create(user=user, city=city_a, role=CityMembership.Role.COORDINATOR)
    client.force_login(user)
    before = snapshot(city_b)

    # when / then
    for method, path, data in requests_of_city_b(edition, city_b, b_objects):
        response = getattr(client, method)(path, data)
        expected = 200 if (who == "reviewer" and "download" in path) else 404
        assert response.status_code == expected, (method, path, response.status_code)
    assert snapshot(city_b) == before


def test_anonymous_users_are_sent_to_the_login_for_every_page_and_action(client, edition, city_b, b_objects):
    before = snapshot(city_b)

    for method, path, data in requests_of_city_b(edition, city_b, b_objects):
        response = getattr(client, method)(path, data)
        if "download" in path:
            assert response.status_code == 404, path  # unpublished evidence does not exist for the public
        else:
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
    assert snapshot(city_b) == before
