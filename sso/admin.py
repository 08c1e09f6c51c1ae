"""Admin of the single sign-on links: editors see who is linked to which provider subject and can undo a link
(the person's next sign-on links again by verified e-mail). Links are only made by a sign-on, never by hand."""

from django.contrib import admin

from sso.models import OIDCIdentity


@admin.register(OIDCIdentity)
class OIDCIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "issuer", "subject", "linked_at", "last_login_at"]
    list_filter = ["issuer"]
    search_fields = ["user__username", "user__email", "email", "subject"]
    list_select_related = ["user"]
    readonly_fields = ["user", "issuer", "subject", "email", "linked_at", "last_login_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
