"""API for editors: webhook endpoints (editor/webhooks/) and their delivery log; writes go through the services."""

import django_filters
from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from api.fields import StrictBooleanField, StrictCharField
from api.private import IsEditor, PrivateAPIMixin, private_errors
from webhooks.models import SECRET_MIN_LENGTH, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_endpoint_delete, webhook_endpoint_save

# --- Serializers (they never write) --------------------------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint as the API shows it: the secret only masked."""

    secret_hint = serializers.CharField(read_only=True, help_text="The secret's last four characters.")
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "secret_hint", "created_by", "created_at"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(serializers.Serializer):
    """What an editor sends to register or change an endpoint; the secret is write-only."""

    url = serializers.URLField(max_length=500, help_text="https://… (local http only in development).")
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    secret = StrictCharField(
        min_length=SECRET_MIN_LENGTH,
        max_length=200,
        write_only=True,
        help_text="The HMAC-SHA256 key of the signatures (X-SCI-Signature). Required when registering; "
        "leave it out when changing an endpoint to keep the current one.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False, min_length=1, max_length=10
    )
    is_active = StrictBooleanField(required=False, default=True)


class WebhookEndpointUpdateSerializer(WebhookEndpointInputSerializer):
    """A change: a field left out (the secret, description, is_active) keeps its current value."""

    secret = StrictCharField(
        min_length=SECRET_MIN_LENGTH,
        max_length=200,
        write_only=True,
        required=False,
        help_text="A new secret; leave it out to keep the current one.",
    )
    is_active = StrictBooleanField(required=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=WebhookDelivery.State.choices, read_only=True)
    attempt_log = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="One entry per attempt: at, status_code, error, duration_ms, response (shortened).",
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "state",
            "payload",
            "created_at",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_status_code",
            "last_response",
            "last_error",
            "duration_ms",
            "attempt_log",
        ]
        read_only_fields = fields


class DeliveryFilter(django_filters.FilterSet):
    event = django_filters.ChoiceFilter(choices=WebhookEvent.choices)
    state = django_filters.ChoiceFilter(choices=WebhookDelivery.State.choices, method="filter_state")

    class Meta:
        model = WebhookDelivery
        fields = ["event", "state"]

    def filter_state(self, queryset, name, value):
        given_up = Q(delivered_at__isnull=True, attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS)
        if value == WebhookDelivery.State.DELIVERED:
            return queryset.filter(delivered_at__isnull=False)
        if value == WebhookDelivery.State.FAILED:
            return queryset.filter(given_up)
        return queryset.filter(delivered_at__isnull=True).exclude(given_up)


# --- Views -----------------------------------------------------------------------------------------


class IsWebhookEditor(IsEditor):
    message = _("Nur die Redaktion kann Webhooks verwalten.")


class EditorOnly(PrivateAPIMixin):
    permission_classes = [*PrivateAPIMixin.permission_classes, IsWebhookEditor]


ENDPOINT_EXAMPLE = {
    "id": 3,
    "url": "https://hooks.example.org/smart-city-index",
    "description": "Redaktionssystem",
    "events": ["edition.published", "scores.recomputed"],
    "is_active": True,
    "secret_hint": "••••9f2c",
    "created_by": "redaktion",
    "created_at": "2026-03-01T09:30:00+01:00",
}
CREATE_EXAMPLE = OpenApiExample(
    "register",
    value={
        "url": "https://hooks.example.org/smart-city-index",
        "description": "Redaktionssystem",
        "secret": "a-long-random-secret-9f2c",
        "events": ["edition.published", "scores.recomputed"],
    },
    request_only=True,
)
ENDPOINT_RESPONSE_EXAMPLE = OpenApiExample("endpoint", value=ENDPOINT_EXAMPLE, response_only=True)
DELIVERY_EXAMPLE = OpenApiExample(
    "delivered after a retry",
    value={
        "id": 41,
        "event": "edition.published",
        "state": "delivered",
        "payload": {
            "edition": 2026,
            "run_id": 17,
            "published_at": "2026-06-30T12:00:00+02:00",
            "ranking_url": "https://smart-city-index.example/ranking/2026/",
            "results_url": "https://smart-city-index.example/daten/2026/results.json",
        },
        "created_at": "2026-06-30T12:00:00+02:00",
        "attempts": 2,
        "next_attempt_at": "2026-06-30T12:00:30+02:00",
        "delivered_at": "2026-06-30T12:01:00+02:00",
        "last_status_code": 200,
        "last_response": "ok",
        "last_error": "",
        "duration_ms": 84,
        "attempt_log": [
            {
                "at": "2026-06-30T12:00:01+02:00",
                "status_code": 500,
                "error": "HTTP 500",
                "duration_ms": 95,
                "response": "",
            },
            {"at": "2026-06-30T12:01:00+02:00", "status_code": 200, "error": "", "duration_ms": 84, "response": "ok"},
        ],
    },
    response_only=True,
)
TAGS = ["editor: webhooks"]


