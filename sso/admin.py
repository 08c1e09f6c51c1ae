"""Admin of the single sign-on links: editors see who is linked to which provider subject and can undo a link
(the person's next sign-on links again by verified e-mail; links are only made by a sign-on, never by hand), and
keep the claim mappings that grant a city and role from a provider's claim."""

from django.contrib import admin

from sso.models import ClaimMapping, OIDCIdentity


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


@admin.register(ClaimMapping)
class ClaimMappingAdmin(admin.ModelAdmin):
    """Only editors hold this model's permissions (sso/migrations/0001_initial.py): a mapping grants a city and a
    role to whoever the provider says carries the claim."""

    list_display = ["claim", "value", "city", "role", "created_at"]
    list_filter = ["role", "claim"]
    search_fields = ["claim", "value", "city__name"]
    list_select_related = ["city"]
    fields = ["claim", "value", "city", "role"]
