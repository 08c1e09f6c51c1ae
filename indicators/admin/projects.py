"""Admin of innovation projects and the bonus reviewers award them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from indicators import roles
from indicators.models import (
    InnovationProject,
)
from indicators.services import (
    innovation_bonus_award,
)


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
