"""Nothing of an unpublished edition leaks: not to the public (pages, open data, API in JSON and CSV,
simulator), not to another city's staff (portal, workspace API, comments, evidence, history), not to
webhook receivers (payloads carry identifiers and counts, never values or scores).

The world (conftest.py) has an unpublished edition 2030 whose answers are all approved and scored in an
unpublished run, with city A's "wartezeit" = 987654.321, a note, a source URL and a project title that all
contain GEHEIM-XYZ (its "ladepunkte" is an official value whose source and file name contain it too: an
unpublished official value is as private as any other); and the published edition 2029 of the same cities.
"""

import json

import pytest
from django.test import Client

from indicators.models import Answer, Edition, Participation
from indicators.services import answer_approve
from scoring.models import CityScore, ScoreRun
from tests import factories
from tests.factories import api_token
from tests.security.conftest import PUBLISHED_YEAR, SECRET_SPELLINGS, UNPUBLISHED_YEAR
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db

OUTSIDERS = ("anonymous", "staff_b", "own_city_reviewer")
UNPUBLISHED_TITLE = f"Smart City Index {UNPUBLISHED_YEAR}"

# (path, expected status) of the public surface; {city} is city A. Unpublished years are asked for
# explicitly; the rest defaults to the newest published edition.
PUBLIC = [
    ("/", 200),
    ("/ranking/", 200),
    ("/ranking/{year}/", 404),
    ("/ranking/{year}/indikator/serviceportal/", 404),
    ("/ranking/{published_year}/indikator/serviceportal/", 200),
    ("/stadt/{city}/", 200),
    ("/stadt/{city}/{year}/", 404),
    ("/stadt/{city}/{published_year}/", 200),
    ("/vergleich/{year}/?stadt={city}&stadt={city_b}", 404),
    ("/vergleich/{published_year}/?stadt={city}&stadt={city_b}", 200),
    ("/simulator/{year}/", 404),
    ("/simulator/{year}/{city}/", 404),
    ("/simulator/{published_year}/{city}/", 200),
    ("/simulator/{published_year}/{city}/?p-wartezeit=1", 200),
    ("/methodik/", 200),
    ("/methodik/{year}/", 404),
    ("/faq/", 200),
    ("/daten/", 200),
    *[(f"/daten/{{year}}/{dataset}.{fmt}", 404) for dataset in ("results", "answers") for fmt in ("csv", "json")],
    *[
        (f"/daten/{{published_year}}/{dataset}.{fmt}", 200)
        for dataset in ("results", "answers")
        for fmt in ("csv", "json")
    ],
    ("/api/v1/editions/", 200),
    ("/api/v1/editions/{year}/", 404),
    ("/api/v1/editions/{year}/methodology/", 404),
    *[
        (f"/api/v1/{endpoint}/{query}", status)
        for endpoint in ("domains", "indicators", "parameters", "cities", "rankings", "answers")
        for query, status in (("", 200), ("?edition={year}", 400))
    ],
    ("/api/v1/rankings/?format=csv", 200),
    ("/api/v1/rankings/?format=csv&edition={year}", 400),
    ("/api/v1/answers/?city={city}", 200),
    ("/api/v1/answers/?city={city}&parameter=wartezeit", 200),
    ("/api/v1/cities/{city}/", 200),
    ("/api/v1/cities/{city}/scores/", 200),
    ("/api/v1/cities/{city}/scores/?edition={year}", 400),
    ("/api/v1/cities/{city}/history/", 200),
    ("/api/v1/simulator/?city={city}", 200),
    ("/api/v1/simulator/?city={city}&edition={year}", 400),
    ("/api/v1/cities/{city}/gains/", 200),
    ("/api/v1/cities/{city}/gains/?edition={year}", 400),
]


def assert_no_secret(body: bytes, where: str) -> None:
    text = body.decode("utf-8", errors="replace")
    for spelling in SECRET_SPELLINGS:
        assert spelling not in text, f"{spelling!r} leaks through {where}"


