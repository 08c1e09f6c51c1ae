"""The API under /api/v1/ (endpoints live in each app's api module), its OpenAPI schema and documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from indicators import api as indicators_api
from public.api import urls as public_api
from scoring import editor_api as scoring_editor_api
from webhooks import api as webhooks_api

v1 = [
    *public_api.urlpatterns,  # public, read-only: published editions only, and the what-if simulator
    *indicators_api.urlpatterns,  # workspace/ (city staff) and review/ (reviewers)
    *scoring_editor_api.urlpatterns,  # editor/ score runs and recomputes
    *webhooks_api.urlpatterns,  # editor/webhooks/
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
