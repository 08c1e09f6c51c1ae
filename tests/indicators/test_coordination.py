"""Coordinators: questionnaire sign-off, the city's team (invitations, removal); innovation projects."""

import hashlib
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from indicators.models import (
    Answer,
    CityMembership,
    Edition,
    InnovationProject,
    Participation,
    StaffInvitation,
)
from indicators.services import coordination
from indicators.workflow import WorkflowError
from tests import factories
from tests.factories import UserFactory, coordinator_of, parameter

pytestmark = pytest.mark.django_db

Role = CityMembership.Role
LINK = "https://testserver/portal/invitation/{token}/"
VALUES = {
    "online-termine": {"value_bool": True},
    "wartezeit": {"value_number": Decimal(12)},
    "smart-meter": {"value_choice": "live"},
    "busse": {"value_number": Decimal(40)},
    "ladepunkte": {"value_number": Decimal(120)},
}


@pytest.fixture(autouse=True)
def _german():
    """Messages are asserted in German, whatever language an earlier test's request left active."""
    with translation.override("de"):
        yield


@pytest.fixture
def city(edition):
    return factories.cities_of(edition)[0]


@pytest.fixture
def other_city(edition):
    return factories.cities_of(edition)[-1]


@pytest.fixture
def coordinator(city):
    return coordinator_of(city, first_name="Clara", last_name="Koordinatorin")


@pytest.fixture
def staff(city):
    return UserFactory(cities=[city], first_name="Sven", last_name="Sachbearbeiter")


def answer(edition, city, *keys):
    for key in keys:
        Answer.objects.create(edition=edition, city=city, parameter=parameter(edition, key), **VALUES[key])


def participation(edition, city) -> Participation:
    return Participation.objects.get(edition=edition, city=city)


def message_of(error) -> str:
    return " ".join(error.value.messages)


# --- Sign-off ---------------------------------------------------------------------------------


def test_staff_who_do_not_coordinate_cannot_sign_off(edition, city, staff):
    # given: a complete questionnaire
    answer(edition, city, *VALUES)

    # when
    with pytest.raises(PermissionDenied) as error:
        coordination.questionnaire_sign_off(user=staff, edition=edition, city=city)

    # then
    assert str(error.value) == "Nur die Koordination der Stadt kann das tun."
    assert participation(edition, city).signed_off_at is None


def test_the_coordinator_of_another_city_cannot_sign_off(edition, city, other_city):
    answer(edition, city, *VALUES)

    with pytest.raises(PermissionDenied):
        coordination.questionnaire_sign_off(user=coordinator_of(other_city), edition=edition, city=city)

    assert participation(edition, city).signed_off_at is None


def test_sign_off_with_missing_answers_says_how_many_are_missing_and_stores_nothing(edition, city, coordinator):
    # given: two answers with a value and one draft without a value, of five parameters
    answer(edition, city, "online-termine", "busse")
    Answer.objects.create(edition=edition, city=city, parameter=parameter(edition, "wartezeit"))

    # when
    with pytest.raises(ValidationError) as error:
        coordination.questionnaire_sign_off(user=coordinator, edition=edition, city=city)

    # then
    assert message_of(error) == "Es fehlen noch 3 Antworten."
    stored = participation(edition, city)
    assert (stored.signed_off_at, stored.signed_off_by) == (None, None)


def test_one_missing_answer_is_named_in_the_singular(edition, city, coordinator):
    answer(edition, city, "online-termine", "busse", "wartezeit", "smart-meter")

    with pytest.raises(ValidationError) as error:
        coordination.questionnaire_sign_off(user=coordinator, edition=edition, city=city)

    assert message_of(error) == "Es fehlt noch 1 Antwort."


def test_a_complete_questionnaire_is_signed_off_by_its_coordinator(edition, city, coordinator):
    # given
    answer(edition, city, *VALUES)

    # when
    result = coordination.questionnaire_sign_off(user=coordinator, edition=edition, city=city)

    # then
    stored = participation(edition, city)
    assert stored.signed_off_by == coordinator and stored.signed_off_at is not None
    assert result.signed_off_at == stored.signed_off_at


