"""City staff portal (mounted under /portal/)."""

from django.urls import path

from indicators import evidence_views, views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:city_slug>/<int:year>/", views.questionnaire, name="questionnaire"),
    path("<slug:city_slug>/<int:year>/submit/", views.submit_complete, name="submit_complete"),
    path("<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/", views.answer_save, name="answer_save"),
    path("<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/submit/", views.answer_submit, name="answer_submit"),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/history/", views.answer_history, name="answer_history"
    ),
    # Three segments ending in "download/": "evidence/<pk>/" alone would be taken by the questionnaire route.
    path("evidence/<int:pk>/download/", evidence_views.evidence_file_download, name="evidence_file_download"),
]
