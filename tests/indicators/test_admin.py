"""The admin for editors and reviewers: catalogue changes go through the service; published is frozen."""

from decimal import Decimal

import pytest

from indicators.models import Domain, Edition
from scoring.models import ScoreRun
from tests import factories


@pytest.fixture
def admin_editor(client, editor):
    editor.is_staff = True
    editor.save()
    client.force_login(editor)
    return client


def domain_form(domain: Domain, **changes) -> dict:
    data = {
        "edition": domain.edition_id,
        "key": domain.key,
        "name_de": domain.name_de,
        "name_en": domain.name_en,
        "weight": str(domain.weight),
        "position": domain.position,
    }
    return {**data, **changes}


def test_an_editor_changes_a_domain_weight_through_the_service(
    admin_editor, edition, editor, django_capture_on_commit_callbacks
):
    domain = edition.domains.get(key="mobilitaet")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_editor.post(f"/admin/indicators/domain/{domain.pk}/change/", domain_form(domain, weight="2"))

    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.weight == Decimal(2)
    latest = domain.history.first()
    assert (latest.history_user, latest.history_change_reason) == (editor, "geändert: weight")
    assert ScoreRun.objects.filter(edition=edition).count() == 1  # recomputed after commit


def test_a_published_editions_catalogue_is_read_only_in_the_admin(admin_editor, db):
    edition = factories.small_edition(cities=2, year=2040, phase=Edition.Phase.PUBLISHED)
    domain = edition.domains.get(key="mobilitaet")

    page = admin_editor.get(f"/admin/indicators/domain/{domain.pk}/change/")
    post = admin_editor.post(f"/admin/indicators/domain/{domain.pk}/change/", domain_form(domain, weight="3"))

    assert page.status_code == 200 and 'name="weight"' not in page.content.decode()
    assert post.status_code == 403
    domain.refresh_from_db()
    assert domain.weight == Decimal(1)


def test_a_reviewer_sees_answers_but_cannot_change_the_catalogue(client, reviewer, edition):
    reviewer.is_staff = True
    reviewer.save()
    client.force_login(reviewer)
    domain = edition.domains.get(key="mobilitaet")

    assert client.get("/admin/indicators/answer/", follow=True).status_code == 200
    assert (
        client.post(f"/admin/indicators/domain/{domain.pk}/change/", domain_form(domain, weight="3")).status_code == 403
    )
