"""The editors' list of accessibility feedback (BITV 2.0 § 7): what came in, by when it must be answered, whether
the operator was mailed; the editors record the answer's date and a note."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from public.models import AccessibilityFeedback


@admin.register(AccessibilityFeedback)
class AccessibilityFeedbackAdmin(admin.ModelAdmin):
    list_display = ("created_at", "email", "page_url", "answer_due", "answered_at", "overdue", "mailed_at")
    list_filter = (("answered_at", admin.EmptyFieldListFilter), ("mailed_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "name", "message", "page_url")
    date_hierarchy = "created_at"
    fields = (
        "name",
        "email",
        "page_url",
        "message",
        "created_at",
        "answer_due",
        "answered_at",
        "note",
        "mailed_at",
        "attempts",
        "last_error",
    )
    # Everything came from the reader or the outbox; the editors record only the answer.
    readonly_fields = tuple(field for field in fields if field not in ("answered_at", "note"))

    def has_add_permission(self, request) -> bool:
        return False  # feedback comes only through the public form

    @admin.display(boolean=True, description=_("überfällig"))
    def overdue(self, feedback: AccessibilityFeedback) -> bool:
        return feedback.is_overdue