def test_signing_off_twice_keeps_the_first_time_and_signer(edition, city, coordinator):
    # given: signed off once
    answer(edition, city, *VALUES)
    first = coordination.questionnaire_sign_off(user=coordinator, edition=edition, city=city)
    second_coordinator = coordinator_of(city)

    # when
    coordination.questionnaire_sign_off(user=second_coordinator, edition=edition, city=city)

    # then
    stored = participation(edition, city)
    assert (stored.signed_off_at, stored.signed_off_by) == (first.signed_off_at, coordinator)


def test_sign_off_is_refused_once_the_edition_is_published(city, coordinator):
    edition = factories.small_edition(cities=0, year=2031, phase=Edition.Phase.PUBLISHED)
    Participation.objects.create(edition=edition, city=city)
    answer(edition, city, *VALUES)

    with pytest.raises(WorkflowError) as error:
        coordination.questionnaire_sign_off(user=coordinator, edition=edition, city=city)

    assert message_of(error) == "In dieser Phase der Ausgabe kann der Fragebogen nicht abgezeichnet werden."
    assert participation(edition, city).signed_off_at is None


def sign_off_url(city, edition):
    return f"/portal/{city.slug}/{edition.year}/sign-off/"


def test_the_sign_off_page_is_for_coordinators_only(client, edition, city, staff):
    answer(edition, city, *VALUES)
    client.force_login(staff)

    assert client.get(sign_off_url(city, edition)).status_code == 404
    assert client.post(sign_off_url(city, edition)).status_code == 404
    assert participation(edition, city).signed_off_at is None


def test_the_coordinator_signs_off_with_the_button_and_returns_to_the_dashboard(client, edition, city, coordinator):
    # given
    answer(edition, city, *VALUES)
    client.force_login(coordinator)
    assert "Alle Parameter sind beantwortet." in client.get(sign_off_url(city, edition)).content.decode()

    # when
    response = client.post(sign_off_url(city, edition), follow=True)

    # then
    assert response.redirect_chain == [("/portal/", 302)]
    assert f"Der Fragebogen von {city.name} für {edition.title} ist abgezeichnet." in response.content.decode()
    assert participation(edition, city).signed_off_by == coordinator


def test_the_sign_off_button_shows_the_missing_count_and_changes_nothing(client, edition, city, coordinator):
    answer(edition, city, "busse")
    client.force_login(coordinator)

    response = client.post(sign_off_url(city, edition))

    assert response.status_code == 400
    assert "Es fehlen noch 4 Antworten." in response.content.decode()
    assert participation(edition, city).signed_off_at is None


# --- Invitations ------------------------------------------------------------------------------


def team_url(city, suffix=""):
    return f"/portal/{city.slug}/team/{suffix}"


def token_in(message) -> str:
    return re.search(r"https?://[^/\s]+/portal/invitation/([^/\s]+)/", message.body).group(1)


