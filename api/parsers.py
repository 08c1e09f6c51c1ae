"""The API's JSON parser: DRF's, refusing nesting deeper than MAX_DEPTH with a 400 in the error shape.

Python's JSON decoder recurses once per level; a body of 100,000 brackets raised RecursionError, which
DRF does not catch (a 500). Nothing the API takes nests deeper than a few levels, so a low bound also
spares the serializers from walking absurd structures. Oversized bodies are refused before parsing
(Django's DATA_UPLOAD_MAX_MEMORY_SIZE; api.errors answers 413).
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def _too_deep(data, limit: int) -> bool:
    """Whether `data` (parsed JSON) nests more than `limit` arrays/objects, walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        message = _("Ungültiges JSON: zu tief verschachtelt (höchstens %(depth)d Ebenen).") % {"depth": MAX_DEPTH}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if _too_deep(data, MAX_DEPTH):
            raise ParseError(message)
        return data
