"""Admin of the notification outbox: read-only, to see what was sent, what waits and why a mail failed."""

from django.contrib import admin

from indicators.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the review services and sent by notifications_send."""

    list_display = ("created_at", "kind", "recipient", "city", "edition", "sent_at", "attempts", "last_error")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter), "edition")
    list_select_related = ("recipient", "city", "edition")
    search_fields = ("recipient__username", "recipient__email", "city__name")
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
