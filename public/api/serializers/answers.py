"""Serializers of the approved answers behind a published run, with their typed value."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from indicators.models import SOURCE_KIND_CODES, Answer, Parameter
from public.api.serializers.base import json_number


@extend_schema_field(
    {
        "oneOf": [{"type": "boolean"}, {"type": "string"}, {"type": "number"}],
        "nullable": True,
        "description": "yes/no: true or false; choice: the option's key; numbers: a number.",
    }
)
class TypedValueField(serializers.Field):
    def to_representation(self, value):
        return json_number(value)


class AnswerSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.slug")
    city_name = serializers.CharField(source="city.name")
    ags = serializers.CharField(source="city.ags")
    domain = serializers.CharField(source="parameter.indicator.domain.key")
    indicator = serializers.CharField(source="parameter.indicator.key")
    parameter = serializers.CharField(source="parameter.key")
    parameter_name = serializers.CharField(source="parameter.name_de", help_text="The parameter's German name.")
    kind = serializers.ChoiceField(source="parameter.kind", choices=Parameter.Kind.choices)
    value = TypedValueField()
    unit = serializers.CharField(source="parameter.unit")
    evidence_url = serializers.SerializerMethodField()
    # Where the value comes from (issue 16), as in the open data: indicators.models.public_provenance.
    quelle_art = serializers.SerializerMethodField(
        help_text="Where the value comes from: stadt (the city's answer), amtlich (an official file), "
        "recherche (desk research by the index team)."
    )
    quelle = serializers.SerializerMethodField(
        help_text="The source: the official source and its file for an official value, else the source URL."
    )
    stand = serializers.SerializerMethodField(help_text="The date the value refers to (its Stand), ISO 8601.")
    stand_veraltet = serializers.SerializerMethodField(
        help_text="True when the Stand is older than the edition's reference date by more than the configured "
        "age (12 months by default); false without a Stand."
    )

    class Meta:
        model = Answer
        fields = [
            "city",
            "city_name",
            "ags",
            "domain",
            "indicator",
            "parameter",
            "parameter_name",
            "kind",
            "value",
            "unit",
            "evidence_url",
            "as_of",
            "quelle_art",
            "quelle",
            "stand",
            "stand_veraltet",
        ]
        ref_name = "PublicAnswer"

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_evidence_url(self, answer: Answer) -> str | None:
        return answer.evidence_url or None

    @extend_schema_field(serializers.ChoiceField(choices=sorted(SOURCE_KIND_CODES.values())))
    def get_quelle_art(self, answer: Answer) -> str:
        return answer.public_provenance[0]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_quelle(self, answer: Answer) -> str | None:
        return answer.public_provenance[1]

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_stand(self, answer: Answer) -> str | None:
        stand = answer.public_provenance[2]
        return stand.isoformat() if stand else None

    @extend_schema_field(serializers.BooleanField())
    def get_stand_veraltet(self, answer: Answer) -> bool:
        return answer.edition.is_stale_stand(answer.public_provenance[2])
