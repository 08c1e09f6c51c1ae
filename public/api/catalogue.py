"""The public API's catalogue of published editions: domains, indicators and parameters (with their scoring rules)."""

from django_filters import rest_framework as django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from indicators.models import Domain, Indicator, Parameter, catalogue_order
from public.api import serializers as out
from public.api.base import ERRORS, TAG, Public, PublicEditionFilter
from scoring import selectors


class DomainFilter(django_filters.FilterSet):
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
    filter_backends = [django_filters.DjangoFilterBackend]
    filterset_class = DomainFilter

    @extend_schema(
        tags=[TAG],
        summary="Domains",
        description="The domains of published editions (newest edition first, then in order).",
        responses={200: out.DomainSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class IndicatorFilter(django_filters.FilterSet):
    edition = PublicEditionFilter(field_name="domain__edition")
    domain = django_filters.CharFilter(field_name="domain__key", help_text="A domain key.")

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
    filter_backends = [django_filters.DjangoFilterBackend]
    filterset_class = IndicatorFilter

    @extend_schema(
        tags=[TAG],
        summary="Indicators",
        description="The indicators (categories) of published editions, in catalogue order.",
        responses={200: out.IndicatorSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ParameterFilter(django_filters.FilterSet):
    edition = PublicEditionFilter(field_name="indicator__domain__edition")
    domain = django_filters.CharFilter(field_name="indicator__domain__key", help_text="A domain key.")
    indicator = django_filters.CharFilter(field_name="indicator__key", help_text="An indicator key.")
    kind = django_filters.ChoiceFilter(choices=Parameter.Kind.choices)

    class Meta:
        model = Parameter
        fields = ["edition", "domain", "indicator", "kind"]


class ParameterList(Public, generics.ListAPIView):
    serializer_class = out.ParameterSerializer
    queryset = (
        Parameter.objects.filter(indicator__domain__edition__in=selectors.published_editions())
        .select_related("indicator__domain__edition")
        .order_by("-indicator__domain__edition__year", *catalogue_order())
    )
    filter_backends = [django_filters.DjangoFilterBackend]
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
