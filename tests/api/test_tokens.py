"""Personal API tokens in the web UI: created and shown once, stored only as a digest, revoked by their owner."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from api.models import ApiToken, token_digest
from api.services import api_token_create, api_token_revoke
from tests.factories import UserFactory, api_token

RAW_TOKEN = re.compile(r"sci_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
LIST_URL = "/konto/tokens/"
CREATE_URL = "/konto/tokens/new/"


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def revoke_url(token: ApiToken) -> str:
    return f"/konto/tokens/{token.pk}/revoke/"


def raw_tokens_in(response) -> list[str]:
    return RAW_TOKEN.findall(response.content.decode())


def test_anonymous_users_are_sent_to_the_login(client, db):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={LIST_URL}"


def test_the_raw_token_is_shown_once_and_only_its_digest_is_stored(user_client, user):
    # when
    response = user_client.post(CREATE_URL, {"name": "Import Fachverfahren", "scope": "write"})

    # then: the page shows the token once, and nobody may cache it
    assert response.status_code == 200
    [raw] = raw_tokens_in(response)
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope, token.revoked_at) == (user, "Import Fachverfahren", "write", None)
    assert token.digest == token_digest(raw)
    assert raw.startswith(f"sci_{token.key}_")
    # and the raw token is nowhere in the database, not even in the session
    stored = " ".join(str(value) for value in ApiToken.objects.values_list().get())
    sessions = " ".join(session.get_decoded().__repr__() + session.session_data for session in Session.objects.all())
    assert raw not in stored
    assert raw not in sessions
    # and the list shows only the public part
    listing = user_client.get(LIST_URL)
    assert raw_tokens_in(listing) == []
    assert f"sci_{token.key}…" in listing.content.decode()


def test_the_list_shows_only_the_users_own_tokens_with_their_state(user_client, user):
    # given
    mine = ApiToken.objects.get(digest=token_digest(api_token(user, name="Mein Skript")))
    ApiToken.objects.filter(pk=mine.pk).update(last_used_at=timezone.now() - timedelta(days=1))
    revoked = ApiToken.objects.get(digest=token_digest(api_token(user, name="Altes Skript")))
    api_token_revoke(user=user, token=revoked)
    api_token(UserFactory(), name="Fremdes Skript")

    # when
    content = user_client.get(LIST_URL).content.decode()

    # then
    assert "Mein Skript" in content and "Altes Skript" in content
    assert "Fremdes Skript" not in content
    assert "widerrufen am" in content
    assert f'href="{revoke_url(mine)}"' in content
    assert f'href="{revoke_url(revoked)}"' not in content


def test_a_token_without_a_name_is_not_created(user_client):
    response = user_client.post(CREATE_URL, {"name": " ", "scope": "read"})

    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_every_token_form_needs_the_csrf_token(user, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = ApiToken.objects.get(digest=token_digest(api_token(user)))

    assert client.post(CREATE_URL, {"name": "x", "scope": "read"}).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    assert ApiToken.objects.count() == 1
    assert ApiToken.objects.get().revoked_at is None


def test_revoking_asks_first_then_the_token_no_longer_authenticates(user_client, user, edition):
    # given: a token that works
    raw = api_token(user)
    token = ApiToken.objects.get()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/review/answers/").status_code == 403  # authenticated, not a reviewer

    # when
    confirmation = user_client.get(revoke_url(token))
    response = user_client.post(revoke_url(token))

    # then
    assert confirmation.status_code == 200
    assert "Soll das Token" in confirmation.content.decode()
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    token.refresh_from_db()
    assert token.revoked_at is not None
    answer = api.get("/api/v1/review/answers/")
    assert answer.status_code == 401
    assert answer.json() == {
        "message": "Das Token ist ungültig oder widerrufen.",
        "code": "authentication_failed",
        "errors": {},
    }


def test_another_users_token_page_does_not_exist(user_client):
    # given
    token = ApiToken.objects.get(digest=token_digest(api_token(UserFactory())))

    # when / then
    assert user_client.get(revoke_url(token)).status_code == 404
    assert user_client.post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_keeps_the_first_time(user):
    token, _raw = api_token_create(user=user, name="Skript", scope="read")
    first = api_token_revoke(user=user, token=token).revoked_at

    second = api_token_revoke(user=user, token=token).revoked_at

    assert first is not None
    assert second == first


def test_the_service_refuses_to_revoke_another_users_token(user):
    token, _raw = api_token_create(user=UserFactory(), name="Skript", scope="read")

    with pytest.raises(Exception, match="nur Ihre eigenen Tokens"):
        api_token_revoke(user=user, token=token)


def test_a_read_token_cannot_write(api_client, staff, city, edition):
    client = api_client(staff, scope="read")

    response = client.put(
        f"/api/v1/workspace/{city.slug}/{edition.year}/answers/online-termine/",
        {"value": True, "version": 0},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {"message": "Dieses Token darf nur lesen.", "code": "permission_denied", "errors": {}}
    assert client.get(f"/api/v1/workspace/{city.slug}/{edition.year}/answers/online-termine/").status_code == 200


def test_using_a_token_records_when_it_was_last_used(staff, city, edition):
    raw = api_token(staff)
    assert ApiToken.objects.get().last_used_at is None

    Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(f"/api/v1/workspace/{city.slug}/{edition.year}/answers/")

    last_used = ApiToken.objects.get().last_used_at
    assert last_used is not None
    assert timezone.now() - last_used < timedelta(minutes=1)


def test_the_signed_in_navigation_links_to_the_tokens(user_client):
    assert f'href="{LIST_URL}"' in user_client.get(LIST_URL).content.decode()
