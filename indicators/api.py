"""API for city staff (workspace/) and reviewers (review/): thin views over indicators.services.

Rules of the road (also in each endpoint's description):
- workspace/ is for the city's members, in editions that are collecting or in review (as the portal);
  for anyone else it does not exist (404), so other cities cannot be probed.
- Saving needs the version the caller read (`version` in the body or `If-Match`); a stale one is a
  409 (body) or 412 (If-Match) carrying the current answer. Transitions take it optionally.
- 409/412 only ever mean "re-read and try again". An illegal transition or a write the edition's phase
  does not allow is a 400 with code "workflow" and the reason; invalid input is a 400 with field errors.
- review/ is for reviewers and editors; the services refuse the rest (a reviewer of their own city: 403).

Size: the two areas share the error mapping, the version handling and the 404 scoping of other cities;
one module keeps those rules in one place.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import conflict_response
from api.private import (
    ETAG_HEADER,
    IF_MATCH_PARAMETER,
    IsReviewerOrEditor,
    PrivateAPIMixin,
    WorkflowRejected,
    etag,
    expected_version,
    private_errors,
)
from indicators import selectors, services
from indicators.api_serializers import (
    AnswerWriteSerializer,
    RequestChangesSerializer,
    ReviewAnswerSerializer,
    ReviewConflictSerializer,
    VersionSerializer,
    WorkspaceAnswerSerializer,
    WorkspaceConflictSerializer,
    WorkspaceRow,
)
from indicators.models import Answer, City, Parameter, catalogue_order
from indicators.workflow import WorkflowError

# Model field names in the services' errors, as the API calls them.
API_FIELD_OF = {"value_bool": "value", "value_choice": "value", "value_number": "value", "__all__": "non_field_errors"}


def _invalid(error: DjangoValidationError) -> exceptions.APIException:
    """A service's ValidationError as the API's 400: workflow (with the reason) or field errors."""
    if isinstance(error, WorkflowError):
        return WorkflowRejected(" ".join(error.messages))
    if not hasattr(error, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": error.messages})
    errors: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        errors.setdefault(API_FIELD_OF.get(field, field), []).extend(messages)
    return exceptions.ValidationError(errors)


def _answer(city: City, parameter: Parameter) -> Answer | None:
    answer = Answer.objects.filter(city=city, parameter=parameter).first()
    if answer is not None:
        answer.parameter = parameter
    return answer


def _row_response(parameter: Parameter, answer: Answer | None) -> Response:
    row = WorkspaceRow(parameter=parameter, answer=answer)
    return Response(WorkspaceAnswerSerializer(row).data, headers={"ETag": etag(row.version)})


def _row_conflict(parameter: Parameter, conflict: services.ConflictError, status_code: int) -> Response:
    current = None
    if conflict.current is not None:
        conflict.current.parameter = parameter
        current = WorkspaceAnswerSerializer(WorkspaceRow(parameter=parameter, answer=conflict.current)).data
    return conflict_response(current, status_code=status_code)


WORKSPACE_TAG = ["workspace (city staff)"]
REVIEW_TAG = ["review (reviewers)"]

ROW_EXAMPLE = {
    "parameter": {
        "key": "busse",
        "name": "Anteil emissionsfreier Busse",
        "kind": "percentage",
        "unit": "%",
        "min_value": 0,
        "max_value": 100,
        "options": [],
        "evidence_required": True,
        "indicator": "verkehr",
        "domain": "mobilitaet",
    },
    "value": 42.5,
    "status": "draft",
    "version": 3,
    "evidence_url": "https://example.org/busse.pdf",
    "note": "",
    "as_of": "2030-03-31",
    "review_reason": "",
    "updated_at": "2030-04-02T10:15:00+02:00",
}


REVIEW_EXAMPLE = {
    "id": 5120,
    "edition": 2030,
    "city": {"slug": "aachen", "name": "Aachen"},
    **{key: ROW_EXAMPLE[key] for key in ("parameter", "value", "evidence_url", "note", "as_of", "review_reason")},
    "status": "submitted",
    "version": 4,
    "updated_at": "2030-04-02T10:15:00+02:00",
    "reviewed_at": None,
}


def _conflict_responses(serializer, current_example: dict) -> dict:
    example = {
        "message": "Die Antwort wurde inzwischen von jemand anderem geändert.",
        "code": "conflict",
        "errors": {},
        "current": current_example,
    }
    return {
        409: OpenApiResponse(
            serializer,
            description="Stale `version` in the body: the answer changed since you read it. `current` is the "
            "answer now; re-apply your change to it and send its version.",
            examples=[OpenApiExample("conflict", value=example, response_only=True, status_codes=["409"])],
        ),
        412: OpenApiResponse(
            serializer,
            description="Stale `If-Match`: as 409, for callers that sent the version as an ETag.",
            examples=[OpenApiExample("precondition failed", value=example, response_only=True, status_codes=["412"])],
        ),
    }


# --- workspace/: city staff ------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        tags=WORKSPACE_TAG,
        operation_id="workspace_answers_list",
        summary="Your city's questionnaire",
        description="Every parameter of the edition with your city's answer (null fields while unanswered), in "
        "questionnaire order. Only for members of the city, while the edition is collecting or in review; "
        "404 otherwise.",
        responses={200: WorkspaceAnswerSerializer(many=True), **private_errors(401, 403, 404)},
        examples=[OpenApiExample("row", value=ROW_EXAMPLE, response_only=True)],
    )
)
class WorkspaceAnswerList(PrivateAPIMixin, generics.ListAPIView):
    serializer_class = WorkspaceAnswerSerializer
    filter_backends = []  # the rows are the questionnaire, not a queryset

    def get_queryset(self):
        city, edition = selectors.questionnaire_or_404(
            user=self.request.user, city_slug=self.kwargs["city_slug"], year=self.kwargs["year"]
        )
        data = selectors.questionnaire(edition=edition, city=city)
        return [WorkspaceRow(parameter=row.parameter, answer=row.answer) for row in data.rows()]


class WorkspaceAnswerDetail(PrivateAPIMixin, APIView):
    @extend_schema(
        tags=WORKSPACE_TAG,
        operation_id="workspace_answers_retrieve",
        summary="One answer of your city",
        description="The parameter with your city's answer; the `ETag` header is its version.",
        parameters=[ETAG_HEADER],
        responses={200: WorkspaceAnswerSerializer, **private_errors(401, 403, 404)},
        examples=[OpenApiExample("answer", value=ROW_EXAMPLE, response_only=True)],
    )
    def get(self, request, city_slug: str, year: int, parameter_key: str):
        city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
        parameter = selectors.parameter_or_404(edition, parameter_key)
        return _row_response(parameter, _answer(city, parameter))

    @extend_schema(
        tags=WORKSPACE_TAG,
        operation_id="workspace_answers_update",
        summary="Save an answer (replace)",
        description="Saves the answer as a draft: `value` in the parameter's type (required, null clears it); "
        "`evidence_url`, `note` and `as_of` are cleared when omitted. Send the version you read as `version` "
        'or `If-Match: "<version>"` (0 for a new answer). Editing a sent-back answer revises it, editing an '
        "approved one withdraws the approval (both back to draft). Range, options and the edition's phase "
        "are checked by the same service as the portal's form.",
        request=AnswerWriteSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={
            200: WorkspaceAnswerSerializer,
            **private_errors(400, 401, 403, 404),
            **_conflict_responses(WorkspaceConflictSerializer, ROW_EXAMPLE),
        },
        examples=[
            OpenApiExample(
                "percentage",
                value={
                    "value": 42.5,
                    "evidence_url": "https://example.org/busse.pdf",
                    "as_of": "2030-03-31",
                    "version": 2,
                },
                request_only=True,
            ),
            OpenApiExample("yes/no", value={"value": True, "version": 0}, request_only=True),
            OpenApiExample("choice", value={"value": "live", "note": "seit 2029", "version": 1}, request_only=True),
        ],
    )
    def put(self, request, city_slug: str, year: int, parameter_key: str):
        return self._save(request, city_slug, year, parameter_key, partial=False)

    @extend_schema(
        tags=WORKSPACE_TAG,
        operation_id="workspace_answers_partial_update",
        summary="Save an answer (change some fields)",
        description="As PUT, but only the fields sent change. The version is still required: it is what makes "
        "merging your change into the stored answer safe.",
        request=AnswerWriteSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={
            200: WorkspaceAnswerSerializer,
            **private_errors(400, 401, 403, 404),
            **_conflict_responses(WorkspaceConflictSerializer, ROW_EXAMPLE),
        },
        examples=[
            OpenApiExample(
                "new source", value={"evidence_url": "https://example.org/neu.pdf", "version": 3}, request_only=True
            )
        ],
    )
    def patch(self, request, city_slug: str, year: int, parameter_key: str):
        return self._save(request, city_slug, year, parameter_key, partial=True)

    def _save(self, request, city_slug: str, year: int, parameter_key: str, *, partial: bool) -> Response:
        city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
        parameter = selectors.parameter_or_404(edition, parameter_key)
        serializer = AnswerWriteSerializer(data=request.data, partial=partial, context={"parameter": parameter})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version, conflict_status = expected_version(request, data.get("version"), required=True)
        names = ("value", "evidence_url", "note", "as_of")
        current = _answer(city, parameter) if partial else None
        # PATCH merges into the stored answer; safe, as the service refuses the write unless the answer
        # is still at `version`, i.e. still what was merged into.
        fields = {name: data.get(name, getattr(current, name, None)) for name in names}
        try:
            answer = services.answer_save(
                user=request.user,
                city=city,
                parameter=parameter,
                data=services.AnswerInput(
                    value=fields["value"],
                    evidence_url=fields["evidence_url"] or "",
                    note=fields["note"] or "",
                    as_of=fields["as_of"],
                ),
                expected_version=version,
            )
        except services.ConflictError as conflict:
            return _row_conflict(parameter, conflict, conflict_status)
        except DjangoValidationError as error:
            raise _invalid(error) from None
        return _row_response(parameter, answer)


class WorkspaceAnswerSubmit(PrivateAPIMixin, APIView):
    @extend_schema(
        tags=WORKSPACE_TAG,
        operation_id="workspace_answers_submit",
        summary="Submit an answer for review",
        description="draft → submitted, once the answer has a value and any required evidence (a link, or a file "
        "uploaded in the portal). The version (`version` or `If-Match`) is optional here; a stale one is a "
        "409/412. An answer already submitted or approved is a 400 (code workflow).",
        request=VersionSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={
            200: WorkspaceAnswerSerializer,
            **private_errors(400, 401, 403, 404),
            **_conflict_responses(WorkspaceConflictSerializer, ROW_EXAMPLE),
        },
        examples=[OpenApiExample("with version", value={"version": 3}, request_only=True)],
    )
    def post(self, request, city_slug: str, year: int, parameter_key: str):
        city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
        parameter = selectors.parameter_or_404(edition, parameter_key)
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version, conflict_status = expected_version(request, serializer.validated_data.get("version"), required=False)
        answer = _answer(city, parameter)
        if answer is None:
            raise exceptions.ValidationError({"non_field_errors": [_("Die Antwort hat noch keinen Wert.")]})
        try:
            answer = services.answer_submit(user=request.user, answer=answer, expected_version=version)
        except services.ConflictError as conflict:
            return _row_conflict(parameter, conflict, conflict_status)
        except DjangoValidationError as error:
            raise _invalid(error) from None
        answer.parameter = parameter
        return _row_response(parameter, answer)


# --- review/: reviewers ----------------------------------------------------------------------------


class ReviewAnswerFilter(filters.FilterSet):
    edition = filters.NumberFilter(field_name="edition__year", help_text="The edition's year.")
    status = filters.ChoiceFilter(choices=Answer.Status.choices)
    city = filters.CharFilter(field_name="city__slug", help_text="The city's slug.")
    parameter = filters.CharFilter(field_name="parameter__key", help_text="The parameter's key.")

    class Meta:
        model = Answer
        fields = ["edition", "status", "city", "parameter"]


@extend_schema_view(
    get=extend_schema(
        tags=REVIEW_TAG,
        summary="Answers to review",
        description="Every city's answers, filtered by edition, status (e.g. `submitted`), city and parameter. "
        "For reviewers and editors (403 for anyone else). Answers of a city you belong to are listed, but "
        "you cannot review them.",
        responses={200: ReviewAnswerSerializer(many=True), **private_errors(400, 401, 403, 404)},
        examples=[OpenApiExample("answer", value=REVIEW_EXAMPLE, response_only=True)],
    )
)
class ReviewAnswerList(PrivateAPIMixin, generics.ListAPIView):
    permission_classes = [*PrivateAPIMixin.permission_classes, IsReviewerOrEditor]
    serializer_class = ReviewAnswerSerializer
    filterset_class = ReviewAnswerFilter
    ordering_fields = ["updated_at", "id"]
    queryset = Answer.objects.select_related("edition", "city", "parameter__indicator__domain").order_by(
        "-edition__year", "city__name", *catalogue_order("parameter__")
    )


def _review_decision(request, pk: int, serializer, decide) -> Response:
    """Run one review service on an answer: the answer (200), a conflict (409/412) or the service's refusal."""
    answer = get_object_or_404(Answer, pk=pk)
    serializer.is_valid(raise_exception=True)
    version, conflict_status = expected_version(request, serializer.validated_data.get("version"), required=False)
    try:
        answer = decide(answer, version)
    except services.ConflictError as conflict:
        current = ReviewAnswerSerializer(conflict.current).data if conflict.current is not None else None
        return conflict_response(current, status_code=conflict_status)
    except DjangoValidationError as error:
        raise _invalid(error) from None
    return Response(ReviewAnswerSerializer(answer).data, headers={"ETag": etag(answer.version)})


