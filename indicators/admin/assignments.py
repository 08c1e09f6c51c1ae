"""Admin of who reviews what: editors assign reviewers to cities (or city × domain) of an edition."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from indicators import roles
from indicators.models import ReviewAssignment
from indicators.services import check_assignable, review_assignment_save


class ReviewAssignmentForm(forms.ModelForm):
    class Meta:
        model = ReviewAssignment
        fields = ["edition", "city", "domain", "reviewer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reviewer" in self.fields:  # not for those who may only view
            reviewers = get_user_model().objects.filter(groups__name=roles.REVIEWERS_GROUP, is_active=True)
            self.fields["reviewer"].queryset = reviewers.order_by("username")

    def clean(self):
        data = super().clean()
        if data.get("reviewer") and data.get("city"):
            try:
                check_assignable(reviewer=data["reviewer"], city=data["city"])
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(admin.ModelAdmin):
    form = ReviewAssignmentForm
    list_display = ["edition", "city", "domain", "reviewer"]
    list_filter = ["edition", "reviewer"]
    list_select_related = ["edition", "city", "domain", "reviewer"]
    search_fields = ["city__name", "reviewer__username"]

    def save_model(self, request, obj, form, change):
        review_assignment_save(user=request.user, assignment=obj)
