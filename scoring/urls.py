"""Public pages of published editions."""

from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.ranking_view, name="home"),
    path("ranking/<int:year>/", views.ranking_view, name="ranking"),
]
