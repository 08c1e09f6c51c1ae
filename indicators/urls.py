"""City staff portal (mounted under /portal/): the questionnaire, evidence, the team and projects."""

from django.urls import path

from indicators.views import coordination, evidence, questionnaire, staff_help

app_name = "indicators"
urlpatterns = [
    path("", questionnaire.dashboard, name="dashboard"),
    path("hilfe/", staff_help.help_page, name="help"),
    path("<slug:city_slug>/<int:year>/", questionnaire.questionnaire, name="questionnaire"),
    path("<slug:city_slug>/<int:year>/submit/", questionnaire.submit_complete, name="submit_complete"),
    path("<slug:city_slug>/<int:year>/import/", questionnaire.questionnaire_import, name="questionnaire_import"),
    path(
        "<slug:city_slug>/<int:year>/export.<str:extension>",
        questionnaire.questionnaire_export,
        name="questionnaire_export",
    ),
    path("<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/", questionnaire.answer_save, name="answer_save"),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/submit/",
        questionnaire.answer_submit,
        name="answer_submit",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/history/",
        questionnaire.answer_history,
        name="answer_history",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/comments/",
        questionnaire.answer_comment_add,
        name="answer_comment_add",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/evidence/",
        questionnaire.evidence_upload,
        name="evidence_upload",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/confirm/",
        questionnaire.answer_value_confirm,
        name="answer_value_confirm",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/carry-over/",
        questionnaire.answer_carry_over,
        name="answer_carry_over",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/check/confirm/",
        questionnaire.answer_check_confirm,
        name="answer_check_confirm",
    ),
    path(
        "<slug:city_slug>/<int:year>/answer/<slug:parameter_key>/check/object/",
        questionnaire.answer_check_object,
        name="answer_check_object",
    ),
    path(
        "<slug:city_slug>/<int:year>/evidence/<int:pk>/remove/", questionnaire.evidence_remove, name="evidence_remove"
    ),
    # Three segments ending in "download/": "evidence/<pk>/" alone would be taken by the questionnaire route.
    path("evidence/<int:pk>/download/", evidence.evidence_file_download, name="evidence_file_download"),
    path("check/<int:pk>/download/", evidence.check_file_download, name="check_file_download"),
    # The city's team, its sign-off and innovation projects (coordinators, staff).
    path("<slug:city_slug>/team/", coordination.team, name="team"),
    path("<slug:city_slug>/team/invite/", coordination.team_invite, name="team_invite"),
    path("<slug:city_slug>/team/<int:membership_id>/remove/", coordination.team_remove, name="team_remove"),
    path("invitation/<str:token>/", coordination.invitation_accept, name="invitation_accept"),
    path("<slug:city_slug>/<int:year>/sign-off/", coordination.sign_off, name="sign_off"),
    path("<slug:city_slug>/<int:year>/projects/", coordination.innovation_projects, name="innovation_projects"),
    path(
        "<slug:city_slug>/<int:year>/projects/<slug:domain_key>/",
        coordination.innovation_project_save,
        name="innovation_project_save",
    ),
]