def test_an_invitation_mail_leaves_only_after_commit(city, coordinator, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        invitation, token = coordination.staff_invite(
            user=coordinator, city=city, email="neu@example.org", role=Role.STAFF, link_template=LINK
        )
        # then: nothing is sent while the transaction is open
        assert mail.outbox == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["neu@example.org"]
    assert f"https://testserver/portal/invitation/{token}/" in mail.outbox[0].body


def test_an_invitation_stores_only_the_hash_of_its_token(city, coordinator):
    invitation, token = coordination.staff_invite(
        user=coordinator, city=city, email="neu@example.org", role=Role.STAFF, link_template=LINK
    )

    stored = StaffInvitation.objects.get()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43
    assert token not in str(StaffInvitation.objects.values().get())
    assert token not in str(list(StaffInvitation.history.values()))


def test_the_full_invitation_flow_from_the_team_page_to_a_new_member(
    client, city, coordinator, django_capture_on_commit_callbacks
):
    # given: the coordinator invites a colleague from the team page
    invitee = UserFactory(email="kollegin@example.org", first_name="Ina", last_name="Neu")
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(team_url(city, "invite/"), {"email": " Kollegin@Example.org ", "role": "staff"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"Einladung in das Team von {city.name} – Smart City Index"
    assert "Clara Koordinatorin lädt Sie ein" in message.body
    token = token_in(message)
    assert StaffInvitation.objects.get().email == "kollegin@example.org"

    # when: the invitee logs in, opens the link and accepts
    client.force_login(invitee)
    page = client.get(f"/portal/invitation/{token}/")
    response = client.post(f"/portal/invitation/{token}/", follow=True)

    # then
    assert (
        f"Sie sind eingeladen, im Smart City Index für {city.name} mitzuarbeiten (Rolle: Mitarbeitende)."
        in page.content.decode()
    )
    assert response.redirect_chain == [("/portal/", 302)]
    assert f"Willkommen im Team von {city.name}." in response.content.decode()
    assert CityMembership.objects.get(user=invitee).role == Role.STAFF
    invitation = StaffInvitation.objects.get()
    assert invitation.accepted_by == invitee and invitation.accepted_at is not None


def test_an_invitation_link_works_only_once(client, city, coordinator):
    # given: accepted once
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="neu@example.org", role=Role.COORDINATOR, link_template=LINK
    )
    first = UserFactory(email="neu@example.org")
    coordination.staff_invitation_accept(user=first, token=token)
    second = UserFactory(email="NEU@example.org")  # a second account of the same address
    client.force_login(second)

    # when
    response = client.post(f"/portal/invitation/{token}/")

    # then
    assert response.status_code == 400
    assert "Diese Einladung wurde bereits angenommen." in response.content.decode()
    assert CityMembership.objects.get(user=first).role == Role.COORDINATOR
    assert not CityMembership.objects.filter(user=second).exists()


def test_an_expired_invitation_is_refused(city, coordinator):
    # given: the link's week has passed
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="neu@example.org", role=Role.STAFF, link_template=LINK
    )
    StaffInvitation.objects.update(expires_at=datetime(2020, 1, 2, 10, 0, tzinfo=UTC))
    invitee = UserFactory()

    # when
    with pytest.raises(ValidationError) as error:
        coordination.staff_invitation_accept(user=invitee, token=token)

    # then
    assert message_of(error) == (
        "Diese Einladung ist am 02.01.2020 11:00 abgelaufen. Bitten Sie die Koordination um eine neue Einladung."
    )
    assert not CityMembership.objects.filter(user=invitee).exists()
    assert StaffInvitation.objects.get().accepted_at is None


def test_an_unknown_invitation_link_gets_a_clear_message(client):
    client.force_login(UserFactory())

    response = client.get("/portal/invitation/not-a-real-token/")

    assert response.status_code == 400
    assert (
        "Diesen Einladungslink gibt es nicht (mehr). Bitten Sie die Koordination um eine neue Einladung."
        in response.content.decode()
    )


def test_anonymous_visitors_of_an_invitation_link_are_offered_the_login_and_the_account(client, city, coordinator):
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="neu@example.org", role=Role.STAFF, link_template=LINK
    )

    response = client.get(f"/portal/invitation/{token}/")

    assert response.status_code == 200
    assert f'href="/accounts/login/?next=/portal/invitation/{token}/"' in response.content.decode()
    assert "Konto anlegen und Einladung annehmen" in response.content.decode()
    assert StaffInvitation.objects.get().accepted_at is None


def test_inviting_the_same_address_again_replaces_the_open_invitation(city, coordinator):
    # given
    _, old_token = coordination.staff_invite(
        user=coordinator, city=city, email="neu@example.org", role=Role.STAFF, link_template=LINK
    )

    # when
    _, new_token = coordination.staff_invite(
        user=coordinator, city=city, email="NEU@example.org", role=Role.COORDINATOR, link_template=LINK
    )

    # then
    assert list(StaffInvitation.objects.values_list("email", "role")) == [("neu@example.org", "coordinator")]
    with pytest.raises(ValidationError) as error:
        coordination.staff_invitation_accept(user=UserFactory(email="neu@example.org"), token=old_token)
    assert message_of(error).startswith("Diesen Einladungslink gibt es nicht (mehr).")
    invitee = UserFactory(email="neu@example.org")
    assert coordination.staff_invitation_accept(user=invitee, token=new_token).role == Role.COORDINATOR


