"""OpenAPI pieces shared by every API module: the error body and the standard error responses."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (see api.errors.exception_handler)."""

    message = serializers.CharField(help_text="What went wrong, in German (English with Accept-Language: en).")
    code = serializers.CharField(help_text="A stable machine-readable code: invalid, not_found, throttled, …")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per request field or query parameter; empty unless the input was invalid.",
    )

    class Meta:
        ref_name = "Error"


ERROR_EXAMPLES = {
    400: OpenApiExample(
        "invalid",
        value={
            "message": "Die Eingaben sind ungültig.",
            "code": "invalid",
            "errors": {"edition": ["Es gibt keine veröffentlichte Ausgabe 2041."]},
        },
        response_only=True,
        status_codes=["400"],
    ),
    404: OpenApiExample(
        "not_found",
        value={"message": "Nicht gefunden.", "code": "not_found", "errors": {}},
        response_only=True,
        status_codes=["404"],
    ),
    429: OpenApiExample(
        "throttled",
        value={
            "message": "Die Anfrage wurde gedrosselt. Erwarte Verfügbarkeit in 42 Sekunden.",
            "code": "throttled",
            "errors": {},
        },
        response_only=True,
        status_codes=["429"],
    ),
}

ERROR_DESCRIPTIONS = {
    400: "Invalid query parameters; `errors` names each one.",
    401: "Missing or invalid credentials.",
    403: "Not allowed.",
    404: "Not found (also for anything not published).",
    429: "Too many requests; the `Retry-After` header says when to try again.",
}


def error_responses(*codes: int, media_type: str | None = None) -> dict:
    """`responses` entries for `extend_schema`: each status with the error body and an example. With
    `media_type` (e.g. "application/json" on an endpoint that also renders CSV) only for that type."""
    return {
        ((code, media_type) if media_type else code): OpenApiResponse(
            response=ErrorSerializer,
            description=ERROR_DESCRIPTIONS.get(code, ""),
            examples=[ERROR_EXAMPLES[code]] if code in ERROR_EXAMPLES else [],
        )
        for code in codes
    }


# The path parameters every module shares, described once (drf-spectacular cannot infer a text).
PATH_PARAMETER_DESCRIPTIONS = {
    "id": "The object's numeric id, as returned by the list.",
    "year": "The edition's year, e.g. 2024.",
    "city_slug": "The city's slug, e.g. `bochum` (one of your own cities).",
    "parameter_key": "The parameter's key in the edition's catalogue, e.g. `anteil-emissionsarme-busse`.",
    "slug": "The city's slug, e.g. `bochum`.",
}
QUERY_PARAMETER_DESCRIPTIONS = {
    "format": "`csv` for the same rows as CSV (alternatively send `Accept: text/csv`); JSON by default.",
}


def describe_shared_parameters(result, generator, request, public):
    """Postprocessing hook: fill in the description of shared path and format parameters that have none."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("description"):
                    continue
                known = PATH_PARAMETER_DESCRIPTIONS if parameter.get("in") == "path" else QUERY_PARAMETER_DESCRIPTIONS
                if parameter["name"] in known:
                    parameter["description"] = known[parameter["name"]]
    return result


ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Answered before any view (api.middleware.ApiQueryMiddleware), so every operation can get them.
API_WIDE_RESPONSES = {
    "400": "Invalid input; also a query parameter given twice (every parameter takes one value).",
    "414": "The query string is longer than the API accepts (API_MAX_QUERY_CHARS, 2048 by default).",
}
# DRF refuses a NUL character in every text field; the schema says so.
NO_NUL = "^[^\\x00]*$"
NO_NUL_EXEMPT = {"enum", "format", "pattern"}


def document_api_wide_rules(result, generator, request, public):
    """Postprocessing hook: the responses every operation can get (400 for a repeated query parameter, 414),
    no NUL character in any text query parameter or text field of a request body (a 400 in both), and that
    an optional query parameter given empty (`?size=`) counts as left out (as HTML forms send it)."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in API_WIDE_RESPONSES.items():
                operation["responses"].setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
                )
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True  # an empty value counts as left out, everywhere
                schema = parameter.get("schema", {})
                if (
                    parameter.get("in") == "query"
                    and schema.get("type") == "string"
                    and not NO_NUL_EXEMPT & schema.keys()
                ):
                    parameter["schema"] = {**schema, "pattern": NO_NUL}
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the request halves of the components
            continue
        for field in component.get("properties", {}).values():
            if field.get("type") == "string" and not NO_NUL_EXEMPT & field.keys():
                field["pattern"] = NO_NUL
    return result
