"""Query strings the API refuses before any view, in its error shape: a parameter given twice (every
parameter of the API takes one value; which one would count was undefined) is a 400, a query string
longer than API_MAX_QUERY_CHARS a 414 (below the servers' own request-line limits, so the answer is
ours and documented)."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from smartcity.errors import error_body

API_PREFIX = "/api/v1/"


class ApiQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            refused = self.refuse(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    @staticmethod
    def refuse(request):
        limit = settings.API_MAX_QUERY_CHARS
        if len(request.META.get("QUERY_STRING", "")) > limit:
            message = _("Die Adresse ist zu lang (höchstens %(chars)d Zeichen nach dem „?“).") % {"chars": limit}
            return JsonResponse(error_body(message, code="uri_too_long"), status=414)
        repeated = {name: [_("Bitte nur einmal angeben.")] for name, values in request.GET.lists() if len(values) > 1}
        if repeated:
            return JsonResponse(
                error_body(_("Die Eingaben sind ungültig."), code="invalid", errors=repeated), status=400
            )
        return None
