"""How long a sign-in lasts: an idle timeout and an absolute lifetime per role, checked on the next request
(the session's clocks are set back instead of waiting)."""

import time

import pytest
from django.contrib.messages import get_messages

from smartcity import session_policy
from tests.factories import UserFactory, api_token

pytestmark = pytest.mark.django_db

MINUTE, HOUR = 60, 3600


def signed_in(client, user):
    client.force_login(user)
    return client


def set_clocks(client, *, idle: float, since_login: float) -> None:
    """As if the user signed in `since_login` seconds ago and was last active `idle` seconds ago."""
    session = client.session
    now = time.time()
    session[session_policy.STARTED_KEY] = now - since_login
    session[session_policy.SEEN_KEY] = now - idle
    session.save()


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def admin_reviewer(db):
    return UserFactory(username="rita", groups=["reviewers"], is_staff=True)


def test_a_login_starts_the_clocks_and_notes_the_role(client, admin_reviewer, staff):
    # when: a reviewer signs in on the admin's login page, a city's staff on the site's
    before = time.time()
    client.post("/admin/login/", {"username": "rita", "password": "secret-pass-123"})
    other = type(client)()
    other.post("/accounts/login/", {"username": staff.username, "password": "secret-pass-123"})

    # then
    session = client.session
    assert session[session_policy.ROLE_KEY] == "review" and other.session[session_policy.ROLE_KEY] == "city"
    assert before <= session[session_policy.STARTED_KEY] == session[session_policy.SEEN_KEY] <= time.time()


def test_a_reviewer_idle_for_more_than_30_minutes_is_signed_out_with_a_message(client, admin_reviewer):
    # given
    signed_in(client, admin_reviewer)
    set_clocks(client, idle=30 * MINUTE + 5, since_login=HOUR)

    # when
    response = client.get("/admin/indicators/answer/")

    # then: signed out, sent to the admin's login, told why
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert texts(response) == ["Sie wurden nach 30 Minuten ohne Aktivität abgemeldet."]
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_the_message_appears_on_the_login_page_in_german_and_english(client, admin_reviewer):
    signed_in(client, admin_reviewer)
    set_clocks(client, idle=31 * MINUTE, since_login=HOUR)
    german = client.get("/portal/", follow=True).content.decode()
    signed_in(client, admin_reviewer)
    set_clocks(client, idle=31 * MINUTE, since_login=HOUR)
    english = client.get("/en/portal/", follow=True).content.decode()

    assert "Sie wurden nach 30 Minuten ohne Aktivität abgemeldet." in german
    assert "You were signed out after 30 minutes without activity." in english


def test_a_reviewer_active_29_minutes_ago_stays_and_the_activity_is_noted(client, admin_reviewer):
    # given
    signed_in(client, admin_reviewer)
    set_clocks(client, idle=29 * MINUTE, since_login=HOUR)

    # when
    response = client.get("/admin/indicators/answer/", follow=True)

    # then
    assert response.status_code == 200 and response.wsgi_request.path == "/admin/indicators/answer/"
    assert time.time() - client.session[session_policy.SEEN_KEY] < MINUTE


def test_a_reviewer_is_signed_out_12_hours_after_the_login_however_active(client, admin_reviewer):
    # given: active a minute ago, signed in 12 hours and a minute ago
    signed_in(client, admin_reviewer)
    set_clocks(client, idle=MINUTE, since_login=12 * HOUR + MINUTE)

    # when
    response = client.get("/admin/")

    # then
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert texts(response) == ["Ihre Anmeldung ist nach 12 Stunden abgelaufen. Bitte melden Sie sich neu an."]
    assert "_auth_user_id" not in client.session


def test_an_editor_has_the_reviewers_limits(client, editor):
    signed_in(client, editor)
    set_clocks(client, idle=31 * MINUTE, since_login=HOUR)

    response = client.get("/portal/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert texts(response) == ["Sie wurden nach 30 Minuten ohne Aktivität abgemeldet."]


def test_city_staff_stay_signed_in_for_two_idle_hours(client, staff):
    # given: idle 1 h 59 min, so far past the reviewers' 30 minutes
    signed_in(client, staff)
    set_clocks(client, idle=119 * MINUTE, since_login=3 * HOUR)

    # when
    response = client.get("/portal/")

    # then
    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_city_staff_are_signed_out_after_two_idle_hours(client, staff):
    signed_in(client, staff)
    set_clocks(client, idle=121 * MINUTE, since_login=3 * HOUR)

    response = client.get("/portal/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert texts(response) == ["Sie wurden nach 120 Minuten ohne Aktivität abgemeldet."]


def test_city_staff_are_signed_out_12_hours_after_the_login(client, staff):
    signed_in(client, staff)
    set_clocks(client, idle=MINUTE, since_login=12 * HOUR + MINUTE)

    response = client.get("/portal/")

    assert response.status_code == 302
    assert texts(response) == ["Ihre Anmeldung ist nach 12 Stunden abgelaufen. Bitte melden Sie sich neu an."]


def test_the_limits_come_from_the_settings(client, staff, settings):
    settings.SESSION_POLICIES = {**settings.SESSION_POLICIES, "city": {"idle_minutes": 1, "max_hours": 1}}
    signed_in(client, staff)
    set_clocks(client, idle=2 * MINUTE, since_login=10 * MINUTE)

    response = client.get("/portal/")

    assert response.status_code == 302
    assert texts(response) == ["Sie wurden nach 1 Minute ohne Aktivität abgemeldet."]


def test_an_htmx_request_after_the_timeout_reloads_the_whole_page_at_the_login(client, staff):
    signed_in(client, staff)
    set_clocks(client, idle=3 * HOUR, since_login=3 * HOUR)

    response = client.post(
        "/portal/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/portal/bochum/2030/",
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fportal%2Fbochum%2F2030%2F"
    assert "_auth_user_id" not in client.session


def test_a_session_from_before_the_policy_gets_its_clocks_started(client, staff):
    # given: a session without the policy's keys (signed in before it was deployed)
    signed_in(client, staff)
    session = client.session
    for key in (session_policy.STARTED_KEY, session_policy.SEEN_KEY, session_policy.ROLE_KEY):
        del session[key]
    session.save()

    # when
    response = client.get("/portal/")

    # then
    assert response.status_code == 200
    assert client.session[session_policy.ROLE_KEY] == "city"
    assert time.time() - client.session[session_policy.STARTED_KEY] < MINUTE


def test_an_api_request_with_a_token_is_not_affected(client, admin_reviewer):
    # given: a reviewer's token; no session at all
    secret = api_token(admin_reviewer, "read")

    # when
    response = client.get("/api/v1/review/answers/", HTTP_AUTHORIZATION=f"Bearer {secret}")

    # then
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
