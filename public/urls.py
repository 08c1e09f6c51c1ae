"""Public pages of published editions: home, rankings, city profiles, comparison, simulator, methodology, FAQ,
open data; the legal pages (Impressum, privacy notice, accessibility statement with its feedback form)."""

from django.urls import path

from public.views import city, faq, legal, methodology, open_data, ranking, simulator

app_name = "public"
urlpatterns = [
    path("", ranking.home, name="home"),
    path("ranking/", ranking.ranking_view, name="ranking_latest"),
    path("ranking/<int:year>/", ranking.ranking_view, name="ranking"),
    path("ranking/<int:year>/indikator/<slug:key>/", ranking.indicator_ranking_view, name="indicator_ranking"),
    path("stadt/<slug:slug>/", city.city_view, name="city_latest"),
    path("stadt/<slug:slug>/<int:year>/", city.city_view, name="city"),
    path("vergleich/<int:year>/", city.compare_view, name="compare"),
    path("simulator/<int:year>/", simulator.simulator_pick_view, name="simulator_pick"),
    path("simulator/<int:year>/<slug:city_slug>/", simulator.simulator_view, name="simulator"),
    path("methodik/", methodology.methodology_view, name="methodology_latest"),
    path("methodik/<int:year>/", methodology.methodology_view, name="methodology"),
    path("faq/", faq.faq_view, name="faq"),
    path("daten/", open_data.open_data_view, name="open_data"),
    path("daten/<int:year>/<slug:dataset>.<slug:fmt>", open_data.open_data_file, name="open_data_file"),
    path("impressum/", legal.impressum_view, name="impressum"),
    path("datenschutz/", legal.privacy_view, name="privacy"),
    path("barrierefreiheit/", legal.accessibility_view, name="accessibility"),
    path("barrierefreiheit/danke/", legal.accessibility_thanks_view, name="accessibility_thanks"),
]
