"""The form for a new personal API token (it parses input; api.services decides and stores)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Bezeichnung"),
        max_length=100,
        help_text=_("Wofür Sie das Token verwenden, z. B. „Import aus dem Fachverfahren“."),
    )
    scope = forms.ChoiceField(
        label=_("Berechtigung"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
