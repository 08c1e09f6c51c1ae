"""Forms of the public pages: the ranking filter (read from GET parameters), the accessibility feedback."""

from django import forms
from django.utils.translation import gettext_lazy as _

from public.filters import SIZE_CLASSES, CityFilter

UNKNOWN_VALUE = _("„%(value)s“ ist unbekannt.")


class RankingFilterForm(forms.Form):
    """Filters of a ranking: federal state, size class, a part of the city's name, and the sort column.

    `states` are the federal states on offer; `sort_keys` are the domains one may sort by
    (None: the page has no sorting and ignores the parameter). An invalid value is reported and
    otherwise ignored: `city_filter()` and `sort_key()` use only the fields that are valid.
    """

    land = forms.ChoiceField(
        label=_("Bundesland"),
        required=False,
        error_messages={"invalid_choice": UNKNOWN_VALUE},
    )
    groesse = forms.ChoiceField(
        label=_("Größe"),
        required=False,
        choices=[("", _("alle Größen"))] + [(size.key, size.label) for size in SIZE_CLASSES],
        error_messages={"invalid_choice": UNKNOWN_VALUE},
    )
    suche = forms.CharField(
        label=_("Stadt suchen"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    sortierung = forms.ChoiceField(
        label=_("Sortierung"),
        required=False,
        error_messages={"invalid_choice": UNKNOWN_VALUE},
    )

    def __init__(self, data, *, states: list[str], sort_keys: list[str] | None = None):
        super().__init__(data, label_suffix="")
        self.fields["land"].choices = [("", _("alle Bundesländer"))] + [(state, state) for state in states]
        if sort_keys is None:
            del self.fields["sortierung"]
        else:
            self.fields["sortierung"].choices = [("", "")] + [(key, key) for key in sort_keys]

    def _valid(self, name: str) -> str:
        """The field's cleaned value, or "" when it is invalid (Django leaves invalid fields out)."""
        self.is_valid()
        return self.cleaned_data.get(name) or ""

    def city_filter(self) -> CityFilter:
        return CityFilter(state=self._valid("land"), size=self._valid("groesse"), search=self._valid("suche"))

    def sort_key(self) -> str:
        """The domain key to sort by, "" for the total."""
        return self._valid("sortierung") if "sortierung" in self.fields else ""


class AccessibilityFeedbackForm(forms.Form):
    """The accessibility statement's feedback form: name optional, e-mail, message, the page concerned.

    `website` is a honeypot: hidden from people (and from screen readers), filled in by spam robots; a form with
    it filled in is refused like any invalid one, and nothing is stored.
    """

    name = forms.CharField(label=_("Name (freiwillig)"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-Mail-Adresse für die Antwort"),
        error_messages={"invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse an, damit wir antworten können.")},
    )
    page_url = forms.CharField(label=_("Betroffene Seite (Adresse, freiwillig)"), max_length=500, required=False)
    message = forms.CharField(
        label=_("Ihre Nachricht"),
        widget=forms.Textarea(attrs={"rows": 6}),
        min_length=10,
        max_length=5000,
        error_messages={"min_length": _("Bitte beschreiben Sie die Barriere in mindestens 10 Zeichen.")},
    )
    website = forms.CharField(label=_("Bitte leer lassen"), required=False)

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise forms.ValidationError(_("Diese Nachricht wurde als unerwünscht erkannt und nicht gespeichert."))
        return ""
