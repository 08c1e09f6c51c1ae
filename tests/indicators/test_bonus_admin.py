"""Awarding innovation bonuses in the admin: through innovation_bonus_award, conflict of interest included."""

from decimal import Decimal

import pytest

from indicators.models import Domain, InnovationProject
from tests.factories import InnovationProjectFactory, UserFactory


@pytest.fixture
def project(edition, city):
    return InnovationProjectFactory(
        edition=edition, city=city, domain=Domain.objects.get(edition=edition, key="mobilitaet")
    )


def award(client, project, **data):
    return client.post(f"/admin/indicators/innovationproject/{project.pk}/award/", data, follow=True)


def test_a_reviewer_awards_points_with_a_justification_and_the_history_records_it(
    admin_login, reviewer, project, django_capture_on_commit_callbacks
):
    client = admin_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = award(client, project, points="3.5", justification="Offene Daten in Echtzeit.")

    project.refresh_from_db()
    assert (project.bonus_points, project.bonus_justification, project.awarded_by) == (
        Decimal("3.5"),
        "Offene Daten in Echtzeit.",
        reviewer,
    )
    assert "Bonus für „Digitaler Zwilling“ gespeichert." in response.content.decode()
    record = project.history.first()
    assert (record.history_user, record.history_change_reason, record.bonus_points) == (
        reviewer,
        "Bonus vergeben",
        Decimal("3.5"),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"points": "6", "justification": "zu viel"}, "kleiner oder gleich 5"),
        ({"points": "-1", "justification": "negativ"}, "größer oder gleich 0"),
        ({"points": "2", "justification": ""}, "Dieses Feld ist zwingend erforderlich."),
    ],
)
def test_points_outside_0_to_5_or_no_justification_change_nothing(admin_login, reviewer, project, data, message):
    response = award(admin_login(reviewer), project, **data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert InnovationProject.objects.get(pk=project.pk).bonus_points == Decimal(0)


def test_a_reviewer_of_the_city_cannot_award_its_bonus(admin_login, city, project):
    reviewer = UserFactory(groups=["reviewers"], cities=[city])
    client = admin_login(reviewer)

    page = client.get(f"/admin/indicators/innovationproject/{project.pk}/award/").content.decode()
    response = award(client, project, points="5", justification="Eigenlob")

    assert "Sie können für diese Stadt keinen Bonus vergeben" in page
    assert "Sie können keinen Bonus für diese Stadt vergeben." in response.content.decode()
    assert InnovationProject.objects.get(pk=project.pk).bonus_points == Decimal(0)


def test_the_project_list_links_to_the_award_form(admin_login, reviewer, project):
    content = admin_login(reviewer).get("/admin/indicators/innovationproject/").content.decode()

    assert f'href="/admin/indicators/innovationproject/{project.pk}/award/"' in content
