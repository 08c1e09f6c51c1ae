"""The public, read-only API v1: published editions, catalogue, cities, rankings, scores and approved answers.

Anonymous GET only (CORS open). Anything not published does not exist here: an unpublished edition is
404 in a path and 400 as `?edition=`, exactly like one that never existed. Reads go through
scoring.selectors (the same reads as the public pages); every endpoint runs a fixed number of queries,
whatever the number of cities.
"""

from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.renderers import CSVRenderer
from api.schema import error_responses
from indicators.models import Answer, City, Domain, Edition, Indicator, Parameter
from scoring import api_serializers as out
from scoring import profile, selectors
from scoring.models import CityScore, ScoreRun

TAG = "public (read only)"
NO_EDITION = gettext_lazy("Es gibt keine veröffentlichte Ausgabe %(value)s.")
ERRORS = error_responses(400, 404, 429)
ERRORS_404 = error_responses(404, 429)


def _no_edition(year) -> ValidationError:
    return ValidationError({"edition": [NO_EDITION % {"value": year}]})


def published_or_error(year: int | None) -> tuple[Edition, ScoreRun]:
    """The published edition and run of `?edition=` (the newest without it): 400 for a year that is not
    published (or unknown), 404 when nothing is published yet (2 queries)."""
    edition, run, _editions = selectors.published(year)
    if run is None:
        if year is not None:
            raise _no_edition(year)
        raise NotFound(_("Es ist noch keine Ausgabe veröffentlicht."))
    return edition, run


def query(serializer_class, request) -> dict:
    """The request's query parameters, validated (400 with a message per parameter)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


EDITION_YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100}


def edition_parameter(description: str = "Year of a published edition; the newest published when left out."):
    return OpenApiParameter(
        "edition", EDITION_YEAR, description=description, examples=[OpenApiExample("2024", value=2024)]
    )


class PublicPagination(Pagination):
    """Page-number pagination whose envelope also says which edition (and ranking) the page is of:
    the view sets `page_meta` before paginating."""

    meta_schema: dict = {"edition": {"type": "integer", "example": 2024}}

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {**getattr(self, "meta", {}), **response.data}
        return response

    def paginate_queryset(self, queryset, request, view=None):
        self.meta = getattr(view, "page_meta", {})
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"] = {**self.meta_schema, **paginated["properties"]}
        paginated["required"] = [*self.meta_schema, *paginated.get("required", [])]
        return paginated


class RankingPagination(PublicPagination):
    meta_schema = {
        **PublicPagination.meta_schema,
        "domain": {"type": "string", "nullable": True, "example": None, "description": "The domain ranked by."},
        "indicator": {"type": "string", "nullable": True, "example": None, "description": "The indicator ranked by."},
    }


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` that answers 400 for a field it does not offer (DRF's own ignores it silently)."""

    def get_ordering(self, request, queryset, view):
        param = request.query_params.get(self.ordering_param)
        if param:
            fields = [term.strip() for term in param.split(",")]
            valid = self.remove_invalid_fields(queryset, fields, view, request)
            if len(valid) != len(fields):
                choices = ", ".join(f"{prefix}{name}" for name in view.ordering_fields for prefix in ("", "-"))
                message = _("„%(value)s“ ist keine mögliche Sortierung; möglich: %(choices)s.")
                raise ValidationError({"ordering": [message % {"value": param, "choices": choices}]})
        return super().get_ordering(request, queryset, view)


