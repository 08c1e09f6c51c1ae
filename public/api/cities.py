"""The public API's cities: the ranked cities, one city, its scores (with rank intervals) and its history."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import City, Edition
from public import filters, profile
from public.api import serializers as out
from public.api.base import (
    ERRORS,
    ERRORS_404,
    TAG,
    Public,
    PublicEditionFilter,
    SearchFilter,
    StrictOrderingFilter,
    edition_parameter,
    published_or_error,
    query,
)
from scoring import selectors
from scoring.models import CityScore

SIZE_CHOICES = [(size.key, size.label) for size in filters.SIZE_CLASSES]


class CityFilter(django_filters.FilterSet):
    edition = PublicEditionFilter(method="filter_edition")  # only cities ranked in that edition
    state = django_filters.ChoiceFilter(
        choices=[(state, state) for state in filters.FEDERAL_STATES], help_text="A federal state."
    )
    size = django_filters.ChoiceFilter(
        choices=SIZE_CHOICES, method="filter_size", help_text="A size class by population."
    )
    search = SearchFilter(method="filter_search", help_text="Only cities whose name contains this (any case).")

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
        # Matched in Python like the ranking's search (filters.CityFilter): SQLite folds the case of ASCII
        # letters only, and "MÜNCHEN" should find München on every database. One query over names.
        needle = value.casefold()
        return queryset.filter(
            pk__in=[pk for pk, city_name in queryset.values_list("pk", "name") if needle in city_name.casefold()]
        )

    def filter_size(self, queryset: QuerySet, name: str, key: str) -> QuerySet:
        size = filters.SIZE_CLASS_BY_KEY[key]
        if size.minimum is not None:
            queryset = queryset.filter(population__gte=size.minimum)
        if size.maximum is not None:
            queryset = queryset.filter(population__lt=size.maximum)
        return queryset


CITY_ORDERINGS = ["name", "population", "ags"]


class CityList(Public, generics.ListAPIView):
    serializer_class = out.CitySerializer
    queryset = selectors.ranked_cities().order_by("name", "id")
    filter_backends = [django_filters.DjangoFilterBackend, StrictOrderingFilter]
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
                            "is_demo": False,
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
        self.is_demo = edition.is_demo
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
