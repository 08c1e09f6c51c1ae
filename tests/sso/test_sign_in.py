"""Who a single sign-on is (sso/services.py): links, verified addresses, invitations, claim mappings, refusals;
and the switch, the login page's button and the system checks. The real flow is in test_oidc_provider.py."""

import pytest
from django.contrib.auth.models import User
from django.core.checks import run_checks

from indicators.models import CityMembership, StaffInvitation
from indicators.services.coordination import staff_invite
from sso.models import ClaimMapping, OIDCIdentity
from sso.services import SignInRefused, claim_grants, oidc_sign_in
from tests import factories

ISSUER = "https://login.stadt.example"


def _claims(sub="s-1", email="person@stadt.example", verified=True, **more):
    return {"sub": sub, "email": email, "email_verified": verified, **more}


@pytest.fixture
def person(db):
    return factories.UserFactory(username="person", email="Person@Stadt.example")


def test_the_first_sign_on_links_the_account_with_the_verified_address(person):
    assert oidc_sign_in(issuer=ISSUER, claims=_claims()) == person
    identity = OIDCIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject, identity.email) == (
        person,
        ISSUER,
        "s-1",
        "person@stadt.example",
    )


def test_a_linked_subject_signs_on_even_with_a_changed_address(person):
    OIDCIdentity.objects.create(user=person, issuer=ISSUER, subject="s-1")
    assert oidc_sign_in(issuer=ISSUER, claims=_claims(email="new@elsewhere.example", verified=False)) == person
    assert OIDCIdentity.objects.get().last_login_at is not None


@pytest.mark.parametrize("verified", [False, None, "false"])
def test_an_unverified_address_links_nothing(person, verified):
    claims = _claims(verified=verified)
    if verified is None:
        del claims["email_verified"]
    with pytest.raises(SignInRefused) as refusal:
        oidc_sign_in(issuer=ISSUER, claims=claims)
    assert refusal.value.code == "email_unverified"
    assert "nicht als bestätigt gemeldet" in str(refusal.value.message)
    assert not OIDCIdentity.objects.exists()


def test_a_verified_address_given_as_a_string_counts(person):
    assert oidc_sign_in(issuer=ISSUER, claims=_claims(verified="true")) == person


def test_an_unknown_person_is_refused_and_nothing_is_written(db):
    with pytest.raises(SignInRefused) as refusal:
        oidc_sign_in(issuer=ISSUER, claims=_claims(email="nobody@stadt.example"))
    assert refusal.value.code == "unknown"
    assert not User.objects.exists() and not OIDCIdentity.objects.exists()


def test_a_token_without_subject_is_refused(person):
    with pytest.raises(SignInRefused):
        oidc_sign_in(issuer=ISSUER, claims=_claims(sub=""))


def test_an_inactive_account_is_refused_by_address_and_by_link(person):
    person.is_active = False
    person.save()
    with pytest.raises(SignInRefused) as by_address:
        oidc_sign_in(issuer=ISSUER, claims=_claims())
    OIDCIdentity.objects.create(user=person, issuer=ISSUER, subject="s-1")
    with pytest.raises(SignInRefused) as by_link:
        oidc_sign_in(issuer=ISSUER, claims=_claims())
    assert by_address.value.code == by_link.value.code == "inactive"


def test_two_accounts_with_the_address_are_refused(person):
    factories.UserFactory(email="person@stadt.example")
    with pytest.raises(SignInRefused) as refusal:
        oidc_sign_in(issuer=ISSUER, claims=_claims())
    assert refusal.value.code == "ambiguous"


def test_a_second_subject_cannot_take_over_a_linked_account(person):
    OIDCIdentity.objects.create(user=person, issuer=ISSUER, subject="s-1")
    with pytest.raises(SignInRefused) as refusal:
        oidc_sign_in(issuer=ISSUER, claims=_claims(sub="s-2"))
    assert refusal.value.code == "linked_elsewhere"
    assert list(OIDCIdentity.objects.values_list("subject", flat=True)) == ["s-1"]