@extend_schema_field({**EDITION_YEAR, "description": "Year of a published edition.", "example": 2024})
class PublicEditionFilter(filters.ModelChoiceFilter):
    """`?edition=YEAR`, a published edition; any other year is a 400 with a clear message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", selectors.published_editions())
        kwargs.setdefault("to_field_name", "year")
        kwargs.setdefault("error_messages", {"invalid_choice": NO_EDITION})
        super().__init__(*args, **kwargs)


class Public:
    """Anyone may read (the views only answer GET/HEAD/OPTIONS); the schema then marks credentials optional."""

    permission_classes = [AllowAny]


# --------------------------------------------------------------------------- editions


class EditionList(Public, generics.ListAPIView):
    serializer_class = out.EditionSerializer
    queryset = selectors.published_runs()
    filter_backends = []

    @extend_schema(
        tags=[TAG],
        summary="Published editions",
        description="Every published edition, newest first, with links to its data.",
        responses={200: out.EditionSerializer(many=True), **error_responses(404, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _published_run(year: str) -> ScoreRun:
    """The published run of the edition `year` names (a path segment: any text, so that a malformed year is a
    404 in the API's error shape rather than Django's HTML page for an unmatched URL)."""
    run = selectors.published_runs().filter(edition__year=int(year)).first() if year.isdigit() else None
    if run is None:
        raise NotFound(NO_EDITION % {"value": year})
    return run


YEAR = OpenApiParameter("year", int, OpenApiParameter.PATH, description="Year of a published edition.")


class EditionDetail(Public, generics.RetrieveAPIView):
    serializer_class = out.EditionSerializer
    queryset = selectors.published_runs()

    def get_object(self):
        return _published_run(self.kwargs["year"])

    @extend_schema(
        tags=[TAG],
        summary="A published edition",
        parameters=[YEAR],
        responses={200: out.EditionSerializer, **ERRORS_404},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EditionMethodology(Public, generics.RetrieveAPIView):
    serializer_class = out.MethodologySerializer
    queryset = selectors.published_runs()

    def get_object(self):
        return _published_run(self.kwargs["year"])

    @extend_schema(
        tags=[TAG],
        summary="The methodology of a published edition",
        description=(
            "What the published score run used, as data: scaling (normalisation), aggregation, missing-data "
            "policy, bonus cap and every weight, direction, per-capita flag and goalposts, keyed by catalogue key; "
            "with the run's input hash and code version. With the open-data answers file this recomputes the "
            "ranking."
        ),
        parameters=[YEAR],
        responses={200: out.MethodologySerializer, **ERRORS_404},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --------------------------------------------------------------------------- catalogue


class DomainFilter(filters.FilterSet):
    edition = PublicEditionFilter(field_name="edition")

    class Meta:
        model = Domain
        fields = ["edition"]


class DomainList(Public, generics.ListAPIView):
    serializer_class = out.DomainSerializer
    queryset = (
        Domain.objects.filter(edition__in=selectors.published_editions())
        .select_related("edition")
        .order_by("-edition__year", "position", "id")
    )
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = DomainFilter

    @extend_schema(
        tags=[TAG],
        summary="Domains",
        description="The domains of published editions (newest edition first, then in order).",
        responses={200: out.DomainSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class IndicatorFilter(filters.FilterSet):
    edition = PublicEditionFilter(field_name="domain__edition")
    domain = filters.CharFilter(field_name="domain__key", help_text="A domain key.")

    class Meta:
        model = Indicator
        fields = ["edition", "domain"]


class IndicatorList(Public, generics.ListAPIView):
    serializer_class = out.IndicatorSerializer
    queryset = (
        Indicator.objects.filter(domain__edition__in=selectors.published_editions())
        .select_related("domain__edition")
        .order_by("-domain__edition__year", "domain__position", "domain_id", "position", "id")
    )
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = IndicatorFilter

    @extend_schema(
        tags=[TAG],
        summary="Indicators",
        description="The indicators (categories) of published editions, in catalogue order.",
        responses={200: out.IndicatorSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ParameterFilter(filters.FilterSet):
    edition = PublicEditionFilter(field_name="indicator__domain__edition")
    domain = filters.CharFilter(field_name="indicator__domain__key", help_text="A domain key.")
    indicator = filters.CharFilter(field_name="indicator__key", help_text="An indicator key.")
    kind = filters.ChoiceFilter(choices=Parameter.Kind.choices)

    class Meta:
        model = Parameter
        fields = ["edition", "domain", "indicator", "kind"]


class ParameterList(Public, generics.ListAPIView):
    serializer_class = out.ParameterSerializer
    queryset = (
        Parameter.objects.filter(indicator__domain__edition__in=selectors.published_editions())
        .select_related("indicator__domain__edition")
        .order_by(
            "-indicator__domain__edition__year",
            "indicator__domain__position",
            "indicator__domain_id",
            "indicator__position",
            "indicator_id",
            "position",
            "id",
        )
    )
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ParameterFilter

    @extend_schema(
        tags=[TAG],
        summary="Parameters",
        description=(
            "The questions of published editions: kind, unit, weight, options with points, per capita, "
            "direction and goalposts, in catalogue order."
        ),
        responses={200: out.ParameterSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --------------------------------------------------------------------------- cities

SIZE_CHOICES = [(size.key, size.label) for size in selectors.SIZE_CLASSES]


class CityFilter(filters.FilterSet):
    edition = PublicEditionFilter(method="filter_edition")  # only cities ranked in that edition
    state = filters.ChoiceFilter(
        choices=[(state, state) for state in selectors.FEDERAL_STATES], help_text="A federal state."
    )
    size = filters.ChoiceFilter(choices=SIZE_CHOICES, method="filter_size", help_text="A size class by population.")
    search = filters.CharFilter(
        method="filter_search", max_length=100, help_text="Only cities whose name contains this (any case)."
    )

    class Meta:
        model = City
        fields = ["edition", "state", "size", "search"]

    def filter_edition(self, queryset: QuerySet, name: str, edition: Edition) -> QuerySet:
        return queryset.filter(
            pk__in=CityScore.objects.filter(run__in=selectors.published_runs().filter(edition=edition)).values(
                "city_id"
            )
        )

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Matched in Python like the ranking's search (selectors.CityFilter): SQLite folds the case of ASCII
        # letters only, and "MÜNCHEN" should find München on every database. One query over names.
        needle = value.casefold()
        return queryset.filter(
            pk__in=[pk for pk, city_name in queryset.values_list("pk", "name") if needle in city_name.casefold()]
        )

    def filter_size(self, queryset: QuerySet, name: str, key: str) -> QuerySet:
        size = selectors.SIZE_CLASS_BY_KEY[key]
        if size.minimum is not None:
            queryset = queryset.filter(population__gte=size.minimum)
        if size.maximum is not None:
            queryset = queryset.filter(population__lt=size.maximum)
        return queryset


CITY_ORDERINGS = ["name", "population", "ags"]


class CityList(Public, generics.ListAPIView):
    serializer_class = out.CitySerializer
    queryset = selectors.ranked_cities().order_by("name", "id")
    filter_backends = [filters.DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = CityFilter
    ordering_fields = CITY_ORDERINGS
    ordering = ["name", "id"]

    @extend_schema(
        tags=[TAG],
        summary="Cities",
        description="Cities ranked in at least one published edition, by name.",
        parameters=[
            OpenApiParameter(
                "ordering",
                str,
                enum=[f"{prefix}{name}" for name in CITY_ORDERINGS for prefix in ("", "-")],
                description="Sort by name (default), population or AGS; `-` for descending.",
            )
        ],
        responses={200: out.CitySerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The city's slug, e.g. `bochum`.")


def _ranked_city(slug: str) -> City:
    city = selectors.ranked_cities().filter(slug=slug).first()
    if city is None:
        raise NotFound(_("Keine Stadt „%(slug)s“ in einer veröffentlichten Ausgabe.") % {"slug": slug})
    return city


class CityDetail(Public, generics.RetrieveAPIView):
    serializer_class = out.CityDetailSerializer
    queryset = selectors.ranked_cities()

    def get_object(self):
        city = _ranked_city(self.kwargs["slug"])
        city.editions = [score.run.edition.year for score in profile.city_history(city)]
        return city

    @extend_schema(
        tags=[TAG],
        summary="A city",
        parameters=[SLUG],
        responses={200: out.CityDetailSerializer, **ERRORS_404},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CityScores(Public, APIView):
    @extend_schema(
        tags=[TAG],
        summary="A city's scores in a published edition",
        description=(
            "Total, rank, trend and completeness, each domain (score incl. bonus, rank, bonus) and each indicator "
            "(score, rank, raw value). Without `edition`: the newest published edition the city is ranked in.\n\n"
            "From the run's robustness analysis: `rank_interval` of the total and of each domain (median rank and "
            "5–95 % interval over the analysis' draws) and `indistinguishable_from`, the cities whose interval "
            "overlaps this city's; both null while the analysis is not computed."
        ),
        parameters=[SLUG, edition_parameter("Year of a published edition; the newest one the city is ranked in.")],
        responses={
            200: OpenApiResponse(
                out.CityScoresSerializer,
                examples=[
                    OpenApiExample(
                        "scores",
                        value={
                            "edition": 2024,
                            "city": {
                                "slug": "bochum",
                                "name": "Bochum",
                                "ags": "05911000",
                                "state": "Nordrhein-Westfalen",
                                "population": 364454,
                            },
                            "total": 61.2,
                            "rank": 4,
                            "rank_interval": {"median": 4.0, "low": 3, "high": 7},
                            "indistinguishable_from": ["dortmund", "aachen", "bonn"],
                            "previous_rank": 6,
                            "trend": 2,
                            "completeness": 0.95,
                            "domains": [
                                {
                                    "key": "verwaltung",
                                    "name_de": "Verwaltung",
                                    "name_en": "Administration",
                                    "score": 70.4,
                                    "rank": 3,
                                    "previous_rank": 3,
                                    "trend": 0,
                                    "bonus": 0.0,
                                    "completeness": 1.0,
                                    "rank_interval": {"median": 3.0, "low": 2, "high": 5},
                                }
                            ],
                            "indicators": [
                                {
                                    "key": "serviceportal",
                                    "domain": "verwaltung",
                                    "name_de": "Serviceportal",
                                    "name_en": "Service portal",
                                    "score": 80.0,
                                    "rank": 2,
                                    "raw": 0.8,
                                }
                            ],
                        },
                    )
                ],
            ),
            **ERRORS,
        },
    )
    def get(self, request, slug: str):
        year = query(out.EditionQuerySerializer, request).get("edition")
        city = _ranked_city(slug)
        history = profile.city_history(city)
        edition, run = published_or_error(year if year is not None else history[-1].run.edition.year)
        score = next((row for row in history if row.run_id == run.pk), None)
        if score is None:
            raise NotFound(
                _("%(city)s ist in der Ausgabe %(year)s nicht bewertet.") % {"city": city.name, "year": edition.year}
            )
        domains, indicators = selectors.city_scores(run, city)
        uncertainties = selectors.rank_uncertainties(run, with_cities=True)
        uncertainty = uncertainties.get(city.pk)
        score.city = city
        score.domains, score.indicators = domains, indicators
        score.rank_interval = selectors.overall_interval(uncertainty)
        score.indistinguishable_from = (
            None
            if uncertainty is None
            else [uncertainties[pk].city.slug for pk in uncertainty.indistinguishable if pk in uncertainties]
        )
        for domain in domains:
            domain.rank_interval = selectors.domain_interval(uncertainty, domain.domain.key)
        return Response(out.CityScoresSerializer(score).data)


class CityHistory(Public, APIView):
    @extend_schema(
        tags=[TAG],
        summary="A city's rank and total in every published edition",
        parameters=[SLUG],
        responses={200: out.CityHistorySerializer, **ERRORS_404},
    )
    def get(self, request, slug: str):
        city = _ranked_city(slug)
        return Response(out.CityHistorySerializer({"city": city, "history": profile.city_history(city)}).data)


# --------------------------------------------------------------------------- rankings


def _city_columns(row: dict) -> dict:
    city = row["city"]
    return {
        "rank": row["rank"],
        "trend": row.get("trend"),
        "city": city["name"],
        "slug": city["slug"],
        "ags": city["ags"],
        "state": city["state"],
        "population": city["population"],
    }


CITY_COLUMNS = ["rank", "trend", "city", "slug", "ags", "state", "population"]


class RankingList(Public, generics.ListAPIView):
    serializer_class = out.RankingRowSerializer
    queryset = CityScore.objects.none()  # rows come from selectors; this only tells the schema the model
    filter_backends = []
    pagination_class = RankingPagination
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        tags=[TAG],
        summary="Ranking of a published edition",
        description=(
            "The overall ranking (rows with total, completeness and every domain), or with `domain` a domain "
            "ranking (score incl. bonus, bonus, total; rank and trend are the domain's), or with `indicator` "
            "an indicator ranking (score, raw value). Filters never re-rank: a filtered city keeps its rank.\n\n"
            "`rank_interval` (overall and domain rankings, and each domain of an overall row) is where the rank "
            "plausibly lies under the published run's robustness analysis: the median rank and the 5–95 % "
            'interval over its draws, e.g. `{"median": 4.0, "low": 3, "high": 7}`; null while the analysis is '
            "not computed, and in indicator rankings. Not in the CSV.\n\n"
            "As CSV with `?format=csv` or `Accept: text/csv`: every matching row (not paginated), flat columns "
            "`rank, trend, city, slug, ags, state, population`, then `total, completeness, "
            "domain:<key>:score|rank|trend|bonus` (overall), `score, bonus, total` (domain) or `score, raw` "
            "(indicator); numbers with a dot, empty cells for no value."
        ),
        parameters=[
            edition_parameter(),
            OpenApiParameter("domain", str, description="Rank by this domain (its key)."),
            OpenApiParameter("indicator", str, description="Rank by this indicator (its key); not with `domain`."),
            OpenApiParameter("state", str, description="Only cities of this federal state, e.g. `Bayern`."),
            OpenApiParameter("size", str, enum=[key for key, _label in SIZE_CHOICES], description="Size class."),
            OpenApiParameter("search", str, description="Only cities whose name contains this (any case)."),
            OpenApiParameter(
                "ordering",
                str,
                enum=out.ORDERINGS,
                description=(
                    "Sort by rank (default), total (overall), score (domain, indicator), name or population; "
                    "`-` for descending. Equal values are listed by name; cities without a value come last."
                ),
            ),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                out.RankingRowSerializer(many=True),
                examples=[
                    OpenApiExample(
                        "overall",
                        value={
                            "rank": 1,
                            "rank_interval": {"median": 1.0, "low": 1, "high": 2},
                            "trend": 0,
                            "city": {
                                "slug": "muenchen",
                                "name": "München",
                                "ags": "09162000",
                                "state": "Bayern",
                                "population": 1510378,
                            },
                            "total": 85.4,
                            "completeness": 1.0,
                            "domains": [
                                {
                                    "key": "verwaltung",
                                    "score": 90.1,
                                    "rank": 1,
                                    "trend": 2,
                                    "bonus": 3.0,
                                    "rank_interval": {"median": 1.0, "low": 1, "high": 3},
                                }
                            ],
                        },
                    )
                ],
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                examples=[
                    OpenApiExample(
                        "overall as CSV",
                        value=(
                            "rank,trend,city,slug,ags,state,population,total,completeness,"
                            "domain:verwaltung:score,domain:verwaltung:rank,domain:verwaltung:trend,"
                            "domain:verwaltung:bonus\r\n"
                            "1,0,München,muenchen,09162000,Bayern,1510378,85.4,1.0,90.1,1,2,3.0\r\n"
                        ),
                    )
                ],
            ),
            **error_responses(400, 404, 429, media_type="application/json"),
        },
    )
    def get(self, request, *args, **kwargs):
        params = query(out.RankingQuerySerializer, request)
        edition, run = published_or_error(params.get("edition"))
        domains, scores = selectors.ranking(run)
        domain = indicator = None
        if key := params.get("domain"):
            domain = next((d for d in domains if d.key == key), None)
            if domain is None:
                raise ValidationError(
                    {
                        "domain": [
                            _("Die Ausgabe %(year)s hat keinen Themenbereich „%(key)s“.") % _year_key(edition, key)
                        ]
                    }
                )
        if key := params.get("indicator"):
            indicator = selectors.published_indicator(run, key)
            if indicator is None:
                raise ValidationError(
                    {"indicator": [_("Die Ausgabe %(year)s hat keinen Indikator „%(key)s“.") % _year_key(edition, key)]}
                )
        if indicator is not None:
            source = selectors.indicator_ranking(run, indicator)
            rows = [_indicator_row(row) for row in source]
            columns = [*CITY_COLUMNS, "score", "raw"]
        elif domain is not None:
            source = selectors.ranking_rows(domains, scores, by=domain)
            index = domains.index(domain)
            rows = [_domain_row(row, index) for row in source]
            columns = [*CITY_COLUMNS, "score", "bonus", "total"]
        else:
            source = selectors.ranking_rows(domains, scores)
            by_city = {score.city_id: score for score in scores}
            rows = [_overall_row(row, domains, by_city[row.city.pk]) for row in source]
            columns = [*CITY_COLUMNS, "total", "completeness"] + [
                f"domain:{d.key}:{field}" for d in domains for field in ("score", "rank", "trend", "bonus")
            ]
        rows = _filtered(rows, params, states=selectors.states(source))
        rows = _ordered(
            rows, params.get("ordering", "rank"), kind="indicator" if indicator else "domain" if domain else "overall"
        )

        if request.accepted_renderer.format == CSVRenderer.format:
            self.csv_columns = columns
            data = [_flat(row) for row in out.RankingRowSerializer(rows, many=True).data]
            name = f"smart-city-index-{edition.year}-ranking"
            name += f"-{domain.key}" if domain else f"-{indicator.key}" if indicator else ""
            return Response(data, headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        self.page_meta = {
            "edition": edition.year,
            "domain": domain.key if domain else None,
            "indicator": indicator.key if indicator else None,
        }
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON in the one error shape, also when CSV was asked for.
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None) is not None:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _year_key(edition: Edition, key: str) -> dict:
    return {"year": edition.year, "key": key}


def _overall_row(row: selectors.RankingRow, domains: list[Domain], city_score: CityScore) -> dict:
    """`city_score` is the row's CityScore as selectors.ranking() gives it (with `uncertainty`)."""
    return {
        "rank": row.rank,
        "rank_interval": row.interval,
        "trend": row.trend,
        "city": row.city,
        "total": row.total,
        "completeness": city_score.completeness,
        "domains": [
            {
                "key": domain.key,
                "score": score.score if score else None,
                "rank": score.rank if score else None,
                "trend": None if score is None or score.previous_rank is None else score.previous_rank - score.rank,
                "bonus": score.bonus if score else None,
                "rank_interval": selectors.domain_interval(city_score.uncertainty, domain.key),
            }
            for domain, score in zip(domains, row.domain_scores, strict=True)
        ],
    }


