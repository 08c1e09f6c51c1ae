"""Admin of the population figures an edition defines per city and reference date (issue 16): every change
goes through the population services (editors only, audited, refused for a published edition)."""

from django import forms
from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import PopulationFigure
from indicators.services.editions import check_catalogue_open
from indicators.services.population import population_figure_delete, population_figure_save


class PopulationFigureForm(forms.ModelForm):
    """Refuses a figure of a published edition as a form error (the rule is check_catalogue_open)."""

    class Meta:
        model = PopulationFigure
        fields = ["edition", "city", "reference_date", "population", "source"]

    def clean(self):
        cleaned = super().clean()
        edition = cleaned.get("edition") or (self.instance.edition if self.instance.pk else None)
        if edition is not None:
            check_catalogue_open(edition)
        return cleaned


@admin.register(PopulationFigure)
class PopulationFigureAdmin(SimpleHistoryAdmin):
    form = PopulationFigureForm
    list_display = ["city", "edition", "reference_date", "population", "source"]
    list_filter = ["edition"]
    search_fields = ["city__name", "city__ags"]
    list_select_related = ["city", "edition"]
    autocomplete_fields = ["city"]
    ordering = ["-edition__year", "city__name", "reference_date"]

    def get_readonly_fields(self, request, obj=None):
        return ["edition", "city"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.edition.is_public:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.edition.is_public:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        population_figure_save(user=request.user, figure=obj)

    def delete_model(self, request, obj):
        population_figure_delete(user=request.user, figure=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for figure in queryset.order_by("edition_id", "pk"):
                population_figure_delete(user=request.user, figure=figure)