@pytest.mark.parametrize("email", ["keine-adresse", "", "a@b"])
def test_an_invalid_address_is_refused_and_nothing_is_stored(
    city, coordinator, email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        coordination.staff_invite(user=coordinator, city=city, email=email, role=Role.STAFF, link_template=LINK)

    assert error.value.message_dict == {"email": ["Bitte geben Sie eine gültige E-Mail-Adresse an."]}
    assert not StaffInvitation.objects.exists()
    assert mail.outbox == []


def test_an_unknown_role_is_refused(city, coordinator):
    with pytest.raises(ValidationError) as error:
        coordination.staff_invite(
            user=coordinator, city=city, email="neu@example.org", role="mayor", link_template=LINK
        )

    assert error.value.message_dict == {"role": ["Unbekannte Rolle „mayor“."]}
    assert not StaffInvitation.objects.exists()


def test_someone_already_in_the_team_is_not_invited_again(client, city, coordinator, staff):
    client.force_login(coordinator)

    response = client.post(team_url(city, "invite/"), {"email": staff.email.upper(), "role": "staff"})

    assert response.status_code == 400
    assert f"{staff.email} gehört bereits zum Team von {city.name}." in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_the_invite_form_shows_an_invalid_address_inline(client, city, coordinator):
    client.force_login(coordinator)

    response = client.post(team_url(city, "invite/"), {"email": "keine-adresse", "role": "staff"})

    assert response.status_code == 400
    assert 'class="error" role="alert">Bitte geben Sie eine gültige E-Mail-Adresse an.' in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_accepting_as_a_member_keeps_the_membership_and_uses_up_the_invitation(city, coordinator, staff):
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="zweite-adresse@example.org", role=Role.COORDINATOR, link_template=LINK
    )
    staff.email = "zweite-adresse@example.org"  # changed by the editors after the invitation left
    staff.save(update_fields=["email"])

    membership = coordination.staff_invitation_accept(user=staff, token=token)

    assert (membership.user, membership.role) == (staff, Role.STAFF)
    assert CityMembership.objects.filter(user=staff).count() == 1
    assert StaffInvitation.objects.get().accepted_by == staff


# --- Team: who may manage it, removal ---------------------------------------------------------


@pytest.mark.parametrize("who", ["staff of the city", "coordinator of another city", "plain user"])
def test_only_the_citys_coordinators_see_and_change_its_team(client, city, other_city, coordinator, staff, who):
    # given
    user = {
        "staff of the city": staff,
        "coordinator of another city": coordinator_of(other_city),
        "plain user": UserFactory(),
    }[who]
    membership = CityMembership.objects.get(user=coordinator)
    client.force_login(user)

    # when / then
    assert client.get(team_url(city)).status_code == 404
    assert client.post(team_url(city, "invite/"), {"email": "neu@example.org", "role": "staff"}).status_code == 404
    assert client.post(team_url(city, f"{membership.pk}/remove/")).status_code == 404
    assert not StaffInvitation.objects.exists()
    assert CityMembership.objects.filter(pk=membership.pk).exists()


def test_the_services_refuse_team_changes_by_others(city, other_city, coordinator, staff):
    outsider = coordinator_of(other_city)
    membership = CityMembership.objects.get(user=staff)

    for user in (staff, outsider):
        with pytest.raises(PermissionDenied):
            coordination.staff_invite(
                user=user, city=city, email="neu@example.org", role=Role.STAFF, link_template=LINK
            )
        with pytest.raises(PermissionDenied):
            coordination.staff_remove(user=user, membership=membership)

    assert not StaffInvitation.objects.exists()
    assert CityMembership.objects.filter(pk=membership.pk).exists()


def test_the_last_coordinator_cannot_remove_themselves(client, city, coordinator):
    # given
    membership = CityMembership.objects.get(user=coordinator)
    client.force_login(coordinator)

    # when
    response = client.post(team_url(city, f"{membership.pk}/remove/"), follow=True)

    # then
    assert response.redirect_chain == [(team_url(city), 302)]
    assert "Die Stadt braucht mindestens eine Koordination." in response.content.decode()
    assert CityMembership.objects.filter(pk=membership.pk, role=Role.COORDINATOR).exists()


def test_a_coordinator_may_leave_when_another_coordinator_stays(city, coordinator):
    coordinator_of(city)
    membership = CityMembership.objects.get(user=coordinator)

    coordination.staff_remove(user=coordinator, membership=membership)

    assert not CityMembership.objects.filter(user=coordinator).exists()


def test_removing_a_colleague_deletes_the_membership_with_an_audit_record(client, city, coordinator, staff):
    # given
    membership = CityMembership.objects.get(user=staff)
    client.force_login(coordinator)

    # when
    response = client.post(team_url(city, f"{membership.pk}/remove/"), follow=True)

    # then
    assert f"Sven Sachbearbeiter gehört nicht mehr zum Team von {city.name}." in response.content.decode()
    assert not CityMembership.objects.filter(user=staff).exists()
    record = CityMembership.history.filter(id=membership.pk).latest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "-",
        coordinator,
        "aus dem Team entfernt",
    )


