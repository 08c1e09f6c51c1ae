"""Serializer fields of the API infrastructure, shared by the apps' API modules."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean, `true` or `false`, and nothing else: DRF's own also took 0, 1, "yes", "on" …,
    which the schema (`type: boolean`) does not allow."""

    default_error_messages = {"invalid": _("Bitte true oder false angeben (ein JSON-Wahrheitswert).")}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else: DRF's own also took numbers (0 became "0"), which the schema
    (`type: string`) does not allow, so a client's wrong type is said instead of stored."""

    default_error_messages = {"invalid": _("Bitte einen Text angeben (eine JSON-Zeichenkette).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
