"""Admin of editions (phases, publishing, the cities' board) and of score runs (read-only: runs are written
only by the recompute service). EditionAdmin is registered here, where it may see both apps: its phase
changes are indicators' and its publishing is scoring's, side by side."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from indicators import selectors
from indicators.admin import CatalogueAdmin
from indicators.models import Edition
from indicators.services import edition_set_phase
from scoring.models import ScoreRun
from scoring.services import edition_publish


class ConfirmedForm(forms.Form):
    reason = forms.CharField(label=_("Begründung (wird protokolliert)"), required=False)
    confirm = forms.BooleanField(label=_("Ich bestätige diese Änderung."), required=True)


class PhaseForm(ConfirmedForm):
    phase = forms.ChoiceField(
        label=_("Neue Phase"), choices=[c for c in Edition.Phase.choices if c[0] != Edition.Phase.PUBLISHED]
    )
    field_order = ["phase", "reason", "confirm"]


def phase_action(modeladmin, request, queryset, form_class, *, action: str, apply):
    """An edition action behind a confirmation page; each edition goes through the service on its own."""
    form = form_class(request.POST if "confirm" in request.POST or "reason" in request.POST else None)
    if form.is_bound and form.is_valid():
        for edition in queryset:
            try:
                apply(edition, form)
                modeladmin.message_user(request, _("%(edition)s: erledigt.") % {"edition": edition}, messages.SUCCESS)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                modeladmin.message_user(request, f"{edition}: {text}", messages.ERROR)
        return None
    return render(
        request,
        "admin/indicators/edition/confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "form": form,
            "editions": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
            "title": _("Ausgabe ändern"),
        },
    )


@admin.register(Edition)
class EditionAdmin(CatalogueAdmin):
    list_display = ["year", "title", "phase", "missing_policy", "is_demo"]
    # Phases change only through the services (audited, checked); never by editing the field.
    readonly_fields = ["phase", "published_at"]
    actions = ["change_phase", "publish"]
    list_display_links = ["year", "title"]

    def get_list_display(self, request):
        return [*self.list_display, "board_link"]

    @admin.display(description=_("Übersicht"))
    def board_link(self, edition: Edition) -> str:
        url = reverse("admin:indicators_edition_board", args=[edition.pk])
        return format_html('<a href="{}">{}</a>', url, _("Stand der Städte"))

    def get_urls(self):
        board = self.admin_site.admin_view(self.board_view)
        return [path("<int:pk>/board/", board, name="indicators_edition_board"), *super().get_urls()]

    def board_view(self, request, pk: int):
        """Per city: answers by status, unanswered parameters and sign-off (editors and reviewers)."""
        edition = get_object_or_404(Edition, pk=pk)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        return render(
            request,
            "admin/indicators/edition/board.html",
            {
                **self.admin_site.each_context(request),
                "edition": edition,
                "rows": selectors.edition_board(edition),
                "opts": self.model._meta,
                "title": _("Stand der Städte: %(edition)s") % {"edition": edition},
            },
        )

    @admin.action(description=_("Phase wechseln (Erhebung öffnen/schließen, Prüfung, Archiv)"))
    def change_phase(self, request, queryset):
        return phase_action(
            self,
            request,
            queryset,
            PhaseForm,
            action="change_phase",
            apply=lambda edition, form: edition_set_phase(
                user=request.user, edition=edition, phase=form.cleaned_data["phase"], reason=form.cleaned_data["reason"]
            ),
        )

    @admin.action(description=_("Veröffentlichen (Ergebnisse einfrieren)"))
    def publish(self, request, queryset):
        """Freezes the score run and publishes the edition (scoring.services.edition_publish)."""
        return phase_action(
            self,
            request,
            queryset,
            ConfirmedForm,
            action="publish",
            apply=lambda edition, form: edition_publish(
                user=request.user, edition=edition, reason=form.cleaned_data["reason"]
            ),
        )


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