def test_the_team_page_lists_members_and_open_invitations(client, city, coordinator, staff):
    coordination.staff_invite(user=coordinator, city=city, email="neu@example.org", role=Role.STAFF, link_template=LINK)
    client.force_login(coordinator)

    content = client.get(team_url(city)).content.decode()

    assert "Clara Koordinatorin (Sie)" in content and "Sven Sachbearbeiter" in content
    assert "neu@example.org (Mitarbeitende)" in content
    assert "eingeladen von Clara Koordinatorin" in content


@pytest.mark.parametrize("members", [2, 20])
def test_the_team_page_runs_a_fixed_number_of_queries(client, city, coordinator, members, django_assert_num_queries):
    # given: the coordinator, members - 1 colleagues and as many open invitations
    for n in range(members - 1):
        UserFactory(cities=[city])
        coordination.staff_invite(
            user=coordinator, city=city, email=f"neu{n}@example.org", role=Role.STAFF, link_template=LINK
        )
    client.force_login(coordinator)

    # when / then: session, user, city, members, invitations, editions, the menu's membership check
    with django_assert_num_queries(7):
        response = client.get(team_url(city))
    assert response.content.decode().count('<tr id="member-') == members


# --- Innovation projects ----------------------------------------------------------------------


def projects_url(city, edition, suffix=""):
    return f"/portal/{city.slug}/{edition.year}/projects/{suffix}"


def domain_of(edition, key="verwaltung"):
    return edition.domains.get(key=key)


def test_staff_submit_a_project_and_update_it_without_touching_the_bonus(edition, city, staff, reviewer):
    # given: a project the reviewers have already awarded
    domain = domain_of(edition)
    created = coordination.innovation_project_save(
        user=staff,
        edition=edition,
        city=city,
        domain=domain,
        title="Digitaler Zwilling",
        description="Ein Stadtmodell.",
        evidence_url="https://example.org/zwilling",
    )
    InnovationProject.objects.filter(pk=created.pk).update(
        bonus_points=Decimal("2.5"), bonus_justification="Vorbildlich.", awarded_by=reviewer
    )

    # when: a second save for the same domain updates the same project
    updated = coordination.innovation_project_save(
        user=staff,
        edition=edition,
        city=city,
        domain=domain,
        title="  Digitaler Zwilling 2.0 ",
        description="Ein Stadtmodell mit Sensoren.",
        evidence_url="",
        project=created,
    )

    # then
    stored = InnovationProject.objects.get()
    assert updated.pk == created.pk == stored.pk
    assert (stored.title, stored.description, stored.evidence_url) == (
        "Digitaler Zwilling 2.0",
        "Ein Stadtmodell mit Sensoren.",
        "",
    )
    assert (stored.bonus_points, stored.bonus_justification, stored.awarded_by) == (
        Decimal("2.5"),
        "Vorbildlich.",
        reviewer,
    )
    assert [r.history_change_reason for r in stored.history.order_by("history_id")] == ["eingereicht", "bearbeitet"]


def test_a_domain_of_another_edition_is_refused(edition, city, staff):
    other_edition = factories.small_edition(cities=0, year=2031)

    with pytest.raises(ValidationError) as error:
        coordination.innovation_project_save(
            user=staff,
            edition=edition,
            city=city,
            domain=domain_of(other_edition),
            title="Digitaler Zwilling",
            description="Ein Stadtmodell.",
        )

    assert error.value.message_dict == {"domain": ["Der Themenbereich gehört zu einer anderen Ausgabe."]}
    assert not InnovationProject.objects.exists()


def test_staff_of_another_city_cannot_submit_a_project(client, edition, city, other_city):
    outsider = UserFactory(cities=[other_city])

    with pytest.raises(PermissionDenied) as error:
        coordination.innovation_project_save(
            user=outsider, edition=edition, city=city, domain=domain_of(edition), title="X", description="Y"
        )
    client.force_login(outsider)
    response = client.post(
        projects_url(city, edition, "verwaltung/"), {"verwaltung-title": "X", "verwaltung-description": "Y"}
    )

    assert str(error.value) == "Sie können nur Projekte Ihrer eigenen Stadt einreichen."
    assert response.status_code == 404
    assert client.get(projects_url(city, edition)).status_code == 404
    assert not InnovationProject.objects.exists()


