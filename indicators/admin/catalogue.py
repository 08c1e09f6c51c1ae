"""Admin of the catalogue (domains, indicators, parameters): every change, addition and deletion goes
through the catalogue services, which refuse a published edition's frozen catalogue."""

from django import forms
from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import (
    Domain,
    Edition,
    Indicator,
    Parameter,
)
from indicators.services import (
    catalogue_item_add,
    catalogue_item_delete,
    catalogue_update,
    check_catalogue_open,
    edition_of,
)


class CatalogueItemForm(forms.ModelForm):
    """Refuses, as a form error, an item that would land in a published edition's frozen catalogue
    (the rule is the service's, check_catalogue_open; asked here so the editor sees it on the form)."""

    def clean(self):
        cleaned = super().clean()
        edition = self._edition(cleaned)
        if edition is not None:
            check_catalogue_open(edition)  # a WorkflowError is a ValidationError: shown above the form
        return cleaned

    def _edition(self, cleaned: dict) -> Edition | None:
        model = self._meta.model
        if model is Edition:
            return self.instance if self.instance.pk else None
        parent = cleaned.get({Domain: "edition", Indicator: "domain", Parameter: "indicator"}[model])
        return None if parent is None else edition_of(parent)


class CatalogueAdmin(SimpleHistoryAdmin):
    """Catalogue and methodology: additions, changes and deletions go through catalogue_item_add,
    catalogue_update and catalogue_item_delete (audited, recomputed, frozen once the edition is
    published); a published edition's items are read-only here."""

    form = CatalogueItemForm

    def has_change_permission(self, request, obj=None):
        if obj is not None and edition_of(obj).is_public:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and edition_of(obj).is_public:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            if isinstance(obj, Edition):  # a new edition starts as a draft with an empty catalogue
                return super().save_model(request, obj, form, change)
            catalogue_item_add(user=request.user, item=obj)
            return
        # The form has validated the values; the service re-checks permission and phase under a lock.
        changes = {field: getattr(obj, field) for field in form.changed_data}
        if changes:
            catalogue_update(user=request.user, item=obj, changes=changes)

    def delete_model(self, request, obj):
        catalogue_item_delete(user=request.user, item=obj)

    def delete_queryset(self, request, queryset):
        # Django's bulk delete has asked has_delete_permission for every object on its confirmation page.
        with transaction.atomic():
            for item in queryset:
                catalogue_item_delete(user=request.user, item=item)


@admin.register(Domain)
class DomainAdmin(CatalogueAdmin):
    list_display = ["name_de", "edition", "weight", "position"]
    list_filter = ["edition"]


@admin.register(Indicator)
class IndicatorAdmin(CatalogueAdmin):
    list_display = ["name_de", "domain", "weight", "position"]
    list_filter = ["domain__edition", "domain__key"]
    search_fields = ["name_de", "name_en", "key"]


@admin.register(Parameter)
class ParameterAdmin(CatalogueAdmin):
    list_display = [
        "name_de",
        "indicator",
        "kind",
        "unit",
        "per_capita",
        "collection_mode",
        "official_profile",
        "weight",
    ]
    list_filter = ["indicator__domain__edition", "kind", "per_capita", "collection_mode", "official_profile"]
    search_fields = ["name_de", "name_en", "key"]
