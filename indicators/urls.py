"""City staff portal (mounted under /portal/)."""

from django.urls import path

from indicators import coordination_urls, evidence_views, views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:city_slug>/<int:year>/", views.questionnaire, name="questionnaire"),
    path("<slug:city_slug>/<int:year>/submit/", views.submit_complete, name="submit_complete"),
    path("<slug:city_slug>/<int:year>/import/", views.questionnaire_import, name="questionnaire_import"),
    path(
        "<slug:city_slug>/<int:year>/export.<str:extension>",
        views.questionnaire_export,
        name="questionnaire_export",
    ),
    path("<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/", views.answer_save, name="answer_save"),
    path("<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/submit/", views.answer_submit, name="answer_submit"),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/history/", views.answer_history, name="answer_history"
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/comments/",
        views.answer_comment_add,
        name="answer_comment_add",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/evidence/",
        views.evidence_upload,
        name="evidence_upload",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/carry-over/",
        views.answer_carry_over,
        name="answer_carry_over",
    ),
    path("<slug:city_slug>/<int:year>/evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
    # Three segments ending in "download/": "evidence/<pk>/" alone would be taken by the questionnaire route.
    path("evidence/<int:pk>/download/", evidence_views.evidence_file_download, name="evidence_file_download"),
]
urlpatterns += coordination_urls.urlpatterns
