"""The API under /api/v1/ (endpoints live in each app's api module), its OpenAPI schema and documentation."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

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
    # The split view serves Swagger UI's start script as a file (docs/?script=), not inline: the
    # Content-Security-Policy allows scripts from this site only (settings.CONTENT_SECURITY_POLICY).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    # Redoc's bundle writes its styles as style elements at run time (styled-components, no nonce to
    # hand it from outside) and builds its search index in a blob: worker: this page alone allows both.
    # Scripts stay 'self' only; api/redoc.html loads no fonts from other sites and no inline script.
    path(
        "redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
        ),
        name="api-redoc",
    ),
]
