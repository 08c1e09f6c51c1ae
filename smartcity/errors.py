"""Errors outside any view, for the whole site: 400 (413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE), 403, 404
and 500 (503 with Retry-After while the database is unreachable), as JSON in the API's one error shape under /api/
and as the site's pages elsewhere (templates/400.html, 403.html, 404.html, 500.html, 503.html, in the language of
the address's prefix: LocaleMiddleware reads it from the path also when no route matches).

The 404 and 403 pages get the request and use the site's layout (base.html); the 400, 500 and 503 pages are
rendered without a request or a database (templates/_error_base.html), so that they cannot fail themselves.

The error shape itself is here, below the API: {"message": "...", "code": "...", "errors": {field: [...]}}.
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults


def error_body(message: str, *, code: str, errors: dict | None = None, **extra) -> dict:
    return {"message": str(message), "code": code, "errors": errors or {}, **extra}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def body_too_large_message() -> str:
    """The message for a request body over DATA_UPLOAD_MAX_MEMORY_SIZE (here and in api.errors)."""
    return _("Die Anfrage ist zu groß (höchstens %(bytes)d Bytes).") % {"bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}


def bad_request(request, exception=None):
    """400 outside any view (Django refused the request: too many fields, a body too large): JSON under
    /api/, 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE; the site's page elsewhere."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(error_body(body_too_large_message(), code="too_large"), status=413)
    return JsonResponse(error_body(_("Die Anfrage ist ungültig."), code="bad_request"), status=400)


def page_not_found(request, exception=None):
    """404 outside any view (an address no route matches, e.g. a malformed year): JSON under /api/."""
    if _is_api(request):
        return JsonResponse(error_body(_("Nicht gefunden."), code="not_found"), status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception=None):
    """403 outside any view's own answer (a view raised PermissionDenied): JSON under /api/, the page elsewhere."""
    if _is_api(request):
        return JsonResponse(error_body(_("Keine Berechtigung."), code="permission_denied"), status=403)
    return defaults.permission_denied(request, exception)


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
