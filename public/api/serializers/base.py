"""What the public API's serializers share: absolute links, numbers as JSON has them."""

from decimal import Decimal

from django.urls import reverse


def absolute(request, name: str, *args, query: str = "") -> str:
    """The absolute URL of a named route (API routes live in the "v1" namespace)."""
    return request.build_absolute_uri(reverse(name, args=args) + query)


def json_number(value: Decimal | float | None) -> int | float | None:
    """A Decimal as a JSON number as entered: 30, 2.5 (as the open-data files write it)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