PHASE_400 = (
    "Only an answer in status `submitted` of an edition in phase `collection` or `review` can be decided: any "
    "other status or phase is a 400 with `code` workflow and the reason in `message`, whatever the request."
)

REVIEW_DECISION_ERRORS = {
    **private_errors(400, 401, 403, 404),
    **_conflict_responses(ReviewConflictSerializer, REVIEW_EXAMPLE),
}


class ReviewAnswerApprove(PrivateAPIMixin, APIView):
    permission_classes = [*PrivateAPIMixin.permission_classes, IsReviewerOrEditor]

    @extend_schema(
        tags=REVIEW_TAG,
        summary="Approve an answer",
        description="submitted → approved; the edition's scores are recomputed afterwards. Only reviewers, and "
        "never for a city they belong to (403 with the reason). The version (`version` or `If-Match`) is "
        "optional; a stale one is a 409/412, both disagreeing a 400. " + PHASE_400,
        request=VersionSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={200: ReviewAnswerSerializer, **REVIEW_DECISION_ERRORS},
        examples=[
            OpenApiExample("with version", value={"version": 4}, request_only=True),
            OpenApiExample(
                "approved", value={**REVIEW_EXAMPLE, "status": "approved", "version": 5}, response_only=True
            ),
        ],
    )
    def post(self, request, pk: int):
        return _review_decision(
            request,
            pk,
            VersionSerializer(data=request.data),
            lambda answer, version: services.answer_approve(user=request.user, answer=answer, expected_version=version),
        )


