"""Serializers of published editions: links to their data, the methodology of a run."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from indicators.models import Edition, Parameter
from public.api.serializers.base import absolute
from scoring.models import ScoreRun
from smartcity import spreadsheet


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
    results_csv_excel = serializers.URLField(help_text="Open data: results as CSV for German Excel.")
    answers_csv_excel = serializers.URLField(help_text="Open data: approved answers as CSV for German Excel.")
    dcat = serializers.URLField(help_text="The edition's open data metadata after DCAT-AP.de (JSON-LD).")

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
        excel = f"?{spreadsheet.VARIANT_PARAMETER}={spreadsheet.EXCEL_DE}"

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
            "results_csv_excel": file("results", "csv") + excel,
            "answers_csv_excel": file("answers", "csv") + excel,
            "dcat": absolute(request, "v1:public-edition-dcat", year),
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
