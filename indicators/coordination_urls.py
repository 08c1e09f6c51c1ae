"""Coordinator pages of the staff portal; the lead includes these into the `indicators` namespace under /portal/."""

from django.urls import path

from indicators import coordination_views

urlpatterns = [
    path("<slug:city_slug>/team/", coordination_views.team, name="team"),
    path("<slug:city_slug>/team/invite/", coordination_views.team_invite, name="team_invite"),
    path("<slug:city_slug>/team/<int:membership_id>/remove/", coordination_views.team_remove, name="team_remove"),
    path("invitation/<str:token>/", coordination_views.invitation_accept, name="invitation_accept"),
    path("<slug:city_slug>/<int:year>/sign-off/", coordination_views.sign_off, name="sign_off"),
    path("<slug:city_slug>/<int:year>/projects/", coordination_views.innovation_projects, name="innovation_projects"),
    path(
        "<slug:city_slug>/<int:year>/projects/<slug:domain_key>/",
        coordination_views.innovation_project_save,
        name="innovation_project_save",
    ),
]
