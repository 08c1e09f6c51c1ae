"""Shared pieces of the signed-in API (workspace/, review/, editor/): who may call it, versions and ETags,
and the OpenAPI descriptions of its error responses."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, permissions, status
from rest_framework.authentication import SessionAuthentication

from api.authentication import TokenAuthentication
from api.parsers import JSONParser
from api.permissions import TokenScope
from api.schema import ErrorSerializer, error_responses
from indicators import roles


class PrivateAPIMixin:
    """Never anonymous. The bearer token comes first so that an anonymous call is a 401 with
    `WWW-Authenticate: Bearer` (DRF answers 403 when its first authenticator, as the session is, offers
    no challenge). A session call still needs the CSRF token for unsafe methods (SessionAuthentication);
    a read token cannot write (TokenScope)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    parser_classes = [JSONParser]  # values are typed (true/false, numbers): JSON only
    permission_classes = [permissions.IsAuthenticated, TokenScope]


class IsReviewerOrEditor(permissions.BasePermission):
    message = _lazy("Nur Prüferinnen und Prüfer sowie die Redaktion haben Zugang zur Prüfung.")

    def has_permission(self, request, view):
        return roles.is_reviewer(request.user) or roles.is_editor(request.user)


class IsEditor(permissions.BasePermission):
    message = _lazy("Nur die Redaktion hat Zugang zu den Berechnungen.")

    def has_permission(self, request, view):
        return roles.is_editor(request.user)


class WorkflowRejected(exceptions.APIException):
    """An illegal transition or a write the edition's phase does not allow (the service's WorkflowError):
    400 with code "workflow", kept apart from 409, which always means "re-read and try again"."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "workflow"


def etag(version: int) -> str:
    return f'"{version}"'


_IF_MATCH = re.compile(r'^"(\d+)"$')


def expected_version(request, body_version: int | None, *, required: bool) -> tuple[int | None, int]:
    """The version the caller last read, and the status of a conflict: `If-Match: "<version>"` (a stale
    one is 412) or `version` in the body (409). Both may be sent if they agree. Raises a 400 for a
    malformed If-Match, a disagreement, or (when `required`) neither."""
    header = request.headers.get("If-Match")
    if header is None:
        if body_version is None and required:
            raise exceptions.ValidationError(
                {"version": [_("Bitte die gelesene Version angeben (im Feld „version“ oder als If-Match).")]}
            )
        return body_version, status.HTTP_409_CONFLICT
    match = _IF_MATCH.match(header.strip())
    if match is None:
        raise exceptions.ValidationError({"If-Match": [_('If-Match erwartet genau ein ETag wie "3".')]})
    version = int(match.group(1))
    if body_version is not None and body_version != version:
        raise exceptions.ValidationError({"version": [_("„version“ und If-Match widersprechen sich.")]})
    return version, status.HTTP_412_PRECONDITION_FAILED


# --- OpenAPI ---------------------------------------------------------------------------------------

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": _IF_MATCH.pattern},
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag of the answer you last read, e.g. `"3"`. A stale one is answered with 412 '
    "(instead of 409 for a stale `version` in the body).",
)

ETAG_HEADER = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description='The answer\'s version as an entity tag, e.g. `"3"` (`"0"`: not answered yet).',
)


def _example(code: int, name: str, message: str, error_code: str, errors: dict | None = None) -> OpenApiExample:
    return OpenApiExample(
        name,
        value={"message": message, "code": error_code, "errors": errors or {}},
        response_only=True,
        status_codes=[str(code)],
    )


PRIVATE_ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input (`code` invalid, `errors` per field), or the workflow or the edition's "
        "phase does not allow it (`code` workflow, the reason in `message`).",
        examples=[
            _example(400, "invalid", "Die Eingaben sind ungültig.", "invalid", {"value": ["Bitte eine Zahl angeben."]}),
            _example(
                400,
                "workflow",
                "Eine Antwort im Status „freigegeben“ kann nicht in den Status „eingereicht“ wechseln.",
                "workflow",
            ),
        ],
    ),
    401: OpenApiResponse(
        ErrorSerializer,
        description="No credentials, or a wrong or revoked token.",
        examples=[_example(401, "not_authenticated", "Anmeldedaten fehlen.", "not_authenticated")],
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not allowed: the role, the conflict-of-interest rule, a read-only token, or a missing "
        "CSRF token with session authentication.",
        examples=[_example(403, "permission_denied", "Dieses Token darf nur lesen.", "permission_denied")],
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description="Not found, not one of your cities (other cities cannot be probed), or a page number past the end.",
        examples=[_example(404, "not_found", "Nicht gefunden.", "not_found")],
    ),
}


def private_errors(*codes: int) -> dict:
    """`responses` entries for the given statuses, and 429 (throttled), which any call can get."""
    return {**{code: PRIVATE_ERRORS[code] for code in codes}, **error_responses(429)}