def _domain_row(row: selectors.RankingRow, index: int) -> dict:
    score = row.domain_scores[index]
    return {
        "rank": row.rank,
        "rank_interval": row.interval,
        "trend": row.trend,
        "city": row.city,
        "score": score.score if score else None,
        "bonus": score.bonus if score else None,
        "total": row.total,
    }


def _indicator_row(row: selectors.IndicatorRow) -> dict:
    # The robustness analysis covers the total and the domains, not single indicators.
    return {
        "rank": row.rank,
        "rank_interval": None,
        "trend": None,
        "city": row.city,
        "score": row.score,
        "raw": row.raw,
    }


def _filtered(rows: list[dict], params: dict, *, states: list[str]) -> list[dict]:
    """Rows of cities matching state, size and search (the public pages' city filter); 400 for an unknown state."""
    state = params.get("state", "")
    if state and state not in states:
        raise ValidationError({"state": [_("„%(value)s“ ist unbekannt.") % {"value": state}]})
    city_filter = selectors.CityFilter(state=state, size=params.get("size", ""), search=params.get("search", ""))
    return [row for row in rows if city_filter.matches(row["city"])]


SORTS_BY_KIND = {
    "overall": ("rank", "total", "name", "population"),
    "domain": ("rank", "score", "total", "name", "population"),
    "indicator": ("rank", "score", "name", "population"),
}


