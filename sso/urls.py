"""The single sign-on's URLs, outside the language prefixes: the provider knows one fixed callback address."""

from django.urls import path

from sso.views import AuthenticateView, CallbackView

# mozilla-django-oidc's URL names (it reverses "oidc_authentication_callback" for the redirect_uri).
urlpatterns = [
    path("start/", AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
]
