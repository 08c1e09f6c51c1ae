"""One JSON shape for every API error: {"message": "...", "errors": {field: [messages]}, "code": "..."}."""

import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _messages(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [f"{key}: {' '.join(_messages(value))}" for key, value in detail.items()]
    return [str(detail)]


def error_body(message: str, *, code: str, errors: dict | None = None, **extra) -> dict:
    return {"message": str(message), "code": code, "errors": errors or {}, **extra}


def exception_handler(exc, context):
    """DRF's handler, with the services' Django errors mapped (validation → 400, permission → 403)
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


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    """404 outside any view (an address no route matches, e.g. a malformed year): JSON under /api/."""
    if _is_api(request):
        return JsonResponse(error_body(_("Nicht gefunden."), code="not_found"), status=404)
    return defaults.page_not_found(request, exception)


# Seconds a client is asked to wait when the database is briefly unreachable (a restart, a failover).
DATABASE_RETRY_AFTER_SECONDS = 30


def _database_unavailable() -> bool:
    """Whether the error being handled is the database being unreachable (Django calls handler500 from
    inside its `except`, so the exception is the current one, also when a middleware raised it)."""
    return isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))


def server_error(request):
    """500: JSON under /api/ (the error shape), the site's page elsewhere; the traceback only goes to the log.

    A database that cannot be reached is answered 503 with Retry-After instead: the request may be repeated
    as it is, and the connection is re-established by the next request (CONN_HEALTH_CHECKS).
    """
    if _database_unavailable():
        if _is_api(request):
            body = error_body(_("Der Dienst ist kurz nicht erreichbar; bitte gleich noch einmal."), code="unavailable")
            response = JsonResponse(body, status=503)
        else:
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    if _is_api(request):
        return JsonResponse(error_body(_("Ein interner Fehler ist aufgetreten."), code="error"), status=500)
    return defaults.server_error(request)