def _ordered(rows: list[dict], ordering: str, *, kind: str) -> list[dict]:
    """Rows sorted by `ordering` (a value of out.ORDERINGS that this kind of ranking offers; else 400).

    Equal values keep name order; rows without a value (no domain or indicator score) come last either way."""
    field, descending = ordering.lstrip("-"), ordering.startswith("-")
    if field not in SORTS_BY_KIND[kind]:
        choices = ", ".join(f"{prefix}{name}" for name in SORTS_BY_KIND[kind] for prefix in ("", "-"))
        raise ValidationError(
            {
                "ordering": [
                    _("„%(value)s“ ist in dieser Rangliste keine mögliche Sortierung; möglich: %(choices)s.")
                    % {"value": ordering, "choices": choices}
                ]
            }
        )
    by_name = sorted(rows, key=lambda row: row["city"].name.casefold(), reverse=descending and field == "name")
    if field == "name":
        return by_name
    value = {
        "rank": lambda row: row["rank"],
        "population": lambda row: row["city"].population,
        "total": lambda row: row["total"],
        "score": lambda row: row["score"],
    }[field]
    present = [row for row in by_name if value(row) is not None]
    missing = [row for row in by_name if value(row) is None]
    return sorted(present, key=value, reverse=descending) + missing


def _flat(row: dict) -> dict:
    """A serialized ranking row as flat CSV columns (see RankingList's description)."""
    flat = _city_columns(row)
    for name in ("total", "completeness", "score", "bonus", "raw"):
        if name in row:
            flat[name] = row[name]
    for domain in row.get("domains", []):
        for field in ("score", "rank", "trend", "bonus"):
            flat[f"domain:{domain['key']}:{field}"] = domain[field]
    return flat


