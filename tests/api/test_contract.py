"""Schema and behaviour agree where fuzzing found them apart (issue 15): repeated and overlong query
strings, `page_size`, strict booleans, the published years of `?edition=`, `If-Match`."""

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.public.test_api import published_edition as publish_edition
from webhooks.models import WebhookEndpoint

INVALID = "Die Eingaben sind ungültig."


@pytest.fixture
def schema(db, tmp_path):
    def generate() -> dict:
        target = tmp_path / "schema.yaml"
        call_command("spectacular", "--file", str(target))
        return yaml.safe_load(target.read_text())

    return generate


def test_a_query_parameter_given_twice_is_a_400_naming_it(db):
    response = APIClient().get("/api/v1/editions/?page_size=null&page_size=null")

    assert response.status_code == 400
    assert response.json() == {
        "message": INVALID,
        "code": "invalid",
        "errors": {"page_size": ["Bitte nur einmal angeben."]},
    }


def test_a_query_string_over_the_limit_is_a_414_in_the_error_shape(db, settings):
    settings.API_MAX_QUERY_CHARS = 100

    response = APIClient().get("/api/v1/editions/?search=" + "x" * 100)

    assert response.status_code == 414
    assert response.json() == {
        "message": "Die Adresse ist zu lang (höchstens 100 Zeichen nach dem „?“).",
        "code": "uri_too_long",
        "errors": {},
    }


@pytest.mark.parametrize("page_size", ["null", "-5", "0", "501", "abc", "2.5"])
def test_a_page_size_that_is_no_whole_number_from_1_to_500_is_a_400(db, page_size):
    response = APIClient().get(f"/api/v1/editions/?page_size={page_size}")

    assert response.status_code == 400
    assert response.json()["errors"] == {"page_size": ["Bitte eine ganze Zahl von 1 bis 500 angeben."]}


def test_a_page_size_within_the_range_is_used(editor):
    publish_edition(editor, cities=3)

    response = APIClient().get("/api/v1/cities/?page_size=2")

    assert response.status_code == 200
    assert (response.json()["count"], len(response.json()["results"])) == (3, 2)


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_a_webhook_is_active_that_is_no_json_boolean_is_a_400_and_nothing_is_stored(editor, value):
    client = APIClient()
    client.force_login(editor)

    response = client.post(
        "/api/v1/editor/webhooks/",
        {"url": "https://hooks.example.org/sci", "secret": "a-long-shared-secret-0001", "events": ["edition.published"],
         "is_active": value},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["is_active"]
    assert not WebhookEndpoint.objects.exists()


def test_the_schema_lists_the_published_years_for_the_public_edition_parameter(editor, schema):
    # given
    publish_edition(editor, year=2039)

    # when
    operations = schema()["paths"]

    # then
    edition = next(p for p in operations["/api/v1/rankings/"]["get"]["parameters"] if p["name"] == "edition")
    assert edition["schema"]["enum"] == [2039]
    assert [example["value"] for example in edition["examples"].values()] == [2039]


def test_every_operation_documents_the_400_and_414_answered_before_any_view_and_if_match_its_form(schema):
    operations = [
        (f"{method} {path}", operation)
        for path, methods in schema()["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "put", "patch", "post", "delete"}
    ]

    assert [name for name, op in operations if not {"400", "414"} <= set(op["responses"])] == []
    approve = dict(operations)["post /api/v1/review/answers/{id}/approve/"]
    if_match = next(p for p in approve["parameters"] if p["name"] == "If-Match")
    assert if_match["schema"] == {"type": "string", "pattern": '^"(\\d+)"$'}


def test_the_schema_states_the_limits_of_text_parameters_that_the_api_enforces(schema):
    # given: `?search=` takes at most 100 characters, and no text takes a NUL character (both a 400)
    paths = schema()["paths"]

    def query_parameter(path, name):
        return next(p for p in paths[path]["get"]["parameters"] if p["name"] == name)["schema"]

    # then
    assert query_parameter("/api/v1/cities/", "search")["maxLength"] == 100
    assert query_parameter("/api/v1/rankings/", "search")["maxLength"] == 100
    assert query_parameter("/api/v1/review/answers/", "parameter")["pattern"] == "^[^\\x00]*$"


def test_an_empty_query_parameter_counts_as_left_out_and_the_schema_says_so(editor, schema):
    # given
    publish_edition(editor, cities=3)

    # when
    response = APIClient().get("/api/v1/rankings/?page=&page_size=&size=&ordering=")
    ranking = next(p for p in schema()["paths"]["/api/v1/rankings/"]["get"]["parameters"] if p["name"] == "size")

    # then
    assert (response.status_code, response.json()["count"]) == (200, 3)
    assert ranking["allowEmptyValue"] is True


def test_a_search_longer_than_the_schema_allows_is_a_400(db):
    response = APIClient().get("/api/v1/cities/?search=" + "x" * 101)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["search"]


def test_a_slug_parameter_carries_the_pattern_its_serializer_checks(schema):
    parameters = {p["name"]: p["schema"] for p in schema()["paths"]["/api/v1/answers/"]["get"]["parameters"]}

    assert parameters["city"]["pattern"] == parameters["parameter"]["pattern"] == "^[-a-zA-Z0-9_]+$"
