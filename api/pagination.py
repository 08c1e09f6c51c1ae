"""Page-number pagination for every list (`?page=`, `?page_size=` from 1 to 500; anything else is a 400,
an empty value the default)."""

import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

_WHOLE_NUMBER = re.compile(r"^[0-9]{1,6}$")


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        """`page_size` as given, 1 to max_page_size; DRF's own silently fell back to the default for `null`,
        `-5` or `abc` and cut 9999 to the maximum."""
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # left out or empty: as for every query parameter of the API, the default
            return self.page_size
        if not _WHOLE_NUMBER.match(raw) or not 1 <= int(raw) <= self.max_page_size:
            message = _("Bitte eine ganze Zahl von 1 bis %(max)d angeben.") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": self.max_page_size}
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters
