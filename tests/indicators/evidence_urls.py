"""URLs for the evidence tests: the indicators portal URLs under /portal/, as smartcity/urls.py mounts them."""

from django.urls import include, path

urlpatterns = [
    path("portal/", include("indicators.urls")),
]
