"""URLs for the coordination tests: smartcity/urls.py with the coordinator pages added to the portal."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

import indicators.coordination_urls
import indicators.urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path(
        "portal/",
        include((indicators.urls.urlpatterns + indicators.coordination_urls.urlpatterns, "indicators")),
    ),
    path("konto/", include("api.token_urls")),
    path("", include("scoring.urls")),
    prefix_default_language=False,
)
