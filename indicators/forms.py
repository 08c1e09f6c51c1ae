"""Portal forms: they parse what the user typed; the services decide what is allowed and valid."""

import functools
import html
from decimal import Decimal

from django import forms
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
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

    def fields_html(self) -> SafeString:
        """The form's fields as the questionnaire row shows them (label, widget, errors; the hidden version),
        the same HTML as Django's widget templates give (without their blank space between tags), built from the
        widgets' contexts by string formatting: at 162 rows the ~1,500 template renders of labels and widgets were
        half the page's time (tests/indicators/test_questionnaire_rows.py compares both renderings for every kind
        of value)."""
        parts = [_visible_field_html(field) for field in self.visible_fields()]
        parts.extend(_widget_html(field) for field in self.hidden_fields())
        return mark_safe("".join(parts))  # every value and label is escaped by the helpers below


def answer_fields_html(parameter: Parameter, answer: Answer | None) -> SafeString:
    """What `AnswerForm(parameter=parameter, answer=answer).fields_html()` gives (an unbound form: no errors),
    built from the answer without a form: the questionnaire shows 162 rows, and building a form per row (its
    fields deep-copied, a BoundField and a widget context per field) cost a third of the page. A row with errors
    (a posted form) is shown with fields_html; tests/indicators/test_questionnaire_rows.py compares both."""
    key = _escaped(parameter.key)  # a slug: the same escaped, but written into the HTML directly below
    initial = initial_for(answer) if answer is not None else {}
    fixed = _fixed_texts(get_language())

    def caption(text) -> str:
        text = _escaped(text)
        if text and text[-1] not in fixed["punctuation"]:
            text += ":"  # Form.label_suffix, left out after punctuation as BoundField.label_tag does
        return text

    def label(text, for_id: str) -> str:
        return f'<label for="id_{key}-{for_id}">{caption(text)}</label>'

    value = initial.get("value")
    name = f"{key}-value"
    if parameter.kind == Parameter.Kind.YES_NO:
        checked = "" if value is None else value
        options = "".join(
            f'<div><label for="id_{name}_{n}">{_input_html(_option(name, n, option, checked, "checked"))} '
            f"{_escaped(text)}</label></div>"
            for n, (option, text) in enumerate(fixed["yes_no"])
        )
        value_html = _group_html(caption(parameter.name), f'<div id="id_{name}">{options}</div>', ())
    elif parameter.kind == Parameter.Kind.CHOICE:
        selected = value or ""
        choices = [("", "—")] + [(o["key"], parameter.option_label(o["key"])) for o in parameter.options]
        options = "".join(
            f'<option value="{_escaped(option)}"{mark}>{_escaped(text)}</option>'
            for option, text in choices
            for mark in [" selected" if option == selected else ""]
        )
        select = f'<select name="{_escaped(name)}" id="id_{name}">{options}</select>'
        value_html = _group_html(label(parameter.name, "value"), select, ())
    else:
        attrs = _number_attrs(parameter)  # as value_field's widget has them, without building the field
        shown = {"value": None if value is None else formats.localize_input(value)}  # NumberField.prepare_value
        value_widget = _input_html({"type": "text", "name": name, **shown, "attrs": {**attrs, "id": f"id_{name}"}})
        value_html = _field_html(label(parameter.name, "value"), value_widget, ())
    url, note, as_of = initial.get("evidence_url") or None, initial.get("note") or "", initial.get("as_of")
    parts = [
        value_html,
        _field_html(
            label(fixed["evidence_url"], "evidence_url"),
            _input_html(
                {
                    "type": "url",
                    "name": f"{key}-evidence_url",
                    "value": url,
                    "attrs": {"maxlength": "500", "id": f"id_{key}-evidence_url"},
                }
            ),
            (),
        ),
        _field_html(
            label(fixed["note"], "note"),
            f'<textarea name="{key}-note" cols="40" rows="2" id="id_{key}-note">\n{_escaped(note)}</textarea>',
            (),
        ),
        _field_html(
            label(fixed["as_of"], "as_of"),
            _input_html(
                {
                    "type": "date",
                    "name": f"{key}-as_of",
                    "value": as_of.strftime("%Y-%m-%d") if as_of else None,
                    "attrs": {"id": f"id_{key}-as_of"},
                }
            ),
            (),
        ),
        _input_html(
            {
                "type": "hidden",
                "name": f"{key}-version",
                "value": answer.version if answer else 0,
                "attrs": {"id": f"id_{key}-version"},
            }
        ),
    ]
    return mark_safe("".join(parts))  # every value and label is escaped


@functools.lru_cache(maxsize=8)
def _fixed_texts(language: str | None) -> dict:
    """The labels every row has, translated once per language (not twice per row and field)."""
    with translation.override(language):
        fields = AnswerForm.base_fields
        return {
            "punctuation": gettext(":?.!"),
            "yes_no": [(value, str(text)) for value, text in YES_NO_CHOICES],
            **{name: str(fields[name].label) for name in ("evidence_url", "note", "as_of")},
        }


