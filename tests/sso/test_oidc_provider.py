"""Single sign-on against a real OpenID Connect provider (node oidc-provider on 127.0.0.1, tests/sso/conftest.py)
and the site's live server, over real HTTP: the authorization-code flow with PKCE, logout at both ends,
refusals, and forged ID tokens checked with the provider's real keys."""

import base64
import html
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import SuspiciousOperation

from indicators.models import CityMembership, StaffInvitation
from sso import discovery
from sso.backends import OIDCBackend
from sso.models import ClaimMapping, OIDCIdentity
from tests import factories
from tests.sso.conftest import re_search, sign_on, submit_form

pytestmark = [pytest.mark.oidc_provider, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(db):
    city = factories.CityFactory()
    return factories.UserFactory(username="alice.a", email="Alice@Stadt.example", cities=[city])


def _session_of(browser: requests.Session) -> SessionStore:
    return SessionStore(session_key=browser.cookies.get("sessionid"))


def test_linked_city_staff_signs_on_and_reaches_the_portal(live_server, sso_settings, alice, oidc_provider):
    # given: a browser at the site's login page, and alice's account with her (verified) address
    browser = requests.Session()
    # when
    page = sign_on(browser, live_server.url, "alice")
    # then: she is signed in as her existing account, on the portal, and linked by issuer + subject
    assert page.status_code == 200
    assert urlsplit(page.url).path == "/portal/"
    assert _session_of(browser)["_auth_user_id"] == str(alice.pk)
    identity = OIDCIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject) == (alice, oidc_provider.issuer, "alice")
    assert User.objects.count() == 1


def test_the_start_uses_pkce_state_and_nonce(live_server, sso_settings, alice):
    response = requests.get(f"{live_server.url}/oidc/start/", allow_redirects=False, timeout=30)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"] and query["nonce"] and query["response_type"] == ["code"]


def test_logout_ends_the_sites_session_and_the_providers(live_server, sso_settings, alice, oidc_provider):
    # given: alice signed on
    browser = requests.Session()
    portal = sign_on(browser, live_server.url, "alice")
    id_token = _session_of(browser)["oidc_id_token"]
    # when: she presses "Abmelden"
    response = browser.post(
        f"{live_server.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": portal.url},
        allow_redirects=False,
        timeout=30,
    )
    # then: the site's session is gone, and a page sends the browser on to the provider's logout with her ID
    # token (at once, and by a link)
    assert response.status_code == 200
    provider_logout = html.unescape(re_search(r'<a class="button" href="([^"]+)"', response.text))
    assert f'<meta http-equiv="refresh" content="0;url={html.escape(provider_logout)}">' in response.text
    location = urlsplit(provider_logout)
    assert f"{location.scheme}://{location.netloc}" == oidc_provider.issuer
    assert parse_qs(location.query)["id_token_hint"] == [id_token]
    assert parse_qs(location.query)["post_logout_redirect_uri"] == [f"{live_server.url}/"]
    assert browser.get(f"{live_server.url}/portal/", allow_redirects=False, timeout=30).status_code == 302
    # the provider asks to confirm, then sends her back to the site's home page
    confirm = browser.get(provider_logout, timeout=30)
    home = submit_form(browser, confirm, logout="yes")
    assert home.url == f"{live_server.url}/"
    assert home.status_code == 200
    # and the provider's session is over: signing on again asks for her login at the provider
    again = browser.get(f"{live_server.url}/oidc/start/", timeout=30)
    assert "/interaction/" in again.url and 'name="login"' in again.text


def test_a_password_login_logs_out_without_the_provider(live_server, sso_settings, alice, client):
    client.force_login(alice)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_unknown_person_is_refused_and_no_account_is_made(live_server, sso_settings, alice):
    browser = requests.Session()
    page = sign_on(browser, live_server.url, "eve")
    assert page.status_code == 403
    assert urlsplit(page.url).path == "/oidc/callback/"
    assert "Anmeldung nicht möglich" in page.text
    assert "Für Ihr Konto bei Ihrer Verwaltung gibt es hier keinen Zugang" in page.text
    assert "_auth_user_id" not in _session_of(browser)
    assert list(User.objects.values_list("username", flat=True)) == ["alice.a"]
    assert not OIDCIdentity.objects.exists()


def test_an_unverified_email_does_not_link_an_existing_account(live_server, sso_settings):
    # given: bob has an account with the address his provider sends, but as not verified
    bob = factories.UserFactory(username="bob", email="bob@stadt.example")
    browser = requests.Session()
    # when
    page = sign_on(browser, live_server.url, "bob")
    # then
    assert page.status_code == 403
    assert "nicht als bestätigt gemeldet" in page.text
    assert "_auth_user_id" not in _session_of(browser)
    assert not OIDCIdentity.objects.filter(user=bob).exists()


