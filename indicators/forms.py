"""Portal forms: they parse what the user typed; the services decide what is allowed and valid."""

from decimal import Decimal

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from indicators.models import Answer, Parameter, plain_number
from indicators.values import to_number

YES_NO_CHOICES = [("", "—"), ("ja", _("ja")), ("nein", _("nein"))]


class AnswerForm(forms.Form):
    """One parameter's answer; the value field fits the parameter's type."""

    evidence_url = forms.URLField(label=_("Quelle (URL)"), required=False, max_length=500, assume_scheme="https")
    note = forms.CharField(label=_("Anmerkung"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    as_of = forms.DateField(
        label=_("Stand"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, parameter: Parameter, answer: Answer | None = None, **kwargs):
        self.parameter = parameter
        if answer is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(answer)
        kwargs.setdefault("prefix", parameter.key)
        super().__init__(*args, **kwargs)
        self.fields["value"] = value_field(parameter)
        self.fields["version"].initial = answer.version if answer else 0
        self.order_fields(["value", "evidence_url", "note", "as_of", "version"])


class ResearchForm(AnswerForm):
    """A researched value on the desk research page: the answer's fields and an evidence file. The source
    (URL or file) and the Stand are required by the service (answer_research), which says so in German."""

    file = forms.FileField(label=_("Nachweisdatei"), required=False)


def value_field(parameter: Parameter) -> forms.Field:
    label = parameter.name
    if parameter.kind == Parameter.Kind.YES_NO:
        return forms.ChoiceField(label=label, choices=YES_NO_CHOICES, required=False, widget=forms.RadioSelect)
    if parameter.kind == Parameter.Kind.CHOICE:
        choices = [("", "—")] + [(o["key"], parameter.option_label(o["key"])) for o in parameter.options]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    attrs = {"inputmode": "decimal", "autocomplete": "off"}
    if parameter.min_value is not None:
        attrs["data-min"] = plain_number(parameter.min_value)
    if parameter.max_value is not None:
        attrs["data-max"] = plain_number(parameter.max_value)
    # Read by indicators.values (as the import and the API read it); range and kind are the service's checks.
    return NumberField(label=label, required=False, unit=parameter.unit, widget=forms.TextInput(attrs=attrs))


class NumberField(forms.CharField):
    """A number as people type it: German or English separators, a trailing unit or "%" ("1.234,5", "45 %"),
    read by indicators.values; shown in the active language's format ("3,5" in German, "3.5" in English)."""

    def __init__(self, *, unit: str = "", **kwargs):
        self.unit = unit
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return formats.localize_input(value) if isinstance(value, Decimal) else value

    def to_python(self, value) -> Decimal | None:
        text = super().to_python(value)
        return None if text in self.empty_values else to_number(text, unit=self.unit)


def initial_for(answer: Answer) -> dict:
    value = answer.value
    if answer.parameter.kind == Parameter.Kind.YES_NO and value is not None:
        value = "ja" if value else "nein"
    elif answer.parameter.is_numeric and value is not None:
        value = Decimal(plain_number(value))  # 228.600000 -> 228.6, shown as "228,6" in German
    return {
        "value": value,
        "evidence_url": answer.evidence_url,
        "note": answer.note,
        "as_of": answer.as_of,
        "version": answer.version,
    }


class CommentForm(forms.Form):
    """A message in an answer's thread (portal and admin)."""

    body = forms.CharField(
        label=_("Kommentar"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000})
    )
