"""The second factor of reviewers and editors: a TOTP code from an authenticator app (django-otp), required
by OTP_REQUIRED_FOR_STAFF_ROLES, optional otherwise; the site's login and the admin's alike."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
QUEUE = "/admin/indicators/answer/"
NEXT_QUEUE = "?next=%2Fadmin%2Findicators%2Fanswer%2F"


@pytest.fixture
def admin_reviewer(db):
    return UserFactory(username="rita", groups=["reviewers"], is_staff=True)


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED_FOR_STAFF_ROLES = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code and then the right one in the same second


def device_of(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)


def code_of(key: bytes, *, wrong: bool = False) -> str:
    code = totp(key)
    return f"{(code + 1) % 1_000_000 if wrong else code:06d}"


def admin_login(client, username="rita"):
    return client.post(f"/admin/login/?next={QUEUE}", {"username": username, "password": PASSWORD, "next": QUEUE})


def test_required_a_reviewer_without_an_app_cannot_reach_the_review_queue_before_setting_one_up(
    client, admin_reviewer, required
):
    # given: signed in with the password on the admin's login page
    assert admin_login(client).status_code == 302

    # when
    queue = client.get(QUEUE)
    api = client.get("/api/v1/review/answers/")
    setup = client.get(queue["Location"])

    # then: the queue sends to the set-up page, the API refuses; the page shows the QR code and the secret
    assert queue.status_code == 302 and queue["Location"] == "/accounts/two-factor/setup/" + NEXT_QUEUE
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    page = setup.content.decode()
    assert setup.status_code == 200 and "<svg" in page and "Authenticator-App einrichten" in page
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert TOTPDevice.objects.filter(user=admin_reviewer).count() == 0

    # when: a wrong code, then the app's code
    wrong = client.post(queue["Location"], {"code": code_of(b32decode(secret), wrong=True), "next": QUEUE})
    right = client.post(queue["Location"], {"code": code_of(b32decode(secret)), "next": QUEUE})

    # then: the wrong one is refused and saves nothing; the right one confirms the app and opens the queue
    assert wrong.status_code == 200
    assert "Der Code stimmt nicht oder ist abgelaufen." in wrong.content.decode()
    assert right.status_code == 302 and right["Location"] == QUEUE
    device = TOTPDevice.objects.get(user=admin_reviewer)
    assert device.confirmed and device.bin_key == b32decode(secret)
    assert client.get(QUEUE).status_code == 200


def test_required_a_reviewer_with_an_app_is_asked_for_the_code_and_a_wrong_one_is_refused(
    client, admin_reviewer, required
):
    # given
    device = device_of(admin_reviewer)
    admin_login(client)

    # when
    queue = client.get(QUEUE)
    wrong = client.post("/accounts/two-factor/", {"code": code_of(device.bin_key, wrong=True), "next": QUEUE})
    still = client.get(QUEUE)
    right = client.post("/accounts/two-factor/", {"code": code_of(device.bin_key), "next": QUEUE})

    # then
    assert queue.status_code == 302 and queue["Location"] == "/accounts/two-factor/" + NEXT_QUEUE
    assert wrong.status_code == 200 and "Der Code stimmt nicht oder ist abgelaufen." in wrong.content.decode()
    assert still.status_code == 302 and still["Location"].startswith("/accounts/two-factor/")
    assert right.status_code == 302 and right["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_used_code_does_not_open_a_second_sign_in(client, admin_reviewer, required):
    device = device_of(admin_reviewer)
    code = code_of(device.bin_key)
    admin_login(client)
    client.post("/accounts/two-factor/", {"code": code, "next": QUEUE})
    other = type(client)()
    admin_login(other)

    again = other.post("/accounts/two-factor/", {"code": code, "next": QUEUE})

    assert again.status_code == 200 and "Der Code stimmt nicht oder ist abgelaufen." in again.content.decode()


def test_guessing_is_slowed_down(client, admin_reviewer, settings):
    # given: a throttle that doubles a long wait after every wrong code
    settings.OTP_TOTP_THROTTLE_FACTOR = 3600
    device = device_of(admin_reviewer)
    admin_login(client)

    # when: a wrong code, then the right one
    client.post("/accounts/two-factor/", {"code": code_of(device.bin_key, wrong=True)})
    right = client.post("/accounts/two-factor/", {"code": code_of(device.bin_key), "next": QUEUE})

    # then: refused until the wait is over
    assert right.status_code == 200
    assert "Zu viele falsche Codes." in right.content.decode()


def test_a_code_that_is_not_six_digits_gets_a_clear_message(client, admin_reviewer, required):
    device_of(admin_reviewer)
    admin_login(client)

    response = client.post("/accounts/two-factor/", {"code": "12ab"})

    assert "Bitte geben Sie die sechs Ziffern ein, die Ihre App gerade anzeigt." in response.content.decode()


def test_required_the_sites_own_login_asks_an_editor_for_the_code_too(client, required):
    # given
    editor = UserFactory(username="eddi", groups=["editors"])
    device = device_of(editor)

    # when
    login = client.post("/accounts/login/", {"username": "eddi", "password": PASSWORD})
    portal = client.get(login["Location"])
    code = client.post("/accounts/two-factor/", {"code": code_of(device.bin_key), "next": "/portal/"})

    # then
    assert portal.status_code == 302 and portal["Location"] == "/accounts/two-factor/?next=%2Fportal%2F"
    assert code["Location"] == "/portal/" and client.get("/portal/").status_code == 200


def test_required_city_staff_have_no_second_factor(client, staff, required):
    client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})

    assert client.get("/portal/").status_code == 200
    assert client.get("/accounts/two-factor/setup/").status_code == 403


def test_optional_a_reviewer_without_an_app_goes_straight_in(client, admin_reviewer, settings):
    settings.OTP_REQUIRED_FOR_STAFF_ROLES = False

    admin_login(client)

    assert client.get(QUEUE).status_code == 200


def test_optional_a_reviewer_with_an_app_is_asked_for_the_code(client, admin_reviewer, settings):
    # given
    settings.OTP_REQUIRED_FOR_STAFF_ROLES = False
    device = device_of(admin_reviewer)
    admin_login(client)

    # when
    queue = client.get(QUEUE)
    code = client.post("/accounts/two-factor/", {"code": code_of(device.bin_key), "next": QUEUE})

    # then
    assert queue.status_code == 302 and queue["Location"].startswith("/accounts/two-factor/?next=")
    assert code["Location"] == QUEUE and client.get(QUEUE).status_code == 200


def test_optional_a_reviewer_may_set_up_an_app_and_is_asked_for_it_next_time(client, admin_reviewer, settings):
    # given
    settings.OTP_REQUIRED_FOR_STAFF_ROLES = False
    admin_login(client)
    page = client.get("/accounts/two-factor/setup/").content.decode()
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")

    # when
    done = client.post("/accounts/two-factor/setup/", {"code": code_of(b32decode(secret)), "next": QUEUE})
    client.post("/admin/logout/")
    admin_login(client)

    # then
    assert done["Location"] == QUEUE
    assert client.get(QUEUE)["Location"].startswith("/accounts/two-factor/")


def test_an_unconfirmed_sign_in_may_still_log_out(client, admin_reviewer, required):
    admin_login(client)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_the_setup_page_is_in_english_for_an_english_reader(client, admin_reviewer, required):
    admin_login(client)

    page = client.get("/en/accounts/two-factor/setup/").content.decode()

    assert "Set up an authenticator app" in page and "Scan this QR code with your app:" in page
