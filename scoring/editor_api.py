"""API for editors: the score runs of an edition (read-only) and asking for a recompute."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.private import IsEditor, PrivateAPIMixin, WorkflowRejected, private_errors
from indicators.models import Edition
from indicators.services import scores_recompute_enqueue
from scoring.editor_api_serializers import RecomputeSerializer, ScoreRunDetailSerializer, ScoreRunSerializer
from scoring.models import ScoreRun

EDITOR_TAG = ["editor (editors)"]


class EditorOnly(PrivateAPIMixin):
    permission_classes = [*PrivateAPIMixin.permission_classes, IsEditor]


class ScoreRunFilter(filters.FilterSet):
    edition = filters.NumberFilter(field_name="edition__year", help_text="The edition's year.")

    class Meta:
        model = ScoreRun
        fields = ["edition"]


RUN_EXAMPLE = {
    "id": 41,
    "edition": 2030,
    "created_at": "2030-05-02T09:30:12+02:00",
    "is_published": False,
    "published_at": None,
    "input_hash": "9f2c…",
    "code_version": "2030.1",
    "city_count": 82,
    "approved_answer_count": 3904,
    "duration_ms": 412,
}


@extend_schema_view(
    get=extend_schema(
        tags=EDITOR_TAG,
        summary="Score runs",
        description="Every computation of scores, newest first; `?edition=YEAR` for one edition. Editors only.",
        responses={200: ScoreRunSerializer(many=True), **private_errors(400, 401, 403, 404)},
        examples=[OpenApiExample("run", value=RUN_EXAMPLE, response_only=True)],
    )
)
class ScoreRunList(EditorOnly, generics.ListAPIView):
    serializer_class = ScoreRunSerializer
    filterset_class = ScoreRunFilter
    ordering_fields = ["created_at", "id"]
    queryset = ScoreRun.objects.select_related("edition").order_by("-created_at", "-id")


@extend_schema_view(
    get=extend_schema(
        tags=EDITOR_TAG,
        summary="One score run",
        description="A run with the methodology it was computed with. Editors only.",
        responses={200: ScoreRunDetailSerializer, **private_errors(401, 403, 404)},
    )
)
class ScoreRunDetail(EditorOnly, generics.RetrieveAPIView):
    serializer_class = ScoreRunDetailSerializer
    queryset = ScoreRun.objects.select_related("edition")


class EditionRecompute(EditorOnly, APIView):
    @extend_schema(
        tags=EDITOR_TAG,
        summary="Recompute an edition's scores",
        description="Queues a recompute (202); it runs shortly afterwards in the background, and a run with "
        "unchanged inputs changes nothing. A published edition's results are frozen: 400 (code workflow). "
        "Editors only.",
        request=None,
        responses={
            202: OpenApiResponse(
                RecomputeSerializer,
                examples=[
                    OpenApiExample(
                        "queued",
                        value={
                            "message": "Die Neuberechnung der Ausgabe 2030 wurde eingeplant.",
                            "edition": 2030,
                            "enqueued": True,
                        },
                    )
                ],
            ),
            **private_errors(400, 401, 403, 404),
        },
    )
    def post(self, request, year: int):
        edition = get_object_or_404(Edition, year=year)
        if edition.is_public:
            raise WorkflowRejected(_("Die Ergebnisse einer veröffentlichten Ausgabe sind eingefroren."))
        enqueued = scores_recompute_enqueue(edition.pk)
        if enqueued:
            message = _("Die Neuberechnung der Ausgabe %(year)s wurde eingeplant.") % {"year": year}
        else:
            message = _("Eine Neuberechnung der Ausgabe %(year)s ist bereits eingeplant oder wird nachgeholt.") % {
                "year": year
            }
        return Response({"message": message, "edition": year, "enqueued": enqueued}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("editor/score-runs/", ScoreRunList.as_view(), name="editor-score-runs"),
    path("editor/score-runs/<int:pk>/", ScoreRunDetail.as_view(), name="editor-score-run"),
    path("editor/editions/<int:year>/recompute/", EditionRecompute.as_view(), name="editor-edition-recompute"),
]
