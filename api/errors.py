"""One JSON shape for every API error: {"message": "...", "errors": {field: [messages]}, "code": "..."}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from smartcity.errors import body_too_large_message, error_body


class RequestTooLarge(exceptions.APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django refuses to read it): 413, code too_large."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _messages(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [f"{key}: {' '.join(_messages(value))}" for key, value in detail.items()]
    return [str(detail)]


def exception_handler(exc, context):
    """DRF's handler, with the services' Django errors mapped (validation → 400, permission → 403, a body
    too large to read → 413)
    and every body in the same shape. Field errors keep their field names."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(" ".join(exc.args) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(body_too_large_message())
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = detail if isinstance(detail, dict) else {"non_field_errors": _messages(detail)}
        errors = {field: _messages(messages) for field, messages in errors.items()}
        body = error_body(_("Die Eingaben sind ungültig."), code="invalid", errors=errors)
    else:
        message = detail.get("detail", detail) if isinstance(detail, dict) else detail
        body = error_body(" ".join(_messages(message)), code=getattr(exc, "default_code", "error"))
    response.data = body
    return response


def conflict_response(current: dict | None, *, status_code: int = status.HTTP_409_CONFLICT) -> Response:
    """A stale write: 409 (version in the body) or 412 (If-Match), with the current answer."""
    return Response(
        error_body(_("Die Antwort wurde inzwischen von jemand anderem geändert."), code="conflict", current=current),
        status=status_code,
    )