class ReviewAnswerRequestChanges(PrivateAPIMixin, APIView):
    permission_classes = [*PrivateAPIMixin.permission_classes, IsReviewerOrEditor]

    @extend_schema(
        tags=REVIEW_TAG,
        summary="Send an answer back to the city",
        description="submitted → changes_requested, with a `reason` (one of the usual ones) and a `detail` "
        '(required for "other"); the city reads both. Only reviewers, and never for a city they belong to '
        "(403). The version is optional; a stale one is a 409/412. " + PHASE_400,
        request=RequestChangesSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={200: ReviewAnswerSerializer, **REVIEW_DECISION_ERRORS},
        examples=[
            OpenApiExample(
                "outdated source",
                value={"reason": "outdated", "detail": "Die Quelle ist von 2019.", "version": 4},
                request_only=True,
            ),
            OpenApiExample(
                "sent back",
                value={
                    **REVIEW_EXAMPLE,
                    "status": "changes_requested",
                    "version": 5,
                    "review_reason": "Stand ist veraltet: Die Quelle ist von 2019.",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, pk: int):
        serializer = RequestChangesSerializer(data=request.data)
        return _review_decision(
            request,
            pk,
            serializer,
            lambda answer, version: services.answer_request_changes(
                user=request.user, answer=answer, reason=serializer.reason_text(), expected_version=version
            ),
        )


urlpatterns = [
    path("workspace/<slug:city_slug>/<int:year>/answers/", WorkspaceAnswerList.as_view(), name="workspace-answers"),
    path(
        "workspace/<slug:city_slug>/<int:year>/answers/<slug:parameter_key>/",
        WorkspaceAnswerDetail.as_view(),
        name="workspace-answer",
    ),
    path(
        "workspace/<slug:city_slug>/<int:year>/answers/<slug:parameter_key>/submit/",
        WorkspaceAnswerSubmit.as_view(),
        name="workspace-answer-submit",
    ),
    path("review/answers/", ReviewAnswerList.as_view(), name="review-answers"),
    path("review/answers/<int:pk>/approve/", ReviewAnswerApprove.as_view(), name="review-answer-approve"),
    path(
        "review/answers/<int:pk>/request-changes/",
        ReviewAnswerRequestChanges.as_view(),
        name="review-answer-request-changes",
    ),
]
