"""The signed-in API: city staff save and submit answers, reviewers decide, editors see runs and recompute."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from indicators.models import Answer, Edition
from scoring import tasks
from scoring.models import ScoreRun
from tests.factories import AnswerFactory, ParameterFactory, UserFactory, cities_of, parameter, small_edition

CONFLICT_MESSAGE = "Die Antwort wurde inzwischen von jemand anderem geändert."
INVALID = "Die Eingaben sind ungültig."
NOT_FOUND = {"message": "Nicht gefunden.", "code": "not_found", "errors": {}}


def answers_url(city, edition, key="", action=""):
    url = f"/api/v1/workspace/{city.slug}/{edition.year}/answers/"
    if key:
        url += f"{key}/"
    return url + (f"{action}/" if action else "")


def review_url(answer, action):
    return f"/api/v1/review/answers/{answer.pk}/{action}/"


def make_answer(edition, city, key, status=Answer.Status.DRAFT, version=1, **values):
    return Answer.objects.create(
        edition=edition, city=city, parameter=parameter(edition, key), status=status, version=version, **values
    )


def invalid(errors):
    return {"message": INVALID, "code": "invalid", "errors": errors}


def workflow(message):
    return {"message": message, "code": "workflow", "errors": {}}


# --- workspace/: city staff ------------------------------------------------------------------------


def test_staff_list_every_parameter_with_their_citys_answers(api_client, edition, city, other_city, staff):
    # given
    make_answer(
        edition,
        city,
        "busse",
        value_number=Decimal("42.5"),
        evidence_url="https://example.org/busse.pdf",
        as_of=timezone.localdate().replace(year=2030, month=3, day=31),
    )
    make_answer(edition, other_city, "online-termine", value_bool=True)

    # when
    response = api_client(staff).get(answers_url(city, edition))

    # then
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 5
    rows = {row["parameter"]["key"]: row for row in body["results"]}
    assert [row["parameter"]["key"] for row in body["results"]] == [
        "online-termine",
        "wartezeit",
        "smart-meter",
        "busse",
        "ladepunkte",
    ]
    busse = rows["busse"]
    assert {k: v for k, v in busse.items() if k not in ("parameter", "updated_at")} == {
        "value": 42.5,
        "status": "draft",
        "version": 1,
        "evidence_url": "https://example.org/busse.pdf",
        "note": "",
        "as_of": "2030-03-31",
        "review_reason": "",
    }
    assert {k: v for k, v in busse["parameter"].items() if k != "name"} == {
        "key": "busse",
        "kind": "percentage",
        "unit": "%",
        "min_value": 0.0,
        "max_value": 100.0,
        "options": [],
        "evidence_required": True,
        "indicator": "verkehr",
        "domain": "mobilitaet",
    }
    # the other city's answer is not this city's
    assert {k: v for k, v in rows["online-termine"].items() if k != "parameter"} == {
        "value": None,
        "status": None,
        "version": 0,
        "evidence_url": None,
        "note": None,
        "as_of": None,
        "review_reason": None,
        "updated_at": None,
    }
    assert rows["smart-meter"]["parameter"]["options"][2] == {"key": "live", "label": "im Betrieb", "points": 1.0}


def test_staff_save_a_new_answer_with_version_zero(api_client, edition, city, staff):
    # when
    response = api_client(staff).put(
        answers_url(city, edition, "busse"),
        {"value": 42.5, "evidence_url": "https://example.org/busse.pdf", "as_of": "2030-03-31", "version": 0},
        format="json",
    )

    # then
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["value"], body["status"], body["version"], body["as_of"]) == (42.5, "draft", 1, "2030-03-31")
    answer = Answer.objects.get(city=city, parameter__key="busse")
    assert (answer.value_number, answer.evidence_url, answer.status, answer.updated_by, answer.version) == (
        Decimal("42.5"),
        "https://example.org/busse.pdf",
        "draft",
        staff,
        1,
    )


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("online-termine", True, {"value_bool": True}),
        ("online-termine", False, {"value_bool": False}),
        ("smart-meter", "planned", {"value_choice": "planned"}),
        ("ladepunkte", 120, {"value_number": Decimal(120)}),
        ("wartezeit", "12.5", {"value_number": Decimal("12.5")}),
    ],
)
def test_values_are_typed_by_the_parameters_kind(api_client, edition, city, staff, key, value, stored):
    response = api_client(staff).put(answers_url(city, edition, key), {"value": value, "version": 0}, format="json")

    assert response.status_code == 200
    answer = Answer.objects.get(city=city, parameter__key=key)
    assert {field: getattr(answer, field) for field in stored} == stored


def test_if_match_carries_the_version_and_the_response_the_new_etag(api_client, edition, city, staff):
    # given
    make_answer(edition, city, "wartezeit", value_number=Decimal(10), version=4)
    client = api_client(staff)
    etag = client.get(answers_url(city, edition, "wartezeit"))["ETag"]

    # when
    response = client.put(answers_url(city, edition, "wartezeit"), {"value": 8}, format="json", HTTP_IF_MATCH=etag)

    # then
    assert etag == '"4"'
    assert response.status_code == 200
    assert response["ETag"] == '"5"'
    assert Answer.objects.get(city=city, parameter__key="wartezeit").value_number == Decimal(8)


def test_patch_changes_only_the_fields_sent(api_client, edition, city, staff):
    # given
    make_answer(edition, city, "busse", value_number=Decimal(40), evidence_url="https://example.org/alt.pdf", note="n")

    # when
    response = api_client(staff).patch(
        answers_url(city, edition, "busse"),
        {"evidence_url": "https://example.org/neu.pdf", "version": 1},
        format="json",
    )

    # then
    assert response.status_code == 200
    answer = Answer.objects.get(city=city, parameter__key="busse")
    assert (answer.value_number, answer.evidence_url, answer.note, answer.version) == (
        Decimal(40),
        "https://example.org/neu.pdf",
        "n",
        2,
    )


def test_put_clears_the_fields_it_does_not_send(api_client, edition, city, staff):
    make_answer(edition, city, "busse", value_number=Decimal(40), evidence_url="https://example.org/alt.pdf", note="n")

    response = api_client(staff).put(answers_url(city, edition, "busse"), {"value": 41, "version": 1}, format="json")

    assert response.status_code == 200
    answer = Answer.objects.get(city=city, parameter__key="busse")
    assert (answer.value_number, answer.evidence_url, answer.note) == (Decimal(41), "", "")


def test_a_stale_version_in_the_body_is_a_409_with_the_current_answer(api_client, edition, city, staff):
    # given: someone saved 40 (version 2) after this client read version 1
    make_answer(edition, city, "busse", value_number=Decimal(40), version=2)

    # when
    response = api_client(staff).put(answers_url(city, edition, "busse"), {"value": 55, "version": 1}, format="json")

    # then
    body = response.json()
    assert response.status_code == 409
    assert (body["message"], body["code"], body["errors"]) == (CONFLICT_MESSAGE, "conflict", {})
    assert (body["current"]["value"], body["current"]["version"], body["current"]["status"]) == (40.0, 2, "draft")
    assert body["current"]["parameter"]["key"] == "busse"
    assert Answer.objects.get(city=city, parameter__key="busse").value_number == Decimal(40)


def test_a_stale_if_match_is_a_412_with_the_current_answer(api_client, edition, city, staff):
    make_answer(edition, city, "busse", value_number=Decimal(40), version=2)

    response = api_client(staff).patch(
        answers_url(city, edition, "busse"), {"value": 55}, format="json", HTTP_IF_MATCH='"1"'
    )

    body = response.json()
    assert response.status_code == 412
    assert (body["code"], body["current"]["value"], body["current"]["version"]) == ("conflict", 40.0, 2)
    assert Answer.objects.get(city=city, parameter__key="busse").value_number == Decimal(40)


def test_saving_a_new_answer_that_someone_else_created_meanwhile_is_a_conflict(api_client, edition, city, staff):
    make_answer(edition, city, "busse", value_number=Decimal(40), version=1)

    response = api_client(staff).put(answers_url(city, edition, "busse"), {"value": 55, "version": 0}, format="json")

    assert response.status_code == 409
    assert response.json()["current"]["value"] == 40.0


@pytest.mark.parametrize(
    ("raw", "stored"), [("42,5", Decimal("42.5")), ("42.5 %", Decimal("42.5")), (42.5, Decimal("42.5"))]
)
def test_a_number_as_text_is_read_as_the_portal_and_the_import_read_it(api_client, edition, city, staff, raw, stored):
    response = api_client(staff).put(answers_url(city, edition, "busse"), {"value": raw, "version": 0}, format="json")

    assert response.status_code == 200
    assert Answer.objects.get(city=city, parameter__key="busse").value_number == stored


@pytest.mark.parametrize(
    ("body", "headers", "errors"),
    [
        ({"value": 5}, {}, {"version": ["Bitte die gelesene Version angeben (im Feld „version“ oder als If-Match)."]}),
        ({"value": 5}, {"HTTP_IF_MATCH": "3"}, {"If-Match": ['If-Match erwartet genau ein ETag wie "3".']}),
        (
            {"value": 5, "version": 2},
            {"HTTP_IF_MATCH": '"3"'},
            {"version": ["„version“ und If-Match widersprechen sich."]},
        ),
    ],
)
def test_saving_needs_one_clear_version(api_client, edition, city, staff, body, headers, errors):
    response = api_client(staff).put(answers_url(city, edition, "busse"), body, format="json", **headers)

    assert response.status_code == 400
    assert response.json() == invalid(errors)
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("key", "body", "errors"),
    [
        ("busse", {"value": 150}, {"value": ["Der Wert darf höchstens 100 % sein."]}),
        ("busse", {"value": "viel"}, {"value": ["„viel“ ist keine Zahl."]}),
        ("busse", {"value": True}, {"value": ["Bitte eine Zahl angeben."]}),
        ("ladepunkte", {"value": 2.5}, {"value": ["Eine Anzahl ist eine ganze Zahl."]}),
        ("online-termine", {"value": "ja"}, {"value": ["Bitte true oder false angeben."]}),
        ("smart-meter", {"value": "bogus"}, {"value": ["„bogus“ ist keine der erlaubten Optionen."]}),
        ("smart-meter", {"value": 1}, {"value": ["Bitte den Schlüssel einer Option angeben."]}),
        ("busse", {"note": "x"}, {"value": ["Dieses Feld ist zwingend erforderlich."]}),
        (
            "busse",
            {"value": 5, "evidence_url": "kein-link", "as_of": "gestern"},
            {
                "evidence_url": ["Gib eine gültige URL ein."],
                "as_of": ["Datum hat das falsche Format. Nutze stattdessen eines dieser Formate: YYYY-MM-DD."],
            },
        ),
    ],
)
def test_invalid_input_is_a_400_with_field_errors(api_client, edition, city, staff, key, body, errors):
    response = api_client(staff).put(answers_url(city, edition, key), {**body, "version": 0}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(errors)
    assert not Answer.objects.exists()


def test_a_submitted_answer_cannot_be_saved(api_client, edition, city, staff):
    make_answer(edition, city, "busse", status=Answer.Status.SUBMITTED, value_number=Decimal(40), version=2)

    response = api_client(staff).put(answers_url(city, edition, "busse"), {"value": 41, "version": 2}, format="json")

    assert response.status_code == 400
    assert response.json() == workflow("Die Antwort ist eingereicht und wird gerade geprüft.")


def test_staff_of_another_city_cannot_probe_or_write_it(api_client, edition, city, other_staff):
    client = api_client(other_staff)

    responses = [
        client.get(answers_url(city, edition)),
        client.get(answers_url(city, edition, "busse")),
        client.put(answers_url(city, edition, "busse"), {"value": 5, "version": 0}, format="json"),
        client.post(answers_url(city, edition, "busse", "submit"), {}, format="json"),
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 4
    assert not Answer.objects.exists()


@pytest.mark.parametrize("phase", [Edition.Phase.DRAFT, Edition.Phase.PUBLISHED])
def test_the_workspace_exists_only_while_the_edition_collects_or_is_reviewed(api_client, edition, city, staff, phase):
    Edition.objects.filter(pk=edition.pk).update(phase=phase)

    assert api_client(staff).get(answers_url(city, edition)).status_code == 404


def test_an_unknown_parameter_is_a_404(api_client, edition, city, staff):
    assert api_client(staff).get(answers_url(city, edition, "gibt-es-nicht")).status_code == 404


def test_staff_submit_an_answer(api_client, edition, city, staff):
    # given
    make_answer(edition, city, "busse", value_number=Decimal(40), evidence_url="https://example.org/b.pdf", version=3)

    # when
    response = api_client(staff).post(answers_url(city, edition, "busse", "submit"), {"version": 3}, format="json")

    # then
    assert response.status_code == 200
    assert response["ETag"] == '"4"'
    assert (response.json()["status"], response.json()["version"]) == ("submitted", 4)
    assert Answer.objects.get(city=city, parameter__key="busse").status == Answer.Status.SUBMITTED


def test_submitting_with_a_stale_version_is_a_conflict(api_client, edition, city, staff):
    make_answer(edition, city, "busse", value_number=Decimal(40), evidence_url="https://example.org/b.pdf", version=3)
    client = api_client(staff)

    stale_body = client.post(answers_url(city, edition, "busse", "submit"), {"version": 2}, format="json")
    stale_header = client.post(answers_url(city, edition, "busse", "submit"), {}, format="json", HTTP_IF_MATCH='"2"')

    assert (stale_body.status_code, stale_body.json()["current"]["version"]) == (409, 3)
    assert (stale_header.status_code, stale_header.json()["current"]["version"]) == (412, 3)
    assert Answer.objects.get(city=city, parameter__key="busse").status == Answer.Status.DRAFT


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (None, invalid({"non_field_errors": ["Die Antwort hat noch keinen Wert."]})),
        (
            {"value_number": Decimal(40)},
            invalid({"non_field_errors": ["Für diesen Parameter ist ein Nachweis (Link oder Datei) erforderlich."]}),
        ),
        (
            {"value_number": Decimal(40), "status": Answer.Status.APPROVED},
            workflow("Eine Antwort im Status „freigegeben“ kann nicht in den Status „eingereicht“ wechseln."),
        ),
    ],
)
def test_an_answer_that_cannot_be_submitted_is_a_400_with_the_reason(
    api_client, edition, city, staff, answer, expected
):
    if answer is not None:
        make_answer(edition, city, "busse", **answer)

    response = api_client(staff).post(answers_url(city, edition, "busse", "submit"), {}, format="json")

    assert response.status_code == 400
    assert response.json() == expected


def test_anonymous_calls_are_401_with_a_bearer_challenge(edition, city):
    response = APIClient().put(answers_url(city, edition, "busse"), {"value": 5, "version": 0}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"message": "Anmeldedaten fehlen.", "code": "not_authenticated", "errors": {}}


def test_a_session_write_needs_the_csrf_token(edition, city, staff):
    # given
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)

    # when
    without = client.put(answers_url(city, edition, "busse"), {"value": 5, "version": 0}, format="json")
    client.get("/konto/tokens/")  # any page with a form sets the CSRF cookie
    with_token = client.put(
        answers_url(city, edition, "busse"),
        {"value": 5, "version": 0},
        format="json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    # then
    assert without.status_code == 403
    assert without.json() == {"message": "CSRF Failed: CSRF cookie not set.", "code": "permission_denied", "errors": {}}
    assert with_token.status_code == 200


def test_only_json_is_accepted(api_client, edition, city, staff):
    response = api_client(staff).put(answers_url(city, edition, "busse"), {"value": "5", "version": "0"})

    assert response.status_code == 415
    assert not Answer.objects.exists()


# --- review/: reviewers ----------------------------------------------------------------------------


@pytest.fixture
def submitted(edition, city):
    return make_answer(
        edition,
        city,
        "busse",
        status=Answer.Status.SUBMITTED,
        value_number=Decimal(40),
        evidence_url="https://example.org/b.pdf",
        version=2,
    )


def test_reviewers_list_answers_filtered_by_edition_status_and_city(api_client, edition, city, other_city, reviewer):
    # given
    wanted = make_answer(edition, city, "busse", status=Answer.Status.SUBMITTED, value_number=Decimal(40))
    make_answer(edition, city, "wartezeit", status=Answer.Status.DRAFT, value_number=Decimal(4))
    make_answer(edition, other_city, "busse", status=Answer.Status.SUBMITTED, value_number=Decimal(41))
    later = small_edition(cities=1, year=2031)
    make_answer(later, cities_of(later)[0], "busse", status=Answer.Status.SUBMITTED, value_number=Decimal(42))
    client = api_client(reviewer)

    # when
    filtered = client.get(f"/api/v1/review/answers/?edition=2030&status=submitted&city={city.slug}")
    everything = client.get("/api/v1/review/answers/")

    # then
    assert filtered.status_code == 200
    body = filtered.json()
    assert (body["count"], [row["id"] for row in body["results"]]) == (1, [wanted.pk])
    row = body["results"][0]
    assert {k: row[k] for k in ("edition", "city", "value", "status", "version")} == {
        "edition": 2030,
        "city": {"slug": city.slug, "name": city.name},
        "value": 40.0,
        "status": "submitted",
        "version": 1,
    }
    assert everything.json()["count"] == 4


def test_an_invalid_filter_is_a_400(api_client, edition, reviewer):
    response = api_client(reviewer).get("/api/v1/review/answers/?status=fertig")

    assert response.status_code == 400
    assert response.json() == invalid(
        {"status": ["Bitte eine gültige Auswahl treffen. fertig ist keine gültige Auswahl."]}
    )


def test_city_staff_cannot_list_answers_for_review(api_client, edition, staff):
    response = api_client(staff).get("/api/v1/review/answers/")

    assert response.status_code == 403
    assert response.json() == {
        "message": "Nur Prüferinnen und Prüfer sowie die Redaktion haben Zugang zur Prüfung.",
        "code": "permission_denied",
        "errors": {},
    }


def test_a_reviewer_approves_and_the_edition_is_recomputed(
    api_client, submitted, reviewer, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(reviewer).post(review_url(submitted, "approve"), {"version": 2}, format="json")

    # then
    assert response.status_code == 200
    assert response["ETag"] == '"3"'
    assert (response.json()["status"], response.json()["version"]) == ("approved", 3)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewed_by) == (Answer.Status.APPROVED, reviewer)
    assert ScoreRun.objects.filter(edition=submitted.edition, approved_answer_count=1).exists()


def test_a_reviewer_sends_an_answer_back_with_reason_and_detail(api_client, submitted, reviewer):
    response = api_client(reviewer).post(
        review_url(submitted, "request-changes"),
        {"reason": "outdated", "detail": "Die Quelle ist von 2019."},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["review_reason"]) == (
        "changes_requested",
        "Stand ist veraltet: Die Quelle ist von 2019.",
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.review_reason) == (
        Answer.Status.CHANGES_REQUESTED,
        "Stand ist veraltet: Die Quelle ist von 2019.",
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"reason": "other"}, {"detail": ["Bitte erläutern Sie den Grund."]}),
        ({"reason": "other", "detail": "  "}, {"detail": ["Bitte erläutern Sie den Grund."]}),
        ({"reason": "bogus"}, {"reason": ['"bogus" ist keine gültige Option.']}),
        ({}, {"reason": ["Dieses Feld ist zwingend erforderlich."]}),
    ],
)
def test_sending_back_needs_a_known_reason_and_for_other_a_detail(api_client, submitted, reviewer, body, errors):
    response = api_client(reviewer).post(review_url(submitted, "request-changes"), body, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(errors)
    submitted.refresh_from_db()
    assert submitted.status == Answer.Status.SUBMITTED


@pytest.mark.parametrize("action", ["approve", "request-changes"])
def test_a_reviewer_of_the_answers_own_city_is_refused(api_client, submitted, own_city_reviewer, action):
    response = api_client(own_city_reviewer).post(
        review_url(submitted, action), {"reason": "outdated", "detail": "x"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "message": "Sie können keine Antworten einer Stadt prüfen, der Sie angehören.",
        "code": "permission_denied",
        "errors": {},
    }
    submitted.refresh_from_db()
    assert (submitted.status, submitted.version) == (Answer.Status.SUBMITTED, 2)


def test_an_editor_who_is_no_reviewer_cannot_approve(api_client, submitted, editor):
    response = api_client(editor).post(review_url(submitted, "approve"), {}, format="json")

    assert response.status_code == 403
    assert response.json()["message"] == "Nur Prüferinnen und Prüfer können Antworten prüfen."


def test_deciding_on_a_stale_version_is_a_conflict_with_the_current_answer(api_client, submitted, reviewer):
    client = api_client(reviewer)

    stale_body = client.post(review_url(submitted, "approve"), {"version": 1}, format="json")
    stale_header = client.post(
        review_url(submitted, "request-changes"), {"reason": "implausible"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert stale_body.status_code == 409
    assert (stale_body.json()["code"], stale_body.json()["current"]["id"]) == ("conflict", submitted.pk)
    assert stale_body.json()["current"]["version"] == 2
    assert (stale_header.status_code, stale_header.json()["current"]["status"]) == (412, "submitted")
    submitted.refresh_from_db()
    assert submitted.status == Answer.Status.SUBMITTED


def test_approving_a_draft_is_a_workflow_error(api_client, edition, city, reviewer):
    draft = make_answer(edition, city, "busse", value_number=Decimal(40))

    response = api_client(reviewer).post(review_url(draft, "approve"), {}, format="json")

    assert response.status_code == 400
    assert response.json() == workflow(
        "Eine Antwort im Status „Entwurf“ kann nicht in den Status „freigegeben“ wechseln."
    )


def test_deciding_on_an_unknown_answer_is_a_404(api_client, edition, reviewer):
    response = api_client(reviewer).post("/api/v1/review/answers/999999/approve/", {}, format="json")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- editor/: editors ------------------------------------------------------------------------------


def make_run(edition, n, **fields):
    return ScoreRun.objects.create(
        edition=edition,
        input_hash=f"{n:064x}",
        code_version="test",
        methodology={"normalisation": "minmax"},
        city_count=5,
        approved_answer_count=n,
        duration_ms=10 + n,
        **fields,
    )


def test_editors_list_the_score_runs_of_an_edition(api_client, edition, editor):
    # given
    first, second = make_run(edition, 1), make_run(edition, 2)
    make_run(small_edition(cities=1, year=2031), 3)

    # when
    response = api_client(editor).get(f"/api/v1/editor/score-runs/?edition={edition.year}")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], [run["id"] for run in body["results"]]) == (2, [second.pk, first.pk])
    run = body["results"][0]
    assert {k: v for k, v in run.items() if k != "created_at"} == {
        "id": second.pk,
        "edition": 2030,
        "is_published": False,
        "published_at": None,
        "input_hash": f"{2:064x}",
        "code_version": "test",
        "city_count": 5,
        "approved_answer_count": 2,
        "duration_ms": 12,
    }


def test_a_score_run_shows_its_methodology(api_client, edition, editor):
    run = make_run(edition, 1)

    response = api_client(editor).get(f"/api/v1/editor/score-runs/{run.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["methodology"]) == (run.pk, {"normalisation": "minmax"})


def test_editors_ask_for_a_recompute_which_runs_in_the_background(api_client, edition, editor):
    # when (Celery is eager outside the stack tier: the task runs at once)
    response = api_client(editor).post(f"/api/v1/editor/editions/{edition.year}/recompute/")

    # then
    assert response.status_code == 202
    assert response.json() == {
        "message": "Die Neuberechnung der Ausgabe 2030 wurde eingeplant.",
        "edition": 2030,
        "enqueued": True,
    }
    assert ScoreRun.objects.filter(edition=edition).count() == 1


def test_a_second_recompute_request_while_one_waits_is_coalesced(api_client, edition, editor, monkeypatch):
    # given: a broker that records what it is sent
    sent = []
    monkeypatch.setattr(tasks.scores_recompute_task, "apply_async", lambda args, countdown: sent.append(args))
    client = api_client(editor)

    # when
    first = client.post(f"/api/v1/editor/editions/{edition.year}/recompute/")
    second = client.post(f"/api/v1/editor/editions/{edition.year}/recompute/")

    # then
    assert (first.status_code, first.json()["enqueued"]) == (202, True)
    assert second.status_code == 202
    assert second.json() == {
        "message": "Eine Neuberechnung der Ausgabe 2030 ist bereits eingeplant oder wird nachgeholt.",
        "edition": 2030,
        "enqueued": False,
    }
    assert sent == [(edition.pk,)]


def test_a_published_edition_is_not_recomputed(api_client, edition, editor):
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.PUBLISHED)

    response = api_client(editor).post(f"/api/v1/editor/editions/{edition.year}/recompute/")

    assert response.status_code == 400
    assert response.json() == workflow("Die Ergebnisse einer veröffentlichten Ausgabe sind eingefroren.")
    assert not ScoreRun.objects.exists()


def test_recomputing_an_unknown_edition_is_a_404(api_client, edition, editor):
    response = api_client(editor).post("/api/v1/editor/editions/1999/recompute/")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_reviewers_have_no_access_to_score_runs(api_client, edition, reviewer):
    response = api_client(reviewer).get("/api/v1/editor/score-runs/")

    assert response.status_code == 403
    assert response.json() == {
        "message": "Nur die Redaktion hat Zugang zu den Berechnungen.",
        "code": "permission_denied",
        "errors": {},
    }


# --- query counts ----------------------------------------------------------------------------------


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("extra_parameters", [0, 25])
def test_the_workspace_list_takes_a_fixed_number_of_queries(
    edition, city, staff, extra_parameters, django_assert_num_queries
):
    # given: every parameter answered, with 0 or 25 more parameters
    indicator = parameter(edition, "busse").indicator
    for n in range(extra_parameters):
        ParameterFactory(indicator=indicator, key=f"extra-{n}", kind="yes_no", position=10 + n)
    for p in edition.domains.get(key="mobilitaet").indicators.get().parameters.all():
        AnswerFactory(parameter=p, city=city, value_bool=True if p.kind == "yes_no" else None)
    client = session_client(staff)

    # when / then: session, user, participation, then the questionnaire (domains, indicators,
    # parameters, answers, evidence files, previous edition)
    with django_assert_num_queries(9):
        response = client.get(answers_url(city, edition), {"page_size": 500})
    assert response.json()["count"] == 5 + extra_parameters


@pytest.mark.parametrize("cities", [1, 5])
def test_the_review_list_takes_a_fixed_number_of_queries(reviewer, cities, django_assert_num_queries):
    # given: 5 or 25 answers
    edition = small_edition(cities=cities)
    for city in cities_of(edition):
        for key in ("online-termine", "wartezeit", "smart-meter", "busse", "ladepunkte"):
            make_answer(edition, city, key, status=Answer.Status.SUBMITTED)
    client = session_client(reviewer)

    # when / then: session, user, reviewer group, count, page
    with django_assert_num_queries(5):
        response = client.get("/api/v1/review/answers/", {"edition": edition.year})
    assert response.json()["count"] == 5 * cities


@pytest.mark.parametrize("runs", [2, 12])
def test_the_score_run_list_takes_a_fixed_number_of_queries(edition, editor, runs, django_assert_num_queries):
    for n in range(runs):
        make_run(edition, n)
    client = session_client(editor)

    # when / then: session, user, editor group, count, page
    with django_assert_num_queries(5):
        response = client.get("/api/v1/editor/score-runs/", {"edition": edition.year})
    assert response.json()["count"] == runs


def test_the_plain_user_has_no_role_anywhere(api_client, edition, city):
    client = api_client(UserFactory())

    assert client.get(answers_url(city, edition)).status_code == 404
    assert client.get("/api/v1/review/answers/").status_code == 403
    assert client.get("/api/v1/editor/score-runs/").status_code == 403
