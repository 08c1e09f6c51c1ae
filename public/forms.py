"""Forms of the public pages: the ranking filter (read from GET parameters)."""

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
