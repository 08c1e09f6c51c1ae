"""Admin for the catalogue, cities, memberships and answers (the review queue grows from here).

Size: one module until the admin package of ARCHITECTURE.md's 'Where this is going' lands; the review
queue's forms, filters and actions share one queryset and its flags.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from indicators import comments, notification_admin, roles, selectors  # noqa: F401 (notification_admin registers)
from indicators.evidence import INLINE_TYPES
from indicators.forms import CommentForm
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
from indicators.review_flags import FLAG_LABELS, Review, answer_flags, answer_reviews
from indicators.services import (
    REVIEW_REASONS,
    ConflictError,
    answer_approve,
    answer_request_changes,
    answers_approve,
    answers_request_changes,
    catalogue_item_add,
    catalogue_item_delete,
    catalogue_update,
    check_catalogue_open,
    edition_of,
    innovation_bonus_award,
    review_reason,
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


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "ags", "population"]
    list_filter = ["state"]
    search_fields = ["name", "ags", "slug"]


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


class RequestChangesForm(forms.Form):
    """The reviewer's reason for sending answers back: one of the usual reasons plus free text."""

    reason = forms.ChoiceField(label=_("Grund"), choices=REVIEW_REASONS)
    detail = forms.CharField(
        label=_("Erläuterung für die Stadt"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("reason"):
            try:
                data["reason_text"] = review_reason(data["reason"], data.get("detail", ""))
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def reason_text(self) -> str:
        return self.cleaned_data["reason_text"]


class FlagFilter(admin.SimpleListFilter):
    """Answers carrying one review flag; flags are computed (not stored) over the answers the other
    filters leave, so it comes last in list_filter."""

    title = _("Hinweise")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return list(FLAG_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() not in FLAG_LABELS:
            return queryset
        flagged = [pk for pk, flags in answer_flags(queryset).items() if self.value() in flags]
        return queryset.filter(pk__in=flagged)


class AnswerChangeList(ChangeList):
    """Attaches flags and last edition's comparison to the answers of the current page (fixed queries)."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        reviews = answer_reviews(self.result_list)
        for answer in self.result_list:
            answer.review = reviews.get(answer.pk, Review())


def format_change(percent) -> str:
    """ "+25 %" / "−12,5 %" in the active language's number format."""
    if percent is None:
        return ""
    sign = "+" if percent > 0 else "−" if percent < 0 else "±"
    return f"{sign}{number_format(abs(percent), decimal_pos=1)} %"


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    """The reviewers' queue: filter, read value and evidence, approve or send back through the services."""

    list_display = ["city", "parameter", "shown_value", "previous_value", "flags", "evidence", "status", "updated_at"]
    list_filter = [
        "edition",
        "status",
        "parameter__indicator__domain__key",
        "parameter__indicator",
        "city",
        FlagFilter,
    ]
    search_fields = ["city__name", "parameter__name_de", "parameter__key", "note"]
    list_select_related = ["city", "parameter"]
    # Answers change only through the workflow services; the admin shows them.
    readonly_fields = [f.name for f in Answer._meta.fields]
    inlines = [EvidenceFileInline]
    actions = ["approve", "request_changes"]
    change_form_template = "admin/indicators/answer/change_form.html"

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_count=Count("evidence_files"))

    @admin.display(description=_("Wert"))
    def shown_value(self, answer: Answer) -> str:
        return answer.display_value

    @admin.display(description=_("Vorjahr"))
    def previous_value(self, answer: Answer) -> str:
        review = getattr(answer, "review", None)
        if review is None or review.previous is None:
            return "—"
        change = format_change(review.change_percent)
        return f"{review.previous.display_value} ({change})" if change else review.previous.display_value

    @admin.display(description=_("Hinweise"))
    def flags(self, answer: Answer) -> str:
        review = getattr(answer, "review", None)
        return ", ".join(str(FLAG_LABELS[code]) for code in review.flags) if review else ""

    @admin.display(description=_("Nachweis"))
    def evidence(self, answer: Answer) -> str:
        parts = []
        if answer.evidence_url:
            parts.append(
                format_html(
                    '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', answer.evidence_url, _("Link")
                )
            )
        count = getattr(answer, "evidence_count", 0)
        if count:
            parts.append(ngettext("%(count)d Datei", "%(count)d Dateien", count) % {"count": count})
        return format_html_join(" · ", "{}", ((part,) for part in parts)) if parts else "—"

    def get_changelist(self, request, **kwargs):
        return AnswerChangeList

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="indicators_answer_decide"),
            path("<int:pk>/comment/", view(self.comment_view), name="indicators_answer_comment"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        answer = self.get_object(request, object_id)
        if answer is not None and self.has_view_permission(request, answer):
            extra_context = {**(extra_context or {}), **self._review_context(request, answer)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _review_context(self, request, answer: Answer, **forms) -> dict:
        review = answer_reviews([answer]).get(answer.pk, Review())
        files = list(answer.evidence_files.order_by("uploaded_at", "id"))
        for evidence_file in files:
            evidence_file.preview = (
                ("image" if evidence_file.content_type.startswith("image/") else "pdf")
                if evidence_file.content_type in INLINE_TYPES
                else ""
            )
        return {
            "answer": answer,
            "review": review,
            "change_text": format_change(review.change_percent),
            "flag_labels": [FLAG_LABELS[code] for code in review.flags],
            "evidence_files": files,
            "may_decide": roles.may_review(request.user, answer) and answer.status == Answer.Status.SUBMITTED,
            "own_city": roles.belongs_to_city(request.user, answer),
            "decision_form": forms.get("decision_form") or RequestChangesForm(),
            "comments": comments.answer_comments(answer),
            "comment_form": forms.get("comment_form") or CommentForm(),
            "comments_open": not answer.edition.is_public,
            "comment_action": reverse("admin:indicators_answer_comment", args=[answer.pk]),
            "records": selectors.answer_history(answer),
            "changelist_filters": request.GET.get("_changelist_filters", ""),
        }

    def _answer_or_404(self, request, pk: int) -> Answer:
        answer = get_object_or_404(Answer.objects.select_related("parameter", "city", "edition"), pk=pk)
        if not self.has_view_permission(request, answer):
            raise PermissionDenied
        return answer

    def _back_to_answer(self, request, answer: Answer, anchor: str = ""):
        url = reverse("admin:indicators_answer_change", args=[answer.pk])
        filters = request.POST.get("_changelist_filters", "")
        return redirect(f"{url}?{urlencode({'_changelist_filters': filters})}{anchor}" if filters else f"{url}{anchor}")

    @method_decorator(require_POST)
    def decide_view(self, request, pk: int):
        """One answer's decision from its page: approve, or send back with a reason (through the services)."""
        answer = self._answer_or_404(request, pk)
        version = _int_or_none(request.POST.get("version"))
        try:
            if request.POST.get("decision") == "approve":
                answer_approve(user=request.user, answer=answer, expected_version=version)
                done = _("„%(answer)s“ freigegeben.")
            else:
                form = RequestChangesForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("Bitte wählen Sie einen Grund und erläutern Sie ihn bei „Sonstiges“."))
                    return self._back_to_answer(request, answer, "#decision")
                answer_request_changes(
                    user=request.user, answer=answer, reason=form.reason_text(), expected_version=version
                )
                done = _("„%(answer)s“ zur Überarbeitung zurückgegeben.")
        except ConflictError:
            messages.error(
                request,
                _("Die Antwort wurde inzwischen geändert oder entschieden; bitte prüfen Sie den aktuellen Stand."),
            )
            return self._back_to_answer(request, answer)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return self._back_to_answer(request, answer)
        messages.success(request, done % {"answer": answer})
        changelist = reverse("admin:indicators_answer_changelist")
        filters = request.POST.get("_changelist_filters", "")
        return redirect(f"{changelist}?{filters}" if filters else changelist)

    @method_decorator(require_POST)
    def comment_view(self, request, pk: int):
        answer = self._answer_or_404(request, pk)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comments.answer_comment_add(user=request.user, answer=answer, body=form.cleaned_data["body"])
                messages.success(request, _("Kommentar gespeichert."))
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.error(request, " ".join(form.errors.get("body", [])))
        return self._back_to_answer(request, answer, "#comments")

    @admin.action(description=_("Ausgewählte Antworten freigeben"))
    def approve(self, request, queryset):
        approved, failed = answers_approve(user=request.user, answers=list(queryset.select_related("parameter")))
        self._report(request, len(approved), failed, _("%(count)d Antworten freigegeben."))

    @admin.action(description=_("Ausgewählte Antworten zur Überarbeitung zurückgeben"))
    def request_changes(self, request, queryset):
        form = RequestChangesForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, failed = answers_request_changes(user=request.user, answers=list(queryset), reason=form.reason_text())
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


def _int_or_none(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class BonusForm(forms.Form):
    points = forms.DecimalField(
        label=_("Bonuspunkte (0 bis 5)"), min_value=0, max_value=5, max_digits=4, decimal_places=2
    )
    justification = forms.CharField(label=_("Begründung"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(InnovationProject)
class InnovationProjectAdmin(SimpleHistoryAdmin):
    """Cities' innovation projects; reviewers of other cities award 0..5 bonus points in the project's
    domain through innovation_bonus_award (the fields themselves are read-only here)."""

    list_display = ["title", "city", "domain", "edition", "bonus_points", "awarded_by", "award_link"]
    list_filter = ["edition", "domain__key"]
    search_fields = ["title", "city__name"]
    list_select_related = ["city", "domain", "edition", "awarded_by"]
    readonly_fields = ["bonus_points", "bonus_justification", "awarded_by", "awarded_at"]

    @admin.display(description=_("Bonus"))
    def award_link(self, project: InnovationProject) -> str:
        url = reverse("admin:indicators_innovationproject_award", args=[project.pk])
        return format_html('<a href="{}">{}</a>', url, _("Bonus vergeben"))

    def get_urls(self):
        award = self.admin_site.admin_view(self.award_view)
        return [path("<int:pk>/award/", award, name="indicators_innovationproject_award"), *super().get_urls()]

    def award_view(self, request, pk: int):
        project = get_object_or_404(InnovationProject.objects.select_related("city", "domain", "edition"), pk=pk)
        if not self.has_view_permission(request, project):
            raise PermissionDenied
        initial = {"points": project.bonus_points, "justification": project.bonus_justification}
        form = BonusForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_bound and form.is_valid():
            try:
                innovation_bonus_award(
                    user=request.user,
                    project=project,
                    points=form.cleaned_data["points"],
                    justification=form.cleaned_data["justification"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, _("Bonus für „%(project)s“ gespeichert.") % {"project": project})
                return redirect("admin:indicators_innovationproject_changelist")
        return render(
            request,
            "admin/indicators/innovationproject/award.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "project": project,
                "may_award": roles.may_review(request.user, project),
                "opts": self.model._meta,
                "title": _("Bonus vergeben: %(project)s") % {"project": project},
            },
            status=400 if form.is_bound else 200,
        )


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
