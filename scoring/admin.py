"""Admin view of score runs (read-only: runs are written only by the recompute service)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from indicators.admin import ConfirmedForm, EditionAdmin, phase_action
from scoring.models import ScoreRun
from scoring.services import edition_publish


@admin.action(description=_("Veröffentlichen (Ergebnisse einfrieren)"))
def publish(modeladmin, request, queryset):
    """Publishing lives here: it freezes the score run, which only scoring may write."""
    return phase_action(
        modeladmin,
        request,
        queryset,
        ConfirmedForm,
        action="publish",
        apply=lambda edition, form: edition_publish(
            user=request.user, edition=edition, reason=form.cleaned_data["reason"]
        ),
    )


EditionAdmin.actions = [*EditionAdmin.actions, publish]


@admin.register(ScoreRun)
class ScoreRunAdmin(admin.ModelAdmin):
    list_display = [
        "edition",
        "created_at",
        "is_published",
        "city_count",
        "approved_answer_count",
        "duration_ms",
        "code_version",
        "input_hash",
    ]
    list_filter = ["edition", "is_published"]
    readonly_fields = [f.name for f in ScoreRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