def test_an_open_invitation_makes_the_account_and_joins_the_city(edition, city):
    coordinator = factories.UserFactory()
    CityMembership.objects.create(user=coordinator, city=city, role=CityMembership.Role.COORDINATOR)
    staff_invite(user=coordinator, city=city, email="new@stadt.example", role="staff", link_template="x/{token}")
    user = oidc_sign_in(issuer=ISSUER, claims=_claims(email="New@stadt.example", given_name="Neu"))
    assert (user.username, user.email, user.first_name, user.has_usable_password()) == (
        "new@stadt.example",
        "new@stadt.example",
        "Neu",
        False,
    )
    assert CityMembership.objects.get(user=user).city == city
    assert StaffInvitation.objects.get().accepted_by == user


def test_an_expired_invitation_lets_nobody_in(edition, city):
    coordinator = factories.UserFactory()
    CityMembership.objects.create(user=coordinator, city=city, role=CityMembership.Role.COORDINATOR)
    invitation, _ = staff_invite(
        user=coordinator, city=city, email="new@stadt.example", role="staff", link_template="x/{token}"
    )
    StaffInvitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    with pytest.raises(SignInRefused):
        oidc_sign_in(issuer=ISSUER, claims=_claims(email="new@stadt.example"))
    assert not User.objects.filter(email="new@stadt.example").exists()


def test_claim_mappings_match_values_and_list_members_and_coordination_wins(edition, city, other_city):
    ClaimMapping.objects.create(claim="groups", value="sci-a", city=city, role="staff")
    ClaimMapping.objects.create(claim="department", value="Amt 10", city=city, role="coordinator")
    ClaimMapping.objects.create(claim="groups", value="sci-b", city=other_city, role="staff")
    assert claim_grants({"groups": ["x", "sci-a"], "department": "Amt 10"}) == {city.pk: "coordinator"}
    assert claim_grants({"groups": "sci-b"}) == {other_city.pk: "staff"}
    assert claim_grants({"groups": ["sci-ab"], "department": "Amt 1"}) == {}


def test_without_a_mapping_a_token_grants_no_city(person, edition, city):
    user = oidc_sign_in(issuer=ISSUER, claims=_claims(groups=["sci-a"], city=city.slug, role="coordinator"))
    assert not user.city_memberships.exists()


def test_a_mapping_adds_its_city_to_a_linked_user_and_keeps_an_existing_role(person, edition, city, other_city):
    # given: person coordinates city; the editors map a group to city (staff) and to other_city (staff)
    CityMembership.objects.create(user=person, city=city, role="coordinator")
    ClaimMapping.objects.create(claim="groups", value="sci", city=city, role="staff")
    ClaimMapping.objects.create(claim="groups", value="sci", city=other_city, role="staff")
    OIDCIdentity.objects.create(user=person, issuer=ISSUER, subject="s-1")
    # when
    oidc_sign_in(issuer=ISSUER, claims=_claims(groups=["sci"]))
    # then
    assert dict(person.city_memberships.values_list("city", "role")) == {city.pk: "coordinator", other_city.pk: "staff"}


def test_a_mapping_makes_the_account_of_a_verified_stranger_only(edition, city):
    ClaimMapping.objects.create(claim="groups", value="sci", city=city, role="staff")
    with pytest.raises(SignInRefused):
        oidc_sign_in(issuer=ISSUER, claims=_claims(email="x@stadt.example", verified=False, groups=["sci"]))
    assert not User.objects.exists()
    user = oidc_sign_in(issuer=ISSUER, claims=_claims(email="x@stadt.example", groups=["sci"]))
    assert list(user.city_memberships.values_list("city", "role")) == [(city.pk, "staff")]