def _option(name: str, n: int, option: str, chosen: str, flag: str) -> dict:
    attrs = {"id": f"id_{name}_{n}", flag: True} if option == chosen else {"id": f"id_{name}_{n}"}
    return {"type": "radio", "name": name, "value": option, "attrs": attrs}


def _field_html(label_html: str, widget_html: str, errors) -> str:
    css = "field has-error" if errors else "field"
    return f'<div class="{css}">{label_html} {widget_html}{_errors_html(errors)}</div>'


def _group_html(legend_html: str, widget_html: str, errors) -> str:
    """A question answered by picking an option (yes/no radio buttons, a choice's select): a fieldset with the
    question as its legend, so that a screen reader names the question with each option, not only "ja". For
    radio buttons the legend is the question (Django's legend_tag); a select keeps its label, inside the legend."""
    css = "field has-error" if errors else "field"
    return f'<fieldset class="{css}"><legend>{legend_html}</legend> {widget_html}{_errors_html(errors)}</fieldset>'


def _visible_field_html(field: forms.BoundField) -> str:
    if isinstance(field.field, forms.ChoiceField):  # the value of a yes/no or choice parameter
        legend = _label_contents(field) if field.use_fieldset else _label_html(field)
        return _group_html(legend, _widget_html(field), field.errors)
    return _field_html(_label_html(field), _widget_html(field), field.errors)


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
    # Read by indicators.values (as the import and the API read it); range and kind are the service's checks.
    return NumberField(
        label=label, required=False, unit=parameter.unit, widget=forms.TextInput(attrs=_number_attrs(parameter))
    )


def _number_attrs(parameter: Parameter) -> dict:
    attrs = {"inputmode": "decimal", "autocomplete": "off"}
    if parameter.min_value is not None:
        attrs["data-min"] = plain_number(parameter.min_value)
    if parameter.max_value is not None:
        attrs["data-max"] = plain_number(parameter.max_value)
    return attrs


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


def _escaped(value) -> str:
    """conditional_escape without its SafeString wrapping (called ~200 times per row): safe HTML as it is."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: False leaves an attribute out, True writes its name only."""
    return "".join(
        f" {name}" if value is True else f' {name}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input_html(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_escaped(widget["value"])}"'
    return f'<input type="{widget["type"]}" name="{_escaped(widget["name"])}"{value}{_attrs_html(widget["attrs"])}>'


def _widget_html(field: forms.BoundField) -> str:
    """What BoundField.as_widget renders (input, textarea, select, radio buttons), from the widget's context."""
    attrs = field.build_widget_attrs({}, field.field.widget)
    if field.auto_id and "id" not in field.field.widget.attrs:
        attrs.setdefault("id", field.auto_id)
    widget = field.field.widget.get_context(field.html_name, field.value(), attrs)["widget"]
    template = widget["template_name"].rsplit("/", 1)[-1]
    options = [option for _group, group_options, _index in widget.get("optgroups", ()) for option in group_options]
    if template == "textarea.html":
        text = _escaped(widget["value"]) if widget["value"] else ""
        return f'<textarea name="{_escaped(widget["name"])}"{_attrs_html(widget["attrs"])}>\n{text}</textarea>'
    if template == "select.html":
        rendered = "".join(
            f'<option value="{_escaped(o["value"])}"{_attrs_html(o["attrs"])}>{_escaped(o["label"])}</option>'
            for o in options
        )
        return f'<select name="{_escaped(widget["name"])}"{_attrs_html(widget["attrs"])}>{rendered}</select>'
    if template == "radio.html":
        rendered = "".join(
            f'<div><label for="{_escaped(o["attrs"]["id"])}">{_input_html(o)} {_escaped(o["label"])}</label></div>'
            for o in options
        )
        return f'<div id="{_escaped(widget["attrs"]["id"])}">{rendered}</div>'
    return _input_html(widget)


def _label_contents(field: forms.BoundField) -> str:
    """The label's text with the form's suffix unless it ends in punctuation (BoundField.label_tag's contents)."""
    contents = _escaped(field.label)
    suffix = field.form.label_suffix
    if suffix and contents and contents[-1] not in gettext(":?.!"):
        contents += _escaped(suffix)
    return contents


def _label_html(field: forms.BoundField) -> str:
    """BoundField.label_tag: the label with the form's suffix unless it ends in punctuation, `for` the widget."""
    contents = _label_contents(field)
    for_id = field.field.widget.id_for_label(field.auto_id) if field.auto_id else ""
    return f'<label for="{_escaped(for_id)}">{contents}</label>' if for_id else f"<label>{contents}</label>"


def _errors_html(errors) -> str:
    if not errors:
        return ""
    return f'<p class="error" role="alert">{" ".join(_escaped(error) for error in errors)}</p>'


class CommentForm(forms.Form):
    """A message in an answer's thread (portal and admin)."""

    body = forms.CharField(
        label=_("Kommentar"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000})
    )
