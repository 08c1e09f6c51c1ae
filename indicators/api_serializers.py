"""Serializers of the city staff (workspace/) and reviewer (review/) API. They parse and present; the
services in indicators.services decide and write."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import StrictCharField
from api.schema import ErrorSerializer
from indicators.models import Answer, Parameter
from indicators.services import REVIEW_REASONS, review_reason
from indicators.values import to_number

Kind = Parameter.Kind


@extend_schema_field(
    {
        "oneOf": [{"type": "boolean"}, {"type": "string"}, {"type": "number"}],
        "nullable": True,
        "description": "In the parameter's type: true/false (yes_no), an option key (choice), a number "
        "(number, percentage, count); null when unanswered.",
    }
)
class AnswerValueField(serializers.Field):
    """An answer's typed value. Parsing depends on the parameter (see AnswerWriteSerializer.validate_value)."""

    def to_representation(self, value):
        return float(value) if isinstance(value, Decimal) else value

    def to_internal_value(self, data):
        return data


@dataclass
class WorkspaceRow:
    """One parameter of the questionnaire with the city's answer (None while unanswered)."""

    parameter: Parameter
    answer: Answer | None

    @property
    def value(self):
        return self.answer.value if self.answer else None

    @property
    def version(self) -> int:
        # 0 for "no answer yet": saving with version 0 creates it, as in the portal's form.
        return self.answer.version if self.answer else 0


class OptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(help_text="In the request's language.")
    points = serializers.FloatField(help_text="0..1")


class ParameterSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    unit = serializers.CharField()
    min_value = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False, allow_null=True)
    max_value = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False, allow_null=True)
    options = serializers.SerializerMethodField()
    evidence_required = serializers.BooleanField()
    indicator = serializers.CharField(source="indicator.key")
    domain = serializers.CharField(source="indicator.domain.key")

    @extend_schema_field(OptionSerializer(many=True))
    def get_options(self, parameter: Parameter) -> list[dict]:
        return [
            {"key": option["key"], "label": parameter.option_label(option["key"]), "points": float(option["points"])}
            for option in parameter.options
        ]


class WorkspaceAnswerSerializer(serializers.Serializer):
    """A parameter with the city's answer; the answer's fields are null while it is unanswered."""

    parameter = ParameterSerializer()
    value = AnswerValueField(allow_null=True)
    status = serializers.ChoiceField(choices=Answer.Status.choices, source="answer.status", allow_null=True)
    version = serializers.IntegerField(help_text="Send it back when saving or submitting; 0 while unanswered.")
    evidence_url = serializers.CharField(source="answer.evidence_url", allow_null=True)
    note = serializers.CharField(source="answer.note", allow_null=True)
    as_of = serializers.DateField(source="answer.as_of", allow_null=True)
    review_reason = serializers.CharField(
        source="answer.review_reason", allow_null=True, help_text="Why a reviewer sent it back."
    )
    updated_at = serializers.DateTimeField(source="answer.updated_at", allow_null=True)


class AnswerWriteSerializer(serializers.Serializer):
    """Saving an answer: PUT replaces it (omitted fields are cleared, `value` is required), PATCH changes
    only the fields sent. Type is checked here, range, options and phase by the service."""

    value = AnswerValueField(allow_null=True)
    evidence_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    note = StrictCharField(allow_blank=True, required=False, trim_whitespace=False)
    as_of = serializers.DateField(allow_null=True, required=False)
    version = serializers.IntegerField(
        min_value=0, required=False, help_text="The version you last read (or send If-Match); required."
    )

    def validate_value(self, value):
        parameter: Parameter = self.context["parameter"]
        if value is None or value == "":
            return None
        if parameter.kind == Kind.YES_NO:
            if not isinstance(value, bool):
                raise serializers.ValidationError(_("Bitte true oder false angeben."))
            return value
        if parameter.kind == Kind.CHOICE:
            if not isinstance(value, str):
                raise serializers.ValidationError(_("Bitte den Schlüssel einer Option angeben."))
            return value
        if not isinstance(value, int | float | str):
            raise serializers.ValidationError(_("Bitte eine Zahl angeben."))
        return to_number(value, unit=parameter.unit)  # a bool too: "Bitte eine Zahl angeben."


class VersionSerializer(serializers.Serializer):
    """A transition (submit, approve): optionally the version you last read (or send If-Match)."""

    version = serializers.IntegerField(min_value=0, required=False)


class RequestChangesSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=REVIEW_REASONS, help_text="One of the usual reasons.")
    detail = StrictCharField(
        allow_blank=True, required=False, max_length=4000, help_text='What to change; required for "other".'
    )
    version = serializers.IntegerField(min_value=0, required=False)

    def validate(self, data):
        return {**data, "reason_text": review_reason(data["reason"], data.get("detail", ""))}

    def reason_text(self) -> str:
        """The text the city reads (services.review_reason, as in the admin)."""
        return self.validated_data["reason_text"]


class CitySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ReviewAnswerSerializer(serializers.Serializer):
    """An answer as reviewers see it."""

    id = serializers.IntegerField()
    edition = serializers.IntegerField(source="edition.year")
    city = CitySerializer()
    parameter = ParameterSerializer()
    value = AnswerValueField(allow_null=True)
    status = serializers.ChoiceField(choices=Answer.Status.choices)
    version = serializers.IntegerField()
    evidence_url = serializers.CharField()
    note = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)
    review_reason = serializers.CharField()
    updated_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class WorkspaceConflictSerializer(ErrorSerializer):
    current = WorkspaceAnswerSerializer(allow_null=True, help_text="The answer as it is now.")

    class Meta:
        ref_name = "WorkspaceConflict"


class ReviewConflictSerializer(ErrorSerializer):
    current = ReviewAnswerSerializer(allow_null=True, help_text="The answer as it is now.")

    class Meta:
        ref_name = "ReviewConflict"
