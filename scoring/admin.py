"""Admin view of score runs (read-only: runs are written only by the recompute service)."""

from django.contrib import admin

from scoring.models import ScoreRun


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