@pytest.mark.parametrize(("path", "status"), [pytest.param(p, s, id=p) for p, s in PUBLIC])
def test_no_public_page_file_or_endpoint_shows_the_unpublished_edition(w, path, status):
    # given
    url = path.format(**w.names)

    for role in OUTSIDERS:
        # when
        response = w.client(role).get(url)

        # then: the expected status, and no trace of the unpublished edition's values or title
        assert response.status_code == status, (role, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content  # files stream
        assert_no_secret(body, f"{url} as {role}")
        assert UNPUBLISHED_TITLE not in body.decode("utf-8", errors="replace"), (role, url)


def test_the_public_api_lists_and_scores_only_the_published_edition(w):
    # given: the unpublished edition has a score run of its own, with a rank for every city
    unpublished_run = w.objects["unpublished_run"]
    assert CityScore.objects.filter(run=unpublished_run).count() == 5
    client = w.client("anonymous")

    # when
    editions = client.get("/api/v1/editions/").json()
    history = client.get(f"/api/v1/cities/{w.city_a.slug}/history/").json()
    scores = client.get(f"/api/v1/cities/{w.city_a.slug}/scores/").json()
    rankings = client.get("/api/v1/rankings/").json()

    # then
    assert [edition["year"] for edition in editions["results"]] == [PUBLISHED_YEAR]
    assert [entry["year"] for entry in history["history"]] == [PUBLISHED_YEAR]
    assert scores["edition"] == PUBLISHED_YEAR
    assert rankings["edition"] == PUBLISHED_YEAR
    published = CityScore.objects.get(run=w.objects["published_run"], city=w.city_a)
    row = next(row for row in rankings["results"] if row["city"]["slug"] == w.city_a.slug)
    assert row["rank"] == published.rank


def test_approved_answers_of_the_unpublished_edition_are_not_in_the_public_answer_list(w):
    # given: city A's secret answer is approved (only the phase keeps it private)
    secret = w.objects["secret_answer"]
    assert secret.status == Answer.Status.APPROVED

    # when
    response = w.client("anonymous").get(f"/api/v1/answers/?city={w.city_a.slug}&parameter=wartezeit")

    # then: only the published edition's answer
    assert response.status_code == 200
    assert response.json()["edition"] == PUBLISHED_YEAR
    published = Answer.objects.get(edition=w.published, city=w.city_a, parameter__key="wartezeit")
    assert [row["value"] for row in response.json()["results"]] == [int(published.value_number)]


# --- Staff of city B against city A's data -------------------------------------------------------

A_PRIVATE = [
    ("get", "/portal/{city}/{year}/"),
    ("get", "/portal/{city}/{year}/export.csv"),
    ("get", "/portal/{city}/{year}/export.xlsx"),
    ("get", "/portal/{city}/{year}/answer/{secret_key}/history/"),
    ("post", "/portal/{city}/{year}/answer/{secret_key}/comments/"),
    ("get", "/portal/{city}/{year}/projects/"),
    ("get", "/portal/evidence/{secret_file}/download/"),
    ("get", "/portal/check/{objection_file}/download/"),
    ("post", "/portal/{city}/{year}/answer/{secret_key}/check/confirm/"),
    ("post", "/portal/{city}/{year}/answer/{secret_key}/check/object/"),
    ("get", "/api/v1/workspace/{city}/{year}/answers/"),
    ("get", "/api/v1/workspace/{city}/{year}/answers/{secret_key}/"),
]


@pytest.mark.parametrize(("method", "path"), [pytest.param(m, p, id=f"{m} {p}") for m, p in A_PRIVATE])
def test_staff_of_another_city_find_nothing_of_city_a(w, method, path):
    # given
    url = path.format(**w.names)
    client = w.client("staff_b")

    # when
    response = getattr(client, method)(url, {"body": "Was steht hier?"} if method == "post" else None)

    # then: as if it did not exist
    assert response.status_code == 404
    assert_no_secret(response.content, url)


def test_staff_of_another_city_find_nothing_of_city_a_with_a_token_either(w):
    # given
    client = w.client("anonymous")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(w.users['staff_b'], 'read')}")

    # when
    listing = client.get(f"/api/v1/workspace/{w.city_a.slug}/{UNPUBLISHED_YEAR}/answers/")
    single = client.get(f"/api/v1/workspace/{w.city_a.slug}/{UNPUBLISHED_YEAR}/answers/wartezeit/")
    review = client.get("/api/v1/review/answers/")

    # then
    assert (listing.status_code, single.status_code, review.status_code) == (404, 404, 403)
    for response in (listing, single, review):
        assert_no_secret(response.content, "the workspace API with a token")