# --------------------------------------------------------------------------- answers


class AnswerList(Public, generics.ListAPIView):
    serializer_class = out.AnswerSerializer
    queryset = Answer.objects.none()  # the published edition's answers are read in get_queryset
    filter_backends = []
    pagination_class = PublicPagination

    def get_queryset(self):
        return self.answers

    @extend_schema(
        tags=[TAG],
        summary="Approved answers of a published edition",
        description=(
            "The approved answers of the cities ranked in a published edition, by AGS then catalogue order: "
            "the data the ranking was computed from. Values are typed: true/false (yes/no), the option's key "
            "(choice) or a number."
        ),
        parameters=[
            edition_parameter(),
            OpenApiParameter("city", str, description="Only this city's answers (its slug)."),
            OpenApiParameter("parameter", str, description="Only answers to this parameter (its key)."),
        ],
        responses={
            200: OpenApiResponse(
                out.AnswerSerializer(many=True),
                examples=[
                    OpenApiExample(
                        "answers",
                        value={
                            "city": "aachen",
                            "city_name": "Aachen",
                            "ags": "05334002",
                            "domain": "verwaltung",
                            "indicator": "serviceportal",
                            "parameter": "online-termine",
                            "parameter_name": "Online-Terminvergabe",
                            "kind": "yes_no",
                            "value": True,
                            "unit": "",
                            "evidence_url": "https://www.aachen.de/termine",
                            "as_of": "2024-03-31",
                        },
                    )
                ],
            ),
            **ERRORS,
        },
    )
    def get(self, request, *args, **kwargs):
        params = query(out.AnswerQuerySerializer, request)
        edition, run = published_or_error(params.get("edition"))
        answers = selectors.approved_answers(run)
        if slug := params.get("city"):
            city = City.objects.filter(slug=slug, pk__in=CityScore.objects.filter(run=run).values("city_id")).first()
            if city is None:
                raise ValidationError(
                    {
                        "city": [
                            _("„%(value)s“ ist keine Stadt der Ausgabe %(year)s.")
                            % {"value": slug, "year": edition.year}
                        ]
                    }
                )
            answers = answers.filter(city=city)
        if key := params.get("parameter"):
            if not Parameter.objects.filter(indicator__domain__edition=edition, key=key).exists():
                raise ValidationError(
                    {
                        "parameter": [
                            _("„%(value)s“ ist kein Parameter der Ausgabe %(year)s.")
                            % {"value": key, "year": edition.year}
                        ]
                    }
                )
            answers = answers.filter(parameter__key=key)
        self.answers = answers
        self.page_meta = {"edition": edition.year}
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("editions/", EditionList.as_view(), name="public-edition-list"),
    # Path segments are matched as any text and checked by the views, so that every 404 has the error shape.
    path("editions/<str:year>/", EditionDetail.as_view(), name="public-edition-detail"),
    path("editions/<str:year>/methodology/", EditionMethodology.as_view(), name="public-edition-methodology"),
    path("domains/", DomainList.as_view(), name="public-domain-list"),
    path("indicators/", IndicatorList.as_view(), name="public-indicator-list"),
    path("parameters/", ParameterList.as_view(), name="public-parameter-list"),
    path("cities/", CityList.as_view(), name="public-city-list"),
    path("cities/<str:slug>/", CityDetail.as_view(), name="public-city-detail"),
    path("cities/<str:slug>/scores/", CityScores.as_view(), name="public-city-scores"),
    path("cities/<str:slug>/history/", CityHistory.as_view(), name="public-city-history"),
    path("rankings/", RankingList.as_view(), name="public-ranking-list"),
    path("answers/", AnswerList.as_view(), name="public-answer-list"),
]