def test_an_open_invitation_is_accepted_by_the_first_sign_on(live_server, sso_settings):
    # given: nora has no account, but the coordination of a city has invited her address as coordinator
    city = factories.CityFactory()
    coordinator = factories.UserFactory()
    CityMembership.objects.create(user=coordinator, city=city, role=CityMembership.Role.COORDINATOR)
    from indicators.services.coordination import staff_invite

    staff_invite(user=coordinator, city=city, email="Nora@stadt.example", role="coordinator", link_template="x/{token}")
    browser = requests.Session()
    # when
    page = sign_on(browser, live_server.url, "nora")
    # then: her account exists (no usable password), she coordinates the city, the invitation is used up
    assert urlsplit(page.url).path == "/portal/"
    nora = User.objects.get(email="nora@stadt.example")
    assert (nora.username, nora.first_name, nora.last_name, nora.has_usable_password()) == (
        "nora@stadt.example",
        "Nora",
        "Neu",
        False,
    )
    assert CityMembership.objects.get(user=nora).role == CityMembership.Role.COORDINATOR
    assert StaffInvitation.objects.get().accepted_by == nora
    assert OIDCIdentity.objects.get().user == nora


def test_a_reviewer_still_gives_the_sites_second_factor(live_server, sso_settings):
    # given: second factors required for reviewers and editors; rita reviews
    sso_settings.OTP_REQUIRED_FOR_STAFF_ROLES = True
    rita = factories.UserFactory(username="rita", email="rita@index.example", groups=["reviewers"])
    browser = requests.Session()
    # when
    page = sign_on(browser, live_server.url, "rita")
    # then: signed in, but held at the set-up of an authenticator app like after a password login
    assert urlsplit(page.url).path == "/accounts/two-factor/setup/"
    assert _session_of(browser)["_auth_user_id"] == str(rita.pk)
    assert browser.get(f"{live_server.url}/admin/", allow_redirects=False, timeout=30).status_code == 302


def test_a_replayed_callback_is_refused(live_server, sso_settings, alice):
    # given: alice signed on; the provider's answer (code and state) is in the redirect history
    browser = requests.Session()
    page = sign_on(browser, live_server.url, "alice")
    callback = next(r.headers["Location"] for r in page.history if "/oidc/callback/" in r.headers.get("Location", ""))
    # when: the same answer comes again, in another browser without the state, and in hers (state used up)
    elsewhere = requests.get(callback, timeout=30)
    again = browser.get(callback, timeout=30)
    # then
    assert elsewhere.status_code == 403 and "_auth_user_id" not in SessionStore(elsewhere.cookies.get("sessionid"))
    assert again.status_code == 400
    assert "konnte nicht bestätigt werden" in again.text


def _flip_signature_byte(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return ".".join([header, payload, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()])


def _nonce(token: str) -> str:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["nonce"]


def test_forged_id_tokens_fail_the_librarys_checks_with_the_providers_keys(live_server, sso_settings, alice):
    # given: a real ID token the provider issued for alice's sign-on
    browser = requests.Session()
    sign_on(browser, live_server.url, "alice")
    token = _session_of(browser)["oidc_id_token"]
    nonce = _nonce(token)
    backend = OIDCBackend()
    # the genuine token passes (signature from the provider's JWKS, audience, issuer, nonce)
    assert backend.verify_token(token, nonce=nonce)["sub"] == "alice"
    # when / then: one flipped bit of the signature
    with pytest.raises(SuspiciousOperation, match="verification failed"):
        backend.verify_token(_flip_signature_byte(token), nonce=nonce)
    # another nonce than the one this browser's sign-on sent
    with pytest.raises(SuspiciousOperation, match="Nonce"):
        backend.verify_token(token, nonce="another-nonce")
    # a token for another client (audience)
    sso_settings.OIDC_RP_CLIENT_ID = "another-client"
    with pytest.raises(SuspiciousOperation, match="Audience"):
        backend.verify_token(token, nonce=nonce)
    # from another issuer (whose keys, for this check, are the provider's)
    sso_settings.OIDC_RP_CLIENT_ID = "smart-city-index"
    sso_settings.OIDC_OP_JWKS_ENDPOINT = discovery.endpoint("jwks_uri")
    sso_settings.OIDC_ISSUER = "https://login.other.example"
    with pytest.raises(SuspiciousOperation, match="issuer"):
        backend.verify_token(token, nonce=nonce)


def test_an_editors_claim_mapping_grants_its_city_to_a_person_without_an_account(live_server, sso_settings):
    # given: the editors map the group "sci-stadt-x" to a city's staff; gina's provider lists her in that group
    city = factories.CityFactory()
    ClaimMapping.objects.create(claim="groups", value="sci-stadt-x", city=city, role=CityMembership.Role.STAFF)
    browser = requests.Session()
    # when
    page = sign_on(browser, live_server.url, "gina")
    # then
    assert urlsplit(page.url).path == "/portal/"
    gina = User.objects.get(email="gina@stadt.example")
    assert list(gina.city_memberships.values_list("city", "role")) == [(city.pk, "staff")]