@extend_schema_view(
    get=extend_schema(
        operation_id="editor_webhooks_list",
        summary="Webhook endpoints",
        description="Every registered endpoint (editors only). Secrets are never shown, only their last characters.",
        tags=TAGS,
        responses={200: WebhookEndpointSerializer(many=True), **private_errors(401, 403, 404)},
        examples=[ENDPOINT_RESPONSE_EXAMPLE],
    ),
    post=extend_schema(
        operation_id="editor_webhooks_create",
        summary="Register a webhook endpoint",
        description=(
            "Subscribes an HTTPS URL to events: `answer.status_changed`, `scores.recomputed`, `edition.published`. "
            "Each delivery is a POST with a JSON body `{event, occurred_at, data}` and the headers `X-SCI-Event`, "
            "`X-SCI-Delivery` (the delivery's id, the same on every retry), `X-SCI-Timestamp` (Unix seconds) and "
            "`X-SCI-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`. A 2xx answer delivers; "
            "otherwise it is retried with exponential backoff (30 s, 1, 2, 4 … minutes) up to "
            "WEBHOOK_MAX_ATTEMPTS attempts (default 6). Redirects are not followed."
        ),
        tags=TAGS,
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointSerializer, **private_errors(400, 401, 403)},
        examples=[CREATE_EXAMPLE, ENDPOINT_RESPONSE_EXAMPLE],
    ),
)
class WebhookEndpointListView(EditorOnly, generics.ListAPIView):
    serializer_class = WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.select_related("created_by").order_by("id")
    filter_backends = []

    def post(self, request):
        data = _valid(WebhookEndpointInputSerializer(data=request.data))
        endpoint = webhook_endpoint_save(user=request.user, **data)
        return Response(WebhookEndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="editor_webhooks_retrieve",
        summary="A webhook endpoint",
        tags=TAGS,
        responses={200: WebhookEndpointSerializer, **private_errors(401, 403, 404)},
        examples=[ENDPOINT_RESPONSE_EXAMPLE],
    ),
    put=extend_schema(
        operation_id="editor_webhooks_update",
        summary="Change a webhook endpoint",
        description="`url` and `events` are required; a field left out (`secret`, `description`, `is_active`) "
        "keeps its current value.",
        tags=TAGS,
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer, **private_errors(400, 401, 403, 404)},
        examples=[ENDPOINT_RESPONSE_EXAMPLE],
    ),
    patch=extend_schema(
        operation_id="editor_webhooks_partial_update",
        summary="Change some fields of a webhook endpoint",
        description='E.g. `{"is_active": false}` pauses it; pending deliveries to it are then given up.',
        tags=TAGS,
        request=WebhookEndpointUpdateSerializer(partial=True),
        responses={200: WebhookEndpointSerializer, **private_errors(400, 401, 403, 404)},
        examples=[OpenApiExample("pause", value={"is_active": False}, request_only=True), ENDPOINT_RESPONSE_EXAMPLE],
    ),
    delete=extend_schema(
        operation_id="editor_webhooks_destroy",
        summary="Remove a webhook endpoint",
        description="Removes it with its delivery log (pause it with `is_active: false` to keep the log).",
        tags=TAGS,
        responses={204: OpenApiResponse(description="Removed."), **private_errors(401, 403, 404)},
    ),
)
class WebhookEndpointDetailView(EditorOnly, generics.GenericAPIView):
    serializer_class = WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.select_related("created_by")

    def get(self, request, pk: int):
        return Response(WebhookEndpointSerializer(self.get_object()).data)

    def put(self, request, pk: int):
        return self._update(request, partial=False)

    def patch(self, request, pk: int):
        return self._update(request, partial=True)

    def delete(self, request, pk: int):
        webhook_endpoint_delete(user=request.user, endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, *, partial: bool):
        endpoint = self.get_object()
        data = _valid(WebhookEndpointUpdateSerializer(data=request.data, partial=partial))
        endpoint = webhook_endpoint_save(user=request.user, endpoint=endpoint, **data)
        return Response(WebhookEndpointSerializer(endpoint).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="editor_webhooks_deliveries_list",
        summary="Deliveries of a webhook endpoint",
        description=(
            "The delivery log, newest first: each event sent to the endpoint with its attempts, the last HTTP "
            "status, error and response (first 2,000 characters). `state`: pending, delivered, or failed (all "
            "attempts used up; an editor can send it again in the admin)."
        ),
        tags=TAGS,
        responses={200: WebhookDeliverySerializer(many=True), **private_errors(400, 401, 403, 404)},
        examples=[DELIVERY_EXAMPLE],
    ),
)
class WebhookDeliveryListView(EditorOnly, generics.ListAPIView):
    serializer_class = WebhookDeliverySerializer
    filterset_class = DeliveryFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no endpoint in the URL
            return WebhookDelivery.objects.none()
        endpoint = get_object_or_404(WebhookEndpoint, pk=self.kwargs["pk"])
        return WebhookDelivery.objects.filter(endpoint=endpoint)


def _valid(serializer: serializers.Serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


urlpatterns = [
    path("editor/webhooks/", WebhookEndpointListView.as_view(), name="editor-webhooks"),
    path("editor/webhooks/<int:pk>/", WebhookEndpointDetailView.as_view(), name="editor-webhook"),
    path(
        "editor/webhooks/<int:pk>/deliveries/",
        WebhookDeliveryListView.as_view(),
        name="editor-webhook-deliveries",
    ),
]
