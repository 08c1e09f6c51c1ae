"""Admin of cities, participations, memberships and staff invitations."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import (
    City,
    CityMembership,
    Participation,
    StaffInvitation,
)


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "ags", "population"]
    list_filter = ["state"]
    search_fields = ["name", "ags", "slug"]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["city", "edition", "signed_off_at"]
    list_filter = ["edition"]


@admin.register(CityMembership)
class CityMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "city", "role"]
    list_filter = ["role"]
    autocomplete_fields = ["city"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(SimpleHistoryAdmin):
    """Read-only: invitations are made and accepted only through the coordination services."""

    list_display = ["email", "city", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    readonly_fields = [f.name for f in StaffInvitation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
