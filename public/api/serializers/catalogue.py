"""Serializers of a published catalogue: domains, indicators, parameters with options and goalposts."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from indicators.models import Domain, Indicator, Parameter
from public.api.serializers.scores import DEMO_HELP


class DomainSerializer(serializers.ModelSerializer):
    edition = serializers.IntegerField(source="edition.year")
    is_demo = serializers.BooleanField(source="edition.is_demo", help_text=DEMO_HELP)
    weight = serializers.FloatField()

    class Meta:
        model = Domain
        fields = ["edition", "is_demo", "key", "name_de", "name_en", "weight", "position"]
        ref_name = "PublicDomain"


class IndicatorSerializer(serializers.ModelSerializer):
    edition = serializers.IntegerField(source="domain.edition.year")
    is_demo = serializers.BooleanField(source="domain.edition.is_demo", help_text=DEMO_HELP)
    domain = serializers.CharField(source="domain.key", help_text="Key of the indicator's domain.")
    weight = serializers.FloatField(help_text="Weight inside its domain.")

    class Meta:
        model = Indicator
        fields = [
            "edition",
            "is_demo",
            "domain",
            "key",
            "name_de",
            "name_en",
            "description_de",
            "description_en",
            "weight",
            "position",
        ]
        ref_name = "PublicIndicator"


class OptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label_de = serializers.CharField()
    label_en = serializers.CharField()
    points = serializers.FloatField(help_text="Points of this answer, 0..1.")

    class Meta:
        ref_name = "PublicOption"


class GoalpostsSerializer(serializers.Serializer):
    worst = serializers.FloatField(help_text="This value (or worse) gives 0 points.")
    best = serializers.FloatField(help_text="This value (or better) gives 1 point.")

    class Meta:
        ref_name = "PublicGoalposts"


class ParameterSerializer(serializers.ModelSerializer):
    edition = serializers.IntegerField(source="indicator.domain.edition.year")
    is_demo = serializers.BooleanField(source="indicator.domain.edition.is_demo", help_text=DEMO_HELP)
    domain = serializers.CharField(source="indicator.domain.key")
    indicator = serializers.CharField(source="indicator.key")
    weight = serializers.FloatField(help_text="Weight inside its indicator.")
    direction = serializers.SerializerMethodField()
    min = serializers.FloatField(source="min_value", allow_null=True, help_text="Smallest allowed value.")
    max = serializers.FloatField(source="max_value", allow_null=True, help_text="Largest allowed value.")
    goalposts = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()

    class Meta:
        model = Parameter
        fields = [
            "edition",
            "is_demo",
            "domain",
            "indicator",
            "key",
            "name_de",
            "name_en",
            "help_de",
            "help_en",
            "kind",
            "unit",
            "weight",
            "per_capita",
            "direction",
            "min",
            "max",
            "goalposts",
            "options",
            "source_de",
            "source_en",
            "position",
        ]
        ref_name = "PublicParameter"

    @extend_schema_field(serializers.ChoiceField(choices=["higher_is_better", "lower_is_better"]))
    def get_direction(self, parameter: Parameter) -> str:
        return "higher_is_better" if parameter.higher_is_better else "lower_is_better"

    @extend_schema_field(GoalpostsSerializer(allow_null=True))
    def get_goalposts(self, parameter: Parameter) -> dict | None:
        if parameter.goal_worst is None or parameter.goal_best is None:
            return None
        return {"worst": float(parameter.goal_worst), "best": float(parameter.goal_best)}

    @extend_schema_field(OptionSerializer(many=True))
    def get_options(self, parameter: Parameter) -> list[dict]:
        if parameter.kind != Parameter.Kind.CHOICE:
            return []
        return [
            {
                "key": option["key"],
                "label_de": option.get("label_de", option["key"]),
                "label_en": option.get("label_en", ""),
                "points": float(option["points"]),
            }
            for option in parameter.options
        ]
