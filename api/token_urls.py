"""Personal API tokens in the web UI (mounted under /konto/)."""

from django.urls import path

from api import token_views

app_name = "tokens"
urlpatterns = [
    path("tokens/", token_views.token_list, name="list"),
    path("tokens/new/", token_views.token_create, name="create"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="revoke"),
]