def test_projects_are_submitted_only_while_the_edition_collects(edition, city, staff):
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)

    with pytest.raises(WorkflowError) as error:
        coordination.innovation_project_save(
            user=staff, edition=edition, city=city, domain=domain_of(edition), title="X", description="Y"
        )

    assert message_of(error) == "Innovative Projekte können nur während der Datenerhebung eingereicht werden."
    assert not InnovationProject.objects.exists()


def test_a_project_passed_for_another_domain_is_refused(edition, city, staff):
    other = factories.InnovationProjectFactory(edition=edition, city=city, domain=domain_of(edition, "mobilitaet"))

    with pytest.raises(ValidationError) as error:
        coordination.innovation_project_save(
            user=staff, edition=edition, city=city, domain=domain_of(edition), title="X", description="Y", project=other
        )

    assert message_of(error) == "Das Projekt gehört nicht zu dieser Stadt, Ausgabe und diesem Themenbereich."
    assert InnovationProject.objects.get().title == "Digitaler Zwilling"


def test_the_project_form_saves_and_shows_the_awarded_bonus_read_only(client, edition, city, staff):
    # given
    client.force_login(staff)

    # when
    response = client.post(
        projects_url(city, edition, "mobilitaet/"),
        {
            "mobilitaet-title": "On-Demand-Shuttle",
            "mobilitaet-description": "Kleinbusse auf Abruf.",
            "mobilitaet-evidence_url": "example.org/shuttle",
        },
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == projects_url(city, edition) + "#d-mobilitaet"
    project = InnovationProject.objects.get()
    assert (project.domain.key, project.title, project.evidence_url) == (
        "mobilitaet",
        "On-Demand-Shuttle",
        "https://example.org/shuttle",
    )
    InnovationProject.objects.update(bonus_points=Decimal(3), bonus_justification="Gut belegt.")
    InnovationProject.objects.update(awarded_at=project.history.latest().history_date)
    content = client.get(projects_url(city, edition)).content.decode()
    assert "Bonus: 3 Punkte – Gut belegt." in content
    assert 'name="mobilitaet-bonus_points"' not in content


def test_a_project_without_a_title_gets_an_inline_message_and_nothing_is_saved(client, edition, city, staff):
    client.force_login(staff)

    response = client.post(
        projects_url(city, edition, "verwaltung/"), {"verwaltung-title": " ", "verwaltung-description": "Etwas."}
    )

    assert response.status_code == 400
    assert 'class="error" role="alert">Dieses Feld ist zwingend erforderlich.' in response.content.decode()
    assert not InnovationProject.objects.exists()


# --- Invitations are for their address (issue 15, item 6) --------------------------------------

WRONG_ADDRESS = (
    "Diese Einladung gilt für eine andere E-Mail-Adresse. Melden Sie sich mit dem Konto der eingeladenen "
    "Adresse an oder bitten Sie die Koordination, die Adresse Ihres Kontos einzuladen."
)


def test_a_signed_in_user_of_another_address_cannot_accept_an_invitation(client, city, coordinator):
    # given: an invitation for bochum@example.org, and "muenchen" signed in with their own address
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="bochum@example.org", role=Role.COORDINATOR, link_template=LINK
    )
    muenchen = UserFactory(username="muenchen", email="muenchen@example.org")
    client.force_login(muenchen)

    # when
    page = client.get(f"/portal/invitation/{token}/")
    response = client.post(f"/portal/invitation/{token}/")

    # then: refused, nothing changed
    assert WRONG_ADDRESS in page.content.decode()
    assert "Einladung annehmen" not in page.content.decode()
    assert response.status_code == 400
    assert WRONG_ADDRESS in response.content.decode()
    assert not CityMembership.objects.filter(user=muenchen).exists()
    invitation = StaffInvitation.objects.get()
    assert (invitation.accepted_at, invitation.accepted_by) == (None, None)