def test_the_portal_pages_of_staff_b_show_nothing_of_city_a(w):
    # given: B's own pages, where a careless query could mix in other cities
    client = w.client("staff_b")
    b = w.city_b.slug

    # when
    pages = [client.get(url) for url in ("/portal/", f"/portal/{b}/{UNPUBLISHED_YEAR}/", f"/portal/{b}/team/")]
    pages.append(client.get(f"/portal/{b}/{UNPUBLISHED_YEAR}/export.csv"))

    # then
    assert [page.status_code for page in pages] == [200, 200, 200, 200]
    for page in pages:
        assert_no_secret(page.content, page.request["PATH_INFO"])


def test_a_reviewer_of_city_a_may_read_its_answers_in_the_portal_but_the_public_still_may_not(w):
    # given: the conflict-of-interest reviewer works for A, so A's portal is theirs
    url = "/portal/{city}/{year}/".format(**w.names)

    # when
    as_member = w.client("own_city_reviewer").get(url)
    public = w.client("own_city_reviewer").get(f"/api/v1/answers/?city={w.city_a.slug}")

    # then
    assert as_member.status_code == 200 and "GEHEIM-XYZ" in as_member.content.decode()
    assert public.status_code == 200
    assert_no_secret(public.content, "the public answer list")


# --- Webhooks -----------------------------------------------------------------------------------

ANSWER_EVENT_KEYS = {"answer_id", "edition", "city", "parameter", "old_status", "new_status", "at"}
RECOMPUTE_EVENT_KEYS = {"edition", "run_id", "input_hash", "city_count", "approved_answer_count", "at"}


def test_webhooks_of_an_unpublished_edition_carry_no_values_or_scores(
    w, monkeypatch, django_capture_on_commit_callbacks
):
    # given: no delivery is sent (no network); A's submitted answer carries the secret note and source
    monkeypatch.setattr("webhooks.services.webhooks_deliver_enqueue", lambda: None)
    submitted = w.objects["submitted"]
    Answer.objects.filter(pk=submitted.pk).update(
        note="GEHEIM-XYZ Anmerkung", evidence_url="https://intern.example.org/GEHEIM-XYZ/busse.pdf"
    )
    submitted.refresh_from_db()
    before = set(WebhookDelivery.objects.values_list("pk", flat=True))
    runs_before = ScoreRun.objects.filter(edition=w.edition).count()

    # when: a reviewer approves it, and the edition is recomputed after the commit
    with django_capture_on_commit_callbacks(execute=True):
        answer_approve(user=w.users["reviewer"], answer=submitted, expected_version=submitted.version)

    # then: one delivery per event, each with the contract's keys only, none with a value or a score
    assert ScoreRun.objects.filter(edition=w.edition).count() == runs_before + 1
    assert Edition.objects.get(pk=w.edition.pk).phase == Edition.Phase.COLLECTION
    new = WebhookDelivery.objects.exclude(pk__in=before).order_by("id")
    assert [delivery.event for delivery in new] == [WebhookEvent.ANSWER_STATUS_CHANGED, WebhookEvent.SCORES_RECOMPUTED]
    answer_event, recompute_event = new
    assert set(answer_event.payload) == ANSWER_EVENT_KEYS
    assert (answer_event.payload["old_status"], answer_event.payload["new_status"]) == ("submitted", "approved")
    assert set(recompute_event.payload) == RECOMPUTE_EVENT_KEYS
    for delivery in new:
        assert_no_secret(delivery.body.encode(), f"the {delivery.event} webhook")
        assert json.loads(delivery.body)["data"] == delivery.payload


