"""The legal pages (Impressum, Datenschutz, Barrierefreiheit): in German and English, linked from the footer of
every kind of page, filled from settings; the accessibility feedback stored, mailed through its outbox and refused
when wrong."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from public.feedback import feedback_mail_send
from public.legal import GAPS_FILE, accessibility_gaps
from public.models import AccessibilityFeedback
from tests import factories

pytestmark = pytest.mark.django_db

LEGAL_PAGES = {"/impressum/": ("Impressum", "Legal notice"), "/datenschutz/": ("Datenschutzerklärung", "Privacy"),
               "/barrierefreiheit/": ("Erklärung zur Barrierefreiheit", "Accessibility statement")}  # fmt: skip
FOOTER_LINKS_DE = (
    'href="/impressum/"',
    'href="/datenschutz/"',
    'href="/barrierefreiheit/"',
    'href="/faq/"',
    'href="/portal/hilfe/"',
)
VALID = {"name": "", "email": "leserin@example.org", "message": "Die Tabelle ist mit dem Screenreader unlesbar.",
         "page_url": "/ranking/", "website": ""}  # fmt: skip


def assert_footer_links(body: str, prefix: str = "") -> None:
    for link in FOOTER_LINKS_DE:
        assert link.replace('href="/', f'href="{prefix}/') in body, link


@pytest.mark.parametrize("url", LEGAL_PAGES)
def test_each_legal_page_renders_in_german_and_english(client, url):
    german, english = LEGAL_PAGES[url]

    de = client.get(url)
    en = client.get("/en" + url)

    assert de.status_code == 200 and en.status_code == 200
    assert f"<h1>{german}</h1>" in de.content.decode() and '<html lang="de">' in de.content.decode()
    assert english in en.content.decode() and '<html lang="en">' in en.content.decode()
    assert_footer_links(en.content.decode(), prefix="/en")


def test_a_public_page_has_the_legal_links_in_its_footer(client):
    response = client.get("/methodik/")

    assert response.status_code == 200
    assert_footer_links(response.content.decode())


def test_a_portal_page_has_the_legal_links_in_its_footer(client, staff):
    client.force_login(staff)

    response = client.get("/portal/")

    assert response.status_code == 200
    assert_footer_links(response.content.decode())


@pytest.mark.parametrize("url", ["/admin/login/", "/en/admin/login/"])
def test_the_admin_login_has_the_legal_links_in_its_footer(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert_footer_links(response.content.decode(), prefix="/en" if url.startswith("/en/") else "")


def test_an_admin_page_has_the_legal_links_in_its_footer(client, role_groups):
    client.force_login(factories.UserFactory(groups=["editors"], is_staff=True))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert_footer_links(response.content.decode())


def test_the_demo_values_say_they_are_demo_values(client):
    body = client.get("/impressum/").content.decode()

    assert "Demo-Angaben:" in body
    assert "(Demo-Angabe)" in body


def test_the_operators_facts_come_from_settings(client, settings):
    # given: an operator who filled in the settings
    settings.LEGAL_DEMO = False
    settings.LEGAL_OPERATOR_NAME = "Stadt Beispielhausen, Amt für Digitales"
    settings.LEGAL_OPERATOR_ADDRESS = ["Rathausplatz 1", "99999 Beispielhausen"]
    settings.LEGAL_OPERATOR_EMAIL = "digital@beispielhausen.de"
    settings.LEGAL_DPO = "Dr. Datenschutz"
    settings.LEGAL_HOSTING_PROVIDER = "Kommunales Rechenzentrum Süd"
    settings.LEGAL_ACCESS_LOG_DAYS = 3
    settings.ACCESSIBILITY_CONCILIATION_BODY = "Landesschlichtungsstelle Beispielland"
    settings.ACCESSIBILITY_CONCILIATION_URL = "https://schlichtung.beispielland.de/"

    impressum = client.get("/impressum/").content.decode()
    privacy = client.get("/datenschutz/").content.decode()
    statement = client.get("/barrierefreiheit/").content.decode()

    assert "Stadt Beispielhausen, Amt für Digitales" in impressum
    assert "Rathausplatz 1<br>" in impressum and 'href="mailto:digital@beispielhausen.de"' in impressum
    assert "Demo-Angaben:" not in impressum and "Demo-Angaben:" not in privacy
    assert "Dr. Datenschutz" in privacy
    assert "Kommunales Rechenzentrum Süd" in privacy and "nach 3 Tagen gelöscht" in privacy
    assert '<a href="https://schlichtung.beispielland.de/">Landesschlichtungsstelle Beispielland</a>' in statement
    assert "Stadt Beispielhausen, Amt für Digitales ist bemüht" in statement


def test_the_privacy_notice_names_every_cookie_by_its_configured_name_and_no_tracking(client, settings):
    settings.SESSION_COOKIE_NAME = "sci_sitzung"
    settings.CSRF_COOKIE_NAME = "sci_csrf"
    settings.LANGUAGE_COOKIE_NAME = "sci_sprache"

    body = client.get("/datenschutz/").content.decode()

    for name in ("sci_sitzung", "sci_csrf", "sci_sprache", "messages"):
        assert f"<code>{name}</code>" in body
    assert "kein Tracking" in body
    assert "bis zur Abmeldung, höchstens 12 Stunden" in body  # SESSION_COOKIE_AGE
    assert "Änderungshistorie" in body and "Fehlgeschlagene Anmeldungen" in body


def test_the_pages_set_the_cookies_the_privacy_notice_says_and_no_other(client, settings):
    # given: the public pages set no cookie; a page with a form sets the CSRF cookie only
    for url in ("/impressum/", "/datenschutz/", "/methodik/"):
        assert dict(client.get(url).cookies) == {}, url

    assert set(client.get("/barrierefreiheit/").cookies) == {settings.CSRF_COOKIE_NAME}


def test_the_statement_lists_every_known_gap_from_the_one_file_in_the_pages_language(client):
    gaps = accessibility_gaps()

    de = client.get("/barrierefreiheit/").content.decode()
    en = client.get("/en/barrierefreiheit/").content.decode()

    assert len(gaps) >= 1
    for gap in gaps:
        assert f"<li>{escape(gap.reason_de)}</li>" in de
        assert f"<li>{escape(gap.reason_en)}</li>" in en
        assert escape(gap.reason_en) not in de
    assert "teilweise mit der BITV 2.0 vereinbar" in de
    assert 'href="https://www.schlichtungsstelle-bgg.de"' in de
    assert "30 Tage" in de


def test_the_gaps_file_has_the_agreed_shape():
    import tomllib

    data = tomllib.loads(GAPS_FILE.read_text(encoding="utf-8"))

    assert set(data) == {"gap"}
    for gap in data["gap"]:
        assert set(gap) == {"rule", "pages", "reason_de", "reason_en"}
        assert gap["rule"] and gap["reason_de"].strip() and gap["reason_en"].strip()
        assert gap["pages"] and all(page == "*" or page.startswith("/") for page in gap["pages"])


def test_feedback_is_stored_mailed_to_the_operator_and_confirmed(client, settings, django_capture_on_commit_callbacks):
    # given
    settings.ACCESSIBILITY_FEEDBACK_EMAIL = "barrierefrei@beispielhausen.de"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/barrierefreiheit/", VALID)

    # then: stored, due in a month, mailed once to the operator with a reply-to of the sender
    assert response.status_code == 302 and response["Location"] == "/barrierefreiheit/danke/"
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.email == "leserin@example.org" and feedback.page_url == "/ranking/"
    assert feedback.answer_due == (feedback.created_at + timedelta(days=30)).date()
    assert feedback.answered_at is None and feedback.mailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["barrierefrei@beispielhausen.de"] and message.reply_to == ["leserin@example.org"]
    assert "Die Tabelle ist mit dem Screenreader unlesbar." in message.body
    assert f"/admin/public/accessibilityfeedback/{feedback.pk}/change/" in message.body
    assert "Vielen Dank, Ihre Nachricht ist eingegangen" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "keine-adresse"}, "Bitte geben Sie eine gültige E-Mail-Adresse an, damit wir antworten können."),
        ({"email": ""}, "Dieses Feld ist zwingend erforderlich."),
        ({"message": "kurz"}, "Bitte beschreiben Sie die Barriere in mindestens 10 Zeichen."),
        ({"message": "x" * 5001}, "höchstens 5000 Zeichen"),
        ({"website": "http://spam.example/"}, "Diese Nachricht wurde als unerwünscht erkannt und nicht gespeichert."),
    ],
)
def test_wrong_feedback_gets_a_german_message_and_nothing_is_stored(client, change, message):
    with_change = {**VALID, **change}

    response = client.post("/barrierefreiheit/", with_change)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert AccessibilityFeedback.objects.count() == 0
    assert mail.outbox == []


def test_feedback_over_the_hourly_limit_is_refused_and_not_stored(client, settings):
    settings.ACCESSIBILITY_FEEDBACK_PER_HOUR = 1
    client.post("/barrierefreiheit/", VALID)

    response = client.post("/barrierefreiheit/", VALID)

    assert response.status_code == 429
    assert "schon mehrere Nachrichten gesendet" in response.content.decode()
    assert AccessibilityFeedback.objects.count() == 1


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")


def test_a_failing_mail_server_only_postpones_the_mail(client, settings, django_capture_on_commit_callbacks):
    # given: feedback stored while the mail server is down
    settings.EMAIL_BACKEND = "tests.public.test_legal.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/barrierefreiheit/", VALID)
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.mailed_at is None and feedback.attempts == 1
    assert "the mail server went away" in feedback.last_error

    # when: the server is back, before and after the backoff
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    early = feedback_mail_send(now=timezone.now())
    later = feedback_mail_send(now=timezone.now() + timedelta(minutes=2))

    # then
    assert early == {"sent": 0, "failed": 0}
    assert later == {"sent": 1, "failed": 0}
    assert len(mail.outbox) == 1
    assert feedback_mail_send(now=timezone.now() + timedelta(hours=2)) == {"sent": 0, "failed": 0}


def test_editors_see_the_feedback_in_the_german_admin_and_cannot_add_any(client, role_groups):
    # given
    client.post("/barrierefreiheit/", VALID)
    feedback = AccessibilityFeedback.objects.get()
    client.force_login(factories.UserFactory(groups=["editors"], is_staff=True))

    # when
    listing = client.get("/admin/public/accessibilityfeedback/")
    change = client.get(f"/admin/public/accessibilityfeedback/{feedback.pk}/change/")

    # then
    assert listing.status_code == 200
    assert "Rückmeldungen zur Barrierefreiheit" in listing.content.decode()
    assert "leserin@example.org" in listing.content.decode()
    assert "zu beantworten bis" in listing.content.decode().lower()
    assert change.status_code == 200 and "Vermerk der Redaktion" in change.content.decode()
    assert client.get("/admin/public/accessibilityfeedback/add/").status_code == 403


def test_the_editors_record_the_answer_in_the_admin(client, role_groups):
    client.post("/barrierefreiheit/", VALID)
    feedback = AccessibilityFeedback.objects.get()
    client.force_login(factories.UserFactory(groups=["editors"], is_staff=True))
    answered = timezone.localtime()

    response = client.post(
        f"/admin/public/accessibilityfeedback/{feedback.pk}/change/",
        {
            "answered_at_0": answered.strftime("%d.%m.%Y"),
            "answered_at_1": answered.strftime("%H:%M:%S"),
            "note": "Per E-Mail beantwortet.",
        },  # fmt: skip
    )

    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.answered_at is not None and feedback.note == "Per E-Mail beantwortet."
    assert feedback.email == "leserin@example.org"  # read-only fields stay as they came


def test_the_deploy_check_warns_about_demo_legal_texts(settings):
    settings.DEBUG = False

    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    settings.LEGAL_DEMO = False
    ids_filled = {message.id for message in run_checks(include_deployment_checks=True)}

    assert "smartcity.W004" in ids
    assert "smartcity.W004" not in ids_filled


def test_feedback_mail_is_requested_by_a_registered_task_name():
    from smartcity.task_queue import registered_task

    assert registered_task("public.tasks.accessibility_feedback_send_task").name == (
        "public.tasks.accessibility_feedback_send_task"
    )


def test_an_unknown_client_is_not_confused_with_another(client):
    """Two addresses have their own hourly counts (the limit keys on the client's address)."""
    other = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(5):
        assert client.post("/barrierefreiheit/", VALID).status_code == 302

    assert client.post("/barrierefreiheit/", VALID).status_code == 429
    assert other.post("/barrierefreiheit/", VALID).status_code == 302
