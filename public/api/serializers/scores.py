"""Serializers of a city's scores in a published run (domains, indicators) and of its history."""

from rest_framework import serializers

from public.api.serializers.cities import CityRefSerializer
from public.api.serializers.rankings import rank_interval_field


class ScoreDomainSerializer(serializers.Serializer):
    key = serializers.CharField(source="domain.key")
    name_de = serializers.CharField(source="domain.name_de")
    name_en = serializers.CharField(source="domain.name_en")
    score = serializers.FloatField(help_text="0..100, including the bonus.")
    rank = serializers.IntegerField()
    previous_rank = serializers.IntegerField(allow_null=True)
    trend = serializers.SerializerMethodField()
    bonus = serializers.FloatField()
    completeness = serializers.FloatField()
    rank_interval = rank_interval_field("domain rank")

    class Meta:
        ref_name = "PublicScoreDomain"

    def get_trend(self, score) -> int | None:
        return score.trend


class ScoreIndicatorSerializer(serializers.Serializer):
    key = serializers.CharField(source="indicator.key")
    domain = serializers.CharField(source="indicator.domain.key")
    name_de = serializers.CharField(source="indicator.name_de")
    name_en = serializers.CharField(source="indicator.name_en")
    score = serializers.FloatField(allow_null=True, help_text="0..100; null: no data, excluded by the edition's rule.")
    rank = serializers.IntegerField()
    raw = serializers.FloatField(allow_null=True, help_text="Share of the points reached, 0..1.")

    class Meta:
        ref_name = "PublicScoreIndicator"


DEMO_HELP = "The edition's results are demonstration data (synthetic answers, not real results)."


class CityScoresSerializer(serializers.Serializer):
    edition = serializers.IntegerField(source="run.edition.year")
    is_demo = serializers.BooleanField(source="run.edition.is_demo", help_text=DEMO_HELP)
    city = CityRefSerializer()
    total = serializers.FloatField()
    rank = serializers.IntegerField()
    rank_interval = rank_interval_field()
    indistinguishable_from = serializers.ListField(
        child=serializers.SlugField(),
        allow_null=True,
        help_text=(
            "Slugs of the cities whose rank interval overlaps this city's (not distinguishable from it), nearest "
            "official rank first; empty when there is none, null while the analysis is not computed."
        ),
    )
    previous_rank = serializers.IntegerField(allow_null=True)
    trend = serializers.IntegerField(allow_null=True, help_text="Previous rank − rank; null for a new city.")
    completeness = serializers.FloatField(help_text="Share of the parameters with an approved answer, 0..1.")
    domains = ScoreDomainSerializer(many=True)
    indicators = ScoreIndicatorSerializer(many=True)

    class Meta:
        ref_name = "PublicCityScores"


class HistoryEntrySerializer(serializers.Serializer):
    year = serializers.IntegerField(source="run.edition.year")
    title = serializers.CharField(source="run.edition.title")
    is_demo = serializers.BooleanField(source="run.edition.is_demo", help_text=DEMO_HELP)
    rank = serializers.IntegerField()
    previous_rank = serializers.IntegerField(allow_null=True)
    trend = serializers.IntegerField(allow_null=True)
    total = serializers.FloatField()
    completeness = serializers.FloatField()

    class Meta:
        ref_name = "PublicHistoryEntry"


class CityHistorySerializer(serializers.Serializer):
    city = CityRefSerializer()
    history = HistoryEntrySerializer(many=True, help_text="One entry per published edition, oldest first.")

    class Meta:
        ref_name = "PublicCityHistory"