def test_the_recompute_webhook_of_the_world_names_no_city_and_no_score(w):
    # given: the delivery written when the unpublished edition was scored (conftest)
    delivery = WebhookDelivery.objects.get(event=WebhookEvent.SCORES_RECOMPUTED)
    run = w.objects["unpublished_run"]
    city_totals = {f"{score.total}" for score in CityScore.objects.filter(run=run)}

    # then
    assert set(delivery.payload) == RECOMPUTE_EVENT_KEYS
    assert delivery.payload["run_id"] == run.pk
    assert not any(city.slug in delivery.body for city in (w.city_a, w.city_b))
    assert not any(total in delivery.body for total in city_totals)
    assert_no_secret(delivery.body.encode(), "the scores.recomputed webhook")


def test_a_city_taking_part_only_in_the_unpublished_edition_is_unknown_to_the_public(w):
    # given: a new city, only in the edition 2030
    newcomer = factories.CityFactory(slug="neu-stadt", name="Neustadt an der Probe")
    Participation.objects.create(edition=w.edition, city=newcomer)
    client = w.client("anonymous")

    # when
    statuses = [
        client.get(url).status_code
        for url in (
            "/api/v1/cities/neu-stadt/",
            "/api/v1/cities/neu-stadt/scores/",
            "/api/v1/cities/neu-stadt/history/",
            "/api/v1/cities/neu-stadt/gains/",
            "/stadt/neu-stadt/",
            f"/simulator/{PUBLISHED_YEAR}/neu-stadt/",
        )
    ]
    listings = [client.get(url).content.decode() for url in ("/api/v1/cities/", "/ranking/", "/daten/")]

    # then
    assert statuses == [404] * 6
    assert not any("Neustadt an der Probe" in listing for listing in listings)


def test_a_signed_in_page_is_never_served_to_the_public_from_the_cache(w):
    # given: staff of city A opens the ranking first (their page has the logout form)
    signed_in = w.client("staff_a").get("/ranking/")
    assert signed_in.status_code == 200 and 'action="/accounts/logout/"' in signed_in.content.decode()

    # when: then someone without a session
    public = w.client("anonymous").get("/ranking/")

    # then: the public page, not the staff's
    assert public.status_code == 200
    assert 'action="/accounts/logout/"' not in public.content.decode()
    assert "staff-a" not in public.content.decode()


def test_a_researched_value_of_city_a_stays_private_and_its_file_reaches_only_research_and_review(w):
    # given: city A's "busse" researched with a secret source and file (unpublished edition)
    researched = w.objects["submitted"]
    researcher = factories.UserFactory(groups=["researchers"], is_staff=True)
    Answer.objects.filter(pk=researched.pk).update(
        source_kind="research", researched_by=researcher, evidence_url="https://intern.example.org/GEHEIM-XYZ-2.pdf"
    )
    file = w.objects["secret_file"]
    type(file).objects.filter(pk=file.pk).update(answer=researched)
    download = f"/portal/evidence/{file.pk}/download/"
    research_client = Client()  # not the world's anonymous client, which the calls below reset
    research_client.force_login(researcher)

    # when
    outsiders = {role: w.client(role).get(download).status_code for role in ("anonymous", "staff_b")}
    pages = [w.client("staff_b").get(f"/portal/{w.city_b.slug}/{UNPUBLISHED_YEAR}/")]
    pages += [w.client("anonymous").get(f"/api/v1/answers/?city={w.city_a.slug}&parameter=busse")]

    # then
    assert outsiders == {"anonymous": 404, "staff_b": 404}
    assert research_client.get(download).status_code == 200
    assert w.client("reviewer").get(download).status_code == 200
    for page in pages:
        assert page.status_code == 200
        assert_no_secret(page.content, page.request["PATH_INFO"])
