"""Output and query serializers of the public API (public/api/). They only shape data; reads are selectors'."""

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from indicators.models import Answer, City, Domain, Edition, Indicator, Parameter
from public import filters
from scoring.models import ScoreRun


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


# --------------------------------------------------------------------------- query parameters


class EditionQuerySerializer(serializers.Serializer):
    edition = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="Year of a published edition; the newest published edition when left out.",
    )


SORTS = ("rank", "total", "score", "name", "population")
ORDERINGS = [value for key in SORTS for value in (key, f"-{key}")]


class RankingQuerySerializer(EditionQuerySerializer):
    domain = serializers.SlugField(required=False, help_text="A domain key: the ranking by this domain.")
    indicator = serializers.SlugField(required=False, help_text="An indicator key: the ranking by this indicator.")
    state = serializers.CharField(required=False, max_length=60, help_text="Only cities of this federal state.")
    size = serializers.ChoiceField(
        required=False,
        choices=[size.key for size in filters.SIZE_CLASSES],
        error_messages={"invalid_choice": _("„{input}“ ist unbekannt.")},
    )
    search = serializers.CharField(required=False, max_length=100, help_text="A part of the city's name.")
    ordering = serializers.ChoiceField(
        required=False,
        choices=ORDERINGS,
        error_messages={"invalid_choice": _("„{input}“ ist keine mögliche Sortierung.")},
    )

    def validate(self, attrs):
        if attrs.get("domain") and attrs.get("indicator"):
            raise serializers.ValidationError(
                {"indicator": [_("Bitte entweder „domain“ oder „indicator“ angeben, nicht beides.")]}
            )
        return attrs


class AnswerQuerySerializer(EditionQuerySerializer):
    city = serializers.SlugField(required=False, help_text="A city's slug: only this city's answers.")
    parameter = serializers.SlugField(required=False, help_text="A parameter key: only answers to this parameter.")


# --------------------------------------------------------------------------- editions


class EditionLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    methodology = serializers.URLField()
    rankings = serializers.URLField()
    answers = serializers.URLField()
    domains = serializers.URLField()
    indicators = serializers.URLField()
    parameters = serializers.URLField()
    page = serializers.URLField(help_text="The ranking on the website.")
    results_csv = serializers.URLField(help_text="Open data: results as CSV.")
    results_json = serializers.URLField(help_text="Open data: results as JSON (with everything to recompute).")
    answers_csv = serializers.URLField(help_text="Open data: approved answers as CSV.")
    answers_json = serializers.URLField(help_text="Open data: approved answers as JSON (with everything to recompute).")

    class Meta:
        ref_name = "PublicEditionLinks"


def _published_at(run: ScoreRun):
    return run.published_at or run.edition.published_at


class EditionSerializer(serializers.Serializer):
    """A published edition (read from its published run)."""

    year = serializers.IntegerField(source="edition.year")
    title = serializers.CharField(source="edition.title")
    published_at = serializers.SerializerMethodField()
    is_demo = serializers.BooleanField(source="edition.is_demo", help_text="The results are demonstration data.")
    city_count = serializers.IntegerField(help_text="Cities ranked in this edition.")
    links = serializers.SerializerMethodField()

    class Meta:
        ref_name = "PublicEdition"

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_published_at(self, run: ScoreRun):
        published_at = _published_at(run)
        return serializers.DateTimeField().to_representation(published_at) if published_at else None

    @extend_schema_field(EditionLinksSerializer)
    def get_links(self, run: ScoreRun) -> dict:
        request, year = self.context["request"], run.edition.year
        by_edition = f"?edition={year}"

        def file(dataset: str, fmt: str) -> str:
            return absolute(request, "public:open_data_file", year, dataset, fmt)

        return {
            "self": absolute(request, "v1:public-edition-detail", year),
            "methodology": absolute(request, "v1:public-edition-methodology", year),
            "rankings": absolute(request, "v1:public-ranking-list", query=by_edition),
            "answers": absolute(request, "v1:public-answer-list", query=by_edition),
            "domains": absolute(request, "v1:public-domain-list", query=by_edition),
            "indicators": absolute(request, "v1:public-indicator-list", query=by_edition),
            "parameters": absolute(request, "v1:public-parameter-list", query=by_edition),
            "page": absolute(request, "public:ranking", year),
            "results_csv": file("results", "csv"),
            "results_json": file("results", "json"),
            "answers_csv": file("answers", "csv"),
            "answers_json": file("answers", "json"),
        }


class MethodologyParameterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Parameter.Kind.choices)
    weight = serializers.FloatField()
    higher_is_better = serializers.BooleanField()
    per_capita = serializers.BooleanField(help_text="Scored per 1,000 inhabitants.")
    goalposts = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="[worst, best] fixed targets instead of the field's worst and best value; null without.",
    )

    class Meta:
        ref_name = "PublicMethodologyParameter"


class MethodologySerializer(serializers.Serializer):
    """The methodology a published run used, as stored with it, and the run's fingerprint."""

    year = serializers.IntegerField(source="edition.year")
    published_at = serializers.SerializerMethodField()
    input_hash = serializers.CharField(help_text="SHA-256 of the run's inputs.")
    code_version = serializers.CharField(help_text="Version of the scoring code that computed the run.")
    city_count = serializers.IntegerField()
    approved_answer_count = serializers.IntegerField()
    normalisation = serializers.ChoiceField(
        source="methodology.normalisation",
        choices=Edition.Normalisation.choices,
        help_text="How numbers and indicator raw values are scaled.",
    )
    aggregation = serializers.ChoiceField(
        source="methodology.aggregation",
        choices=Edition.Aggregation.choices,
        help_text="How the domains are combined into the total.",
    )
    missing_policy = serializers.ChoiceField(
        source="methodology.missing_policy",
        choices=Edition.MissingPolicy.choices,
        help_text="How a parameter without an approved answer counts.",
    )
    bonus_cap = serializers.FloatField(
        source="methodology.bonus_cap", help_text="Most innovation bonus points per domain."
    )
    domain_weights = serializers.DictField(child=serializers.FloatField(), source="methodology.domain_weights")
    indicator_weights = serializers.DictField(child=serializers.FloatField(), source="methodology.indicator_weights")
    parameters = serializers.DictField(child=MethodologyParameterSerializer(), source="methodology.parameters")

    class Meta:
        ref_name = "PublicMethodology"

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_published_at(self, run: ScoreRun):
        published_at = _published_at(run)
        return serializers.DateTimeField().to_representation(published_at) if published_at else None


# --------------------------------------------------------------------------- catalogue


class DomainSerializer(serializers.ModelSerializer):
    edition = serializers.IntegerField(source="edition.year")
    weight = serializers.FloatField()

    class Meta:
        model = Domain
        fields = ["edition", "key", "name_de", "name_en", "weight", "position"]
        ref_name = "PublicDomain"


class IndicatorSerializer(serializers.ModelSerializer):
    edition = serializers.IntegerField(source="domain.edition.year")
    domain = serializers.CharField(source="domain.key", help_text="Key of the indicator's domain.")
    weight = serializers.FloatField(help_text="Weight inside its domain.")

    class Meta:
        model = Indicator
        fields = [
            "edition",
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


# --------------------------------------------------------------------------- cities


class CityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["slug", "name", "ags", "state", "population"]
        ref_name = "PublicCityRef"


class CityLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    scores = serializers.URLField()
    history = serializers.URLField()
    page = serializers.URLField(help_text="The city's profile on the website.")

    class Meta:
        ref_name = "PublicCityLinks"


class CitySerializer(serializers.ModelSerializer):
    size = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = City
        fields = ["slug", "name", "ags", "state", "state_code", "population", "population_date", "size", "links"]
        ref_name = "PublicCity"

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[size.key for size in filters.SIZE_CLASSES],
            help_text="Size class by population (the `size` filter).",
        )
    )
    def get_size(self, city: City) -> str | None:
        size = filters.size_class(city.population)
        return size.key if size else None

    @extend_schema_field(CityLinksSerializer)
    def get_links(self, city: City) -> dict:
        request = self.context["request"]
        return {
            "self": absolute(request, "v1:public-city-detail", city.slug),
            "scores": absolute(request, "v1:public-city-scores", city.slug),
            "history": absolute(request, "v1:public-city-history", city.slug),
            "page": absolute(request, "public:city_latest", city.slug),
        }


class CityDetailSerializer(CitySerializer):
    editions = serializers.ListField(
        child=serializers.IntegerField(), help_text="Years of the published editions the city is ranked in."
    )

    class Meta(CitySerializer.Meta):
        fields = [*CitySerializer.Meta.fields, "editions"]
        ref_name = "PublicCityDetail"


# --------------------------------------------------------------------------- rankings


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


# --------------------------------------------------------------------------- a city's scores and history


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


class CityScoresSerializer(serializers.Serializer):
    edition = serializers.IntegerField(source="run.edition.year")
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


# --------------------------------------------------------------------------- answers


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
        ]
        ref_name = "PublicAnswer"

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_evidence_url(self, answer: Answer) -> str | None:
        return answer.evidence_url or None
