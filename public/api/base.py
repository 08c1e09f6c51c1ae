"""What every endpoint of the public, read-only API shares: its tag and errors, the published edition of
`?edition=`, query validation, pagination with the edition in the envelope, strict ordering, `Public`.

Anonymous GET only (CORS open). Anything not published does not exist here: an unpublished edition is
404 in a path and 400 as `?edition=`, exactly like one that never existed. Reads go through
scoring.selectors (the same reads as the public pages); every endpoint runs a fixed number of queries,
whatever the number of cities.
"""

from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_field
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny

from api.pagination import Pagination
from api.schema import error_responses
from indicators.models import Edition
from public.opendata import DEMO_HEADER
from scoring import selectors
from scoring.models import ScoreRun

TAG = "public (read only)"
NO_EDITION = gettext_lazy("Es gibt keine veröffentlichte Ausgabe %(value)s.")
ERRORS = error_responses(400, 404, 429)
ERRORS_404 = error_responses(404, 429)


def _no_edition(year) -> ValidationError:
    return ValidationError({"edition": [NO_EDITION % {"value": year}]})


def published_or_error(year: int | None) -> tuple[Edition, ScoreRun]:
    """The published edition and run of `?edition=` (the newest without it): 400 for a year that is not
    published (or unknown), 404 when nothing is published yet (2 queries)."""
    edition, run, _editions = selectors.published(year)
    if run is None:
        if year is not None:
            raise _no_edition(year)
        raise NotFound(_("Es ist noch keine Ausgabe veröffentlicht."))
    return edition, run


def query(serializer_class, request) -> dict:
    """The request's query parameters, validated (400 with a message per parameter)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


EDITION_YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100}
# A slug or key as the query serializers' SlugField takes it (anything else is a 400).
SLUG = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}


def edition_parameter(description: str = "Year of a published edition; the newest published when left out."):
    return OpenApiParameter(
        "edition", EDITION_YEAR, description=description, examples=[OpenApiExample("2024", value=2024)]
    )


class PublicPagination(Pagination):
    """Page-number pagination whose envelope also says which edition (and ranking) the page is of:
    the view sets `page_meta` before paginating."""

    meta_schema: dict = {
        "edition": {"type": "integer", "example": 2024},
        "is_demo": {
            "type": "boolean",
            "example": False,
            "description": "The edition's results are demonstration data (synthetic answers, not real results).",
        },
    }

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {**getattr(self, "meta", {}), **response.data}
        return response

    def paginate_queryset(self, queryset, request, view=None):
        self.meta = getattr(view, "page_meta", {})
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"] = {**self.meta_schema, **paginated["properties"]}
        paginated["required"] = [*self.meta_schema, *paginated.get("required", [])]
        return paginated


class RankingPagination(PublicPagination):
    meta_schema = {
        **PublicPagination.meta_schema,
        "domain": {"type": "string", "nullable": True, "example": None, "description": "The domain ranked by."},
        "indicator": {"type": "string", "nullable": True, "example": None, "description": "The indicator ranked by."},
    }


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` that answers 400 for a field it does not offer (DRF's own ignores it silently)."""

    def get_ordering(self, request, queryset, view):
        param = request.query_params.get(self.ordering_param)
        if param:
            fields = [term.strip() for term in param.split(",")]
            valid = self.remove_invalid_fields(queryset, fields, view, request)
            if len(valid) != len(fields):
                choices = ", ".join(f"{prefix}{name}" for name in view.ordering_fields for prefix in ("", "-"))
                message = _("„%(value)s“ ist keine mögliche Sortierung; möglich: %(choices)s.")
                raise ValidationError({"ordering": [message % {"value": param, "choices": choices}]})
        return super().get_ordering(request, queryset, view)


@extend_schema_field({**EDITION_YEAR, "description": "Year of a published edition.", "example": 2024})
class PublicEditionFilter(django_filters.ModelChoiceFilter):
    """`?edition=YEAR`, a published edition; any other year is a 400 with a clear message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", selectors.published_editions())
        kwargs.setdefault("to_field_name", "year")
        kwargs.setdefault("error_messages", {"invalid_choice": NO_EDITION})
        super().__init__(*args, **kwargs)


SEARCH_MAX_LENGTH = 100


@extend_schema_field(
    {
        "type": "string",
        "maxLength": SEARCH_MAX_LENGTH,
        "description": "Only cities whose name contains this (any case).",
    }
)
class SearchFilter(django_filters.CharFilter):
    """`?search=`: a part of a city's name, at most SEARCH_MAX_LENGTH characters (longer is a 400)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        super().__init__(*args, **kwargs)


class Public:
    """Anyone may read (the views only answer GET/HEAD/OPTIONS); the schema then marks credentials optional.

    A view whose answer is of a demo edition sets `is_demo`: its successful responses then carry the header
    `X-Demo-Data: true` (public.opendata.DEMO_HEADER), beside the `is_demo` field of their body."""

    permission_classes = [AllowAny]
    is_demo = False

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.is_demo and response.status_code < 400:
            response[DEMO_HEADER] = "true"
        return response


def published_edition_years(result, generator, request, public):
    """Postprocessing hook: `?edition=` of the public endpoints may only name a published edition (any
    other year is a 400), so the schema lists the published years as its `enum` when there are any: the
    schema then says what the API accepts (it is generated per request, so a publish shows at once)."""
    try:
        years = sorted(set(selectors.published_editions().values_list("year", flat=True)))
    except DatabaseError:  # `manage.py spectacular` without a database: the schema without the list
        return result
    if not years:
        return result
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or TAG not in operation.get("tags", []):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter["name"] == "edition":
                    parameter["schema"] = {**parameter["schema"], "enum": years}
                    # The documented example (2024) must be one of them, or a client would send a 400.
                    parameter["examples"] = {str(years[-1]): {"value": years[-1], "summary": str(years[-1])}}
    return result
