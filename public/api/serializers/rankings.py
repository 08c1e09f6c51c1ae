"""Serializers of a ranking's rows and of rank intervals (the uncertainty analysis)."""

from rest_framework import serializers

from public.api.serializers.cities import CityRefSerializer


class RankIntervalSerializer(serializers.Serializer):
    """Where a rank plausibly lies under the robustness analysis of the published run (Monte Carlo draws of
    other plausible weights, scaling methods and missing-data rules). The official rank is unaffected."""

    median = serializers.FloatField(help_text="The median rank over all draws.")
    low = serializers.IntegerField(help_text="The best plausible rank: 5th percentile of the draws' ranks.")
    high = serializers.IntegerField(help_text="The worst plausible rank: 95th percentile of the draws' ranks.")

    class Meta:
        ref_name = "PublicRankInterval"


def rank_interval_field(of: str = "rank", null_also: str = "") -> RankIntervalSerializer:
    """A nullable rank interval: of the total rank or of a domain's rank."""
    return RankIntervalSerializer(
        allow_null=True,
        help_text=(
            f"The {of}'s 5–95 % interval and median under the robustness analysis, e.g. "
            f'`{{"median": 4.0, "low": 3, "high": 7}}`; null while the analysis is not computed{null_also}.'
        ),
    )


class RankingDomainSerializer(serializers.Serializer):
    key = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    trend = serializers.IntegerField(allow_null=True, help_text="Previous rank − rank; null for a new city.")
    bonus = serializers.FloatField(allow_null=True, help_text="Innovation bonus counted in the score.")
    rank_interval = rank_interval_field("domain rank")

    class Meta:
        ref_name = "PublicRankingDomain"


class RankingRowSerializer(serializers.Serializer):
    """One row of a ranking. Fields marked "overall", "domain" or "indicator" appear only in that ranking."""

    rank = serializers.IntegerField(help_text="Rank in this ranking; exact ties share a rank.")
    rank_interval = rank_interval_field(
        "rank", " and in indicator rankings (the analysis covers the total and the domains)"
    )
    trend = serializers.IntegerField(
        allow_null=True,
        help_text="Previous published rank − rank; null for a city new to the index and in indicator rankings.",
    )
    city = CityRefSerializer()
    total = serializers.FloatField(required=False, help_text="Overall and domain rankings: the total index 0..100.")
    completeness = serializers.FloatField(required=False, help_text="Overall: share of parameters answered (0..1).")
    domains = RankingDomainSerializer(many=True, required=False, help_text="Overall: every domain, in order.")
    score = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Domain and indicator rankings: the score 0..100 (null: no data, excluded by the edition's rule).",
    )
    bonus = serializers.FloatField(required=False, help_text="Domain: the innovation bonus counted in the score.")
    raw = serializers.FloatField(
        required=False, allow_null=True, help_text="Indicator: the raw value (share of points reached, 0..1)."
    )

    class Meta:
        ref_name = "PublicRankingRow"

    def to_representation(self, row: dict) -> dict:
        # One serializer for the three rankings: only the fields the row has.
        return {name: value for name, value in super().to_representation(row).items() if name in row}
