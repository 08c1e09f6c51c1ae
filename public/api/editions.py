"""The public API's editions: the list of published editions, one edition with its links, its methodology."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound

from api.schema import error_responses
from public.api import serializers as out
from public.api.base import ERRORS_404, NO_EDITION, TAG, Public
from scoring import selectors
from scoring.models import ScoreRun


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