def test_a_refused_link_writes_no_membership(person, edition, city):
    # given: the account is linked to another subject; a mapping would grant a city
    OIDCIdentity.objects.create(user=person, issuer=ISSUER, subject="s-1")
    ClaimMapping.objects.create(claim="groups", value="sci", city=city, role="staff")
    # when
    with pytest.raises(SignInRefused):
        oidc_sign_in(issuer=ISSUER, claims=_claims(sub="s-2", groups=["sci"]))
    # then
    assert not person.city_memberships.exists()


# --- The switch, the login page and the checks ----------------------------------------------------


def test_without_oidc_the_login_page_has_no_button_and_the_start_is_not_found(client, settings):
    settings.OIDC_ENABLED = False
    assert "Mit dem Konto Ihrer Verwaltung anmelden" not in client.get("/accounts/login/").content.decode()
    assert client.get("/oidc/start/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_with_oidc_the_login_page_offers_the_button_with_the_configured_label(client, settings):
    settings.OIDC_ENABLED = True
    page = client.get("/accounts/login/?next=/portal/").content.decode()
    assert 'href="/oidc/start/?next=/portal/"' in page
    assert "Mit dem Konto Ihrer Verwaltung anmelden" in page
    assert "Sign in with your administration&#x27;s account" in client.get("/en/accounts/login/").content.decode()
    settings.OIDC_BUTTON_LABEL = "Anmelden mit dem Stadtkonto"
    assert "Anmelden mit dem Stadtkonto" in client.get("/accounts/login/").content.decode()


def test_the_refusal_page_is_in_the_sites_layout_and_german(client, settings, person):
    settings.OIDC_ENABLED = True
    german = client.get("/oidc/callback/?code=x&state=y")  # no sign-on was started in this browser
    assert german.status_code == 403
    assert "Anmeldung nicht möglich" in german.content.decode()
    assert 'href="/accounts/login/"' in german.content.decode()
    # the callback has no language prefix (one fixed address for the provider), so it speaks the site's German
    page = client.get("/oidc/callback/?code=x&state=y", headers={"accept-language": "en"}).content.decode()
    assert "konnte nicht bestätigt werden" in page


def test_an_unreachable_provider_gets_a_german_page(client, settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = client.get("/oidc/start/")
    assert response.status_code == 502
    assert "Der Anmeldedienst Ihrer Verwaltung ist gerade nicht erreichbar" in response.content.decode()


def _check_ids(settings) -> set[str]:
    return {message.id for message in run_checks() if message.id.startswith("smartcity.E01")}


def test_enabled_oidc_without_its_settings_is_a_system_check_error(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = settings.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_SECRET = ""
    assert _check_ids(settings) == {"smartcity.E010"}
    settings.OIDC_ISSUER, settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = (ISSUER, "sci", "secret")
    assert _check_ids(settings) == set()
    settings.OIDC_RP_SCOPES = "openid profile"
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    settings.OIDC_ISSUER = "login.stadt.example"
    assert _check_ids(settings) == {"smartcity.E011", "smartcity.E013", "smartcity.E014"}
    settings.OIDC_ISSUER, settings.DEBUG = "http://login.stadt.example", False
    assert "smartcity.E012" in _check_ids(settings)


def test_disabled_oidc_needs_no_settings(settings):
    settings.OIDC_ENABLED = False
    settings.OIDC_ISSUER = ""
    assert _check_ids(settings) == set()


def test_refused_sign_ons_do_not_count_towards_the_login_lockout(rf, settings, person):
    # given: six sign-ons refused at the callback (here: single sign-on off, so the backend answers None)
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate

    settings.OIDC_ENABLED = False
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        request = rf.get("/oidc/callback/", {"code": "c", "state": "s"})
        request.session = {}
        assert authenticate(request=request, nonce="n", code_verifier="v" * 43) is None
    # then: no failure is recorded, and the same address may still log in with a password
    assert not AccessAttempt.objects.exists()
    login = rf.post("/accounts/login/")
    assert authenticate(request=login, username="person", password="secret-pass-123") == person
    # while wrong passwords still count
    authenticate(request=rf.post("/accounts/login/"), username="person", password="wrong")
    assert AccessAttempt.objects.get().failures_since_start == 1
