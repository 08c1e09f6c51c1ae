"""URL configuration: admin, language switch, public pages. Evidence files are never served as static media."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from smartcity import health

# Reviewers and editors work in the admin; it should say where they are.
admin.site.site_header = _("Smart City Index: Redaktion und Prüfung")
admin.site.site_title = _("Smart City Index")
admin.site.index_title = _("Übersicht")

urlpatterns = [
    # Health probes: no language prefix, no login, never cached (load balancers, bench/load.sh's floor).
    path("healthz/live", health.live, name="healthz_live"),
    path("healthz/ready", health.ready, name="healthz_ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The API is language-neutral (German messages unless Accept-Language asks for English).
    path("api/", include("api.urls")),
    # Single sign-on (OpenID Connect): one fixed callback address for the provider, whatever the language.
    path("oidc/", include("sso.urls")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("smartcity.accounts")),
    path("portal/", include("indicators.urls")),
    path("konto/", include("api.token_urls")),
    path("", include("public.urls")),
    prefix_default_language=False,
)

# Outside any view (no route matches, or an unhandled error): JSON for the API, pages for the site.
handler400 = "smartcity.errors.bad_request"
handler403 = "smartcity.errors.permission_denied"
handler404 = "smartcity.errors.page_not_found"
handler500 = "smartcity.errors.server_error"