def test_the_service_refuses_an_invitation_for_another_address(city, coordinator):
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="bochum@example.org", role=Role.STAFF, link_template=LINK
    )
    other = UserFactory(email="")

    with pytest.raises(ValidationError) as error:
        coordination.staff_invitation_accept(user=other, token=token)

    assert message_of(error) == WRONG_ADDRESS
    assert error.value.code == "wrong_address"
    assert not CityMembership.objects.filter(user=other).exists()
    assert StaffInvitation.objects.get().accepted_at is None


def test_the_invited_address_accepts_whatever_its_case(city, coordinator):
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="Kollegin@Example.org", role=Role.STAFF, link_template=LINK
    )
    invitee = UserFactory(email="KOLLEGIN@example.ORG")

    membership = coordination.staff_invitation_accept(user=invitee, token=token)

    assert (membership.user, membership.city, membership.role) == (invitee, city, Role.STAFF)
    assert StaffInvitation.objects.get().accepted_by == invitee


def account_form(**changes):
    return {
        "username": "ina.neu",
        "first_name": "Ina",
        "last_name": "Neu",
        "password1": "Rathaus-Bochum-2025",
        "password2": "Rathaus-Bochum-2025",
        **changes,
    }


def test_an_invitation_creates_the_account_for_its_address(client, city, coordinator):
    # given: nobody has an account for the invited address; the link is opened without signing in
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="ina.neu@example.org", role=Role.STAFF, link_template=LINK
    )

    # when
    page = client.get(f"/portal/invitation/{token}/")
    response = client.post(f"/portal/invitation/{token}/", account_form(), follow=True)

    # then: the account has the invited address, belongs to the team and is signed in
    assert page.status_code == 200
    assert "Konto anlegen und Einladung annehmen" in page.content.decode()
    assert response.redirect_chain == [("/portal/", 302)]
    assert f"Willkommen im Team von {city.name}." in response.content.decode()
    user = CityMembership.objects.get(city=city, role=Role.STAFF).user
    assert (user.username, user.email, user.get_full_name()) == ("ina.neu", "ina.neu@example.org", "Ina Neu")
    assert user.check_password("Rathaus-Bochum-2025")
    assert response.context["user"] == user
    assert StaffInvitation.objects.get().accepted_by == user


def test_an_invitation_creates_no_second_account_for_an_address_that_has_one(client, city, coordinator):
    # given: the invited address has an account already
    existing = UserFactory(email="ina.neu@example.org")
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="ina.neu@example.org", role=Role.STAFF, link_template=LINK
    )

    # when
    page = client.get(f"/portal/invitation/{token}/")
    response = client.post(f"/portal/invitation/{token}/", account_form())

    # then: asked to sign in, nothing created
    text = "Für ina.neu@example.org gibt es bereits ein Konto. Bitte melden Sie sich an, um die Einladung anzunehmen."
    assert text in page.content.decode()
    assert f"/accounts/login/?next=/portal/invitation/{token}/" in page.content.decode()
    assert response.status_code == 400
    assert text in response.content.decode()
    assert list(type(existing).objects.filter(email__iexact="ina.neu@example.org")) == [existing]
    assert not CityMembership.objects.filter(city=city, role=Role.STAFF).exists()
    assert StaffInvitation.objects.get().accepted_at is None


def test_a_weak_password_creates_no_account(client, city, coordinator):
    _, token = coordination.staff_invite(
        user=coordinator, city=city, email="ina.neu@example.org", role=Role.STAFF, link_template=LINK
    )

    response = client.post(f"/portal/invitation/{token}/", account_form(password1="12345678", password2="12345678"))

    assert response.status_code == 400
    assert "Dieses Passwort ist zu üblich." in response.content.decode()
    assert not CityMembership.objects.filter(city=city, role=Role.STAFF).exists()
    assert StaffInvitation.objects.get().accepted_at is None


def test_an_invitation_mail_links_to_the_configured_site_whatever_host_the_request_named(
    client, settings, city, coordinator, django_capture_on_commit_callbacks
):
    # given: the configured address, and a request that names another host and port
    settings.SITE_URL = "https://sci.example.org/"
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    client.force_login(coordinator)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            team_url(city, "invite/"), {"email": "neu@example.org", "role": "staff"}, HTTP_HOST="evil.example:8443"
        )

    # then
    assert response.status_code == 302
    (message,) = mail.outbox
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1
    assert re.fullmatch(r"https://sci\.example\.org/portal/invitation/[A-Za-z0-9_-]{43}/", links[0])
    assert "evil.example" not in message.body
