"""Admin for the catalogue, cities, memberships and answers (the review queue grows from here)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from indicators import selectors
from indicators.models import (
    Answer,
    City,
    CityMembership,
    Domain,
    Edition,
    EvidenceFile,
    Indicator,
    InnovationProject,
    Parameter,
    Participation,
    StaffInvitation,
)
from indicators.review_flags import FLAG_LABELS, answer_flags
from indicators.services import (
    REVIEW_REASONS,
    answer_request_changes,
    answers_approve,
    catalogue_update,
    edition_of,
    edition_set_phase,
)


class CatalogueAdmin(SimpleHistoryAdmin):
    """Catalogue and methodology: changes go through catalogue_update (audited, recomputed, frozen once
    the edition is published); a published edition's items are read-only here."""

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
            return super().save_model(request, obj, form, change)
        # The form has validated the values; the service re-checks permission and phase under a lock.
        changes = {field: getattr(obj, field) for field in form.changed_data}
        if changes:
            catalogue_update(user=request.user, item=obj, changes=changes)


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "ags", "population"]
    list_filter = ["state"]
    search_fields = ["name", "ags", "slug"]


@admin.register(Edition)
class EditionAdmin(CatalogueAdmin):
    list_display = ["year", "title", "phase", "missing_policy", "is_demo"]
    # Phases change only through the services (audited, checked); never by editing the field.
    readonly_fields = ["phase", "published_at"]
    actions = ["change_phase"]
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
    list_display = ["name_de", "indicator", "kind", "unit", "per_capita", "weight"]
    list_filter = ["indicator__domain__edition", "kind", "per_capita"]
    search_fields = ["name_de", "name_en", "key"]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["city", "edition", "signed_off_at"]
    list_filter = ["edition"]


@admin.register(CityMembership)
class CityMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "city", "role"]
    list_filter = ["role"]
    autocomplete_fields = ["city"]


class EvidenceFileInline(admin.TabularInline):
    model = EvidenceFile
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    fields = readonly_fields

    # Files are added and removed only through the evidence services (permission, phase, version, storage).
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


class RequestChangesForm(forms.Form):
    """The reviewer's reason for sending answers back: one of the usual reasons plus free text."""

    reason = forms.ChoiceField(label=_("Grund"), choices=REVIEW_REASONS)
    detail = forms.CharField(
        label=_("Erläuterung für die Stadt"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("detail") or "").strip():
            self.add_error("detail", _("Bitte erläutern Sie den Grund."))
        return data

    def reason_text(self) -> str:
        label = dict(REVIEW_REASONS)[self.cleaned_data["reason"]]
        detail = self.cleaned_data["detail"].strip()
        return f"{label}: {detail}" if detail else str(label)


class AnswerChangeList(ChangeList):
    """Attaches the review flags to the answers of the current page (a fixed number of queries)."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        flags = answer_flags(self.result_list)
        for answer in self.result_list:
            answer.review_flags = flags.get(answer.pk, [])


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    """The reviewers' queue: filter, read value and evidence, approve or send back through the services."""

    list_display = ["city", "parameter", "shown_value", "flags", "status", "version", "updated_at"]
    list_filter = ["edition", "status", "parameter__indicator__domain__key", "parameter__indicator", "city"]
    search_fields = ["city__name", "parameter__name_de", "parameter__key"]
    list_select_related = ["city", "parameter"]
    # Answers change only through the workflow services; the admin shows them.
    readonly_fields = [f.name for f in Answer._meta.fields]
    inlines = [EvidenceFileInline]
    actions = ["approve", "request_changes"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Wert"))
    def shown_value(self, answer: Answer) -> str:
        return answer.display_value

    @admin.display(description=_("Hinweise"))
    def flags(self, answer: Answer) -> str:
        return ", ".join(str(FLAG_LABELS[code]) for code in getattr(answer, "review_flags", []))

    def get_changelist(self, request, **kwargs):
        return AnswerChangeList

    @admin.action(description=_("Ausgewählte Antworten freigeben"))
    def approve(self, request, queryset):
        approved, failed = answers_approve(user=request.user, answers=list(queryset.select_related("parameter")))
        self._report(request, len(approved), failed, _("%(count)d Antworten freigegeben."))

    @admin.action(description=_("Ausgewählte Antworten zur Überarbeitung zurückgeben"))
    def request_changes(self, request, queryset):
        form = RequestChangesForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, failed = [], []
            for answer in queryset:
                try:
                    done.append(answer_request_changes(user=request.user, answer=answer, reason=form.reason_text()))
                except (ValidationError, PermissionDenied) as error:
                    failed.append((answer, " ".join(getattr(error, "messages", [str(error)]))))
            self._report(request, len(done), failed, _("%(count)d Antworten zur Überarbeitung zurückgegeben."))
            return None
        return render(
            request,
            "admin/indicators/answer/request_changes.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "answers": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
                "title": _("Zur Überarbeitung zurückgeben"),
            },
        )

    def _report(self, request, count: int, failed, success: str) -> None:
        if count:
            self.message_user(request, success % {"count": count}, messages.SUCCESS)
        for answer, reason in failed[:20]:
            self.message_user(request, f"{answer.city} · {answer.parameter}: {reason}", messages.WARNING)
        if len(failed) > 20:
            self.message_user(request, _("… und %(count)d weitere.") % {"count": len(failed) - 20}, messages.WARNING)


@admin.register(InnovationProject)
class InnovationProjectAdmin(SimpleHistoryAdmin):
    list_display = ["title", "city", "domain", "edition", "bonus_points"]
    list_filter = ["edition"]
    readonly_fields = ["bonus_points", "bonus_justification", "awarded_by", "awarded_at"]


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
