"""Public pages of published editions: home, rankings, city profiles, comparison, simulator, methodology, open data."""

from django.urls import path

from scoring import opendata_views, profile_views, simulator_views, views

app_name = "scoring"
urlpatterns = [
    path("", views.home, name="home"),
    path("ranking/", views.ranking_view, name="ranking_latest"),
    path("ranking/<int:year>/", views.ranking_view, name="ranking"),
    path("ranking/<int:year>/indikator/<slug:key>/", views.indicator_ranking_view, name="indicator_ranking"),
    path("stadt/<slug:slug>/", profile_views.city_view, name="city_latest"),
    path("stadt/<slug:slug>/<int:year>/", profile_views.city_view, name="city"),
    path("vergleich/<int:year>/", profile_views.compare_view, name="compare"),
    path("simulator/<int:year>/", simulator_views.simulator_pick_view, name="simulator_pick"),
    path("simulator/<int:year>/<slug:city_slug>/", simulator_views.simulator_view, name="simulator"),
    path("methodik/", opendata_views.methodology_view, name="methodology_latest"),
    path("methodik/<int:year>/", opendata_views.methodology_view, name="methodology"),
    path("daten/", opendata_views.open_data_view, name="open_data"),
    path("daten/<int:year>/<slug:dataset>.<slug:fmt>", opendata_views.open_data_file, name="open_data_file"),
]
