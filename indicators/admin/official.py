"""Admin of official imports (issue 16, section 2): the list of imported files, read-only, and its add page as
the editors' import: upload → preview per city → confirm."""

import hashlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Edition, OfficialImport, Parameter
from indicators.models.official import OFFICIAL_PENDING_FOLDER
from indicators.official import PROFILES
from indicators.services import official_import_confirm, official_import_preview, official_profile_choose


def _profile_choices():
    return [(key, str(profile.name)) for key, profile in sorted(PROFILES.items())]


def _option_help() -> str:
    parts = []
    for key, profile in sorted(PROFILES.items()):
        names = ", ".join(option.name for option in profile.options)
        parts.append(f"{key}: {names}")
    return _("Eine Option je Zeile als name=wert. %(options)s") % {"options": "; ".join(parts)}


class ImportForm(forms.Form):
    """What the import asks: the parameter (of an unpublished edition, taken from an official source), the
    profile, its options, the Stand (for a file that states none) and the file."""

    parameter = forms.ModelChoiceField(label=gettext_lazy("Parameter"), queryset=Parameter.objects.none())
    profile = forms.ChoiceField(
        label=gettext_lazy("Importprofil"),
        choices=(),
        required=False,
        help_text=gettext_lazy("Leer: das Profil und die Optionen, die der Katalog für den Parameter nennt."),
    )
    stand = forms.DateField(
        label=gettext_lazy("Stand"),
        required=False,
        help_text=gettext_lazy("Nur für Dateien, die keinen Stand nennen (z. B. eine AGS-Tabelle)."),
    )
    options = forms.CharField(label=gettext_lazy("Optionen"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parameter"].queryset = (
            Parameter.objects.filter(collection_mode=Parameter.CollectionMode.OFFICIAL)
            .exclude(indicator__domain__edition__phase__in=Edition.PUBLIC_PHASES)
            .select_related("indicator__domain__edition")
            .order_by("-indicator__domain__edition__year", "key")
        )
        self.fields["parameter"].label_from_instance = lambda parameter: (
            f"{parameter.indicator.domain.edition.year} · {parameter.name} ({parameter.key})"
            + (f" · {parameter.official_profile}" if parameter.official_profile else "")
        )
        self.fields["profile"].choices = [("", _("— wie im Katalog —")), *_profile_choices()]
        self.fields["options"].help_text = _option_help()

    def clean_options(self) -> dict:
        texts = {}
        for line in self.cleaned_data["options"].splitlines():
            if not line.strip():
                continue
            name, equals, value = line.partition("=")
            if not equals or not name.strip():
                raise ValidationError(_("Eine Option wird als NAME=WERT angegeben: „%(pair)s“.") % {"pair": line})
            texts[name.strip()] = value.strip()
        return texts


class UploadForm(ImportForm):
    file = forms.FileField(label=gettext_lazy("Datei"))


class ConfirmForm(ImportForm):
    """The confirmation carries the choices of the preview and the file's fingerprint; the file itself waits
    in private storage under the editor's id and its SHA-256 (see `_pending_name`)."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=200, widget=forms.HiddenInput)


def _storage():
    """The private storage the imported files go to (the file field's, so tests can swap it)."""
    return OfficialImport._meta.get_field("file").storage


def _pending_name(user, sha256: str) -> str:
    """Where an uploaded file waits between preview and confirmation: private storage, keyed by the editor
    and the file's SHA-256, so only the editor who previewed it can confirm it and nothing else is needed to
    find it. A preview never confirmed leaves its file there until the orphan reaper removes it after its
    grace period (or the next confirmation of the same file does)."""
    return f"{OFFICIAL_PENDING_FOLDER}/{user.pk}/{sha256}"


@admin.register(OfficialImport)
class OfficialImportAdmin(admin.ModelAdmin):
    """Read-only list of imports; the add page is the import (official_import_preview, _confirm)."""

    list_display = ("as_of", "source_name", "parameter", "edition", "file_name", "value_count", "imported_by")
    list_filter = ("edition", "profile_key")
    list_select_related = ("parameter", "edition", "imported_by")
    readonly_fields = [field.name for field in OfficialImport._meta.fields if field.name != "file"]
    exclude = ("file",)  # private: never linked from the admin

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(value_count=Count("answers"))

    @admin.display(description=gettext_lazy("Werte"), ordering="value_count")
    def value_count(self, obj) -> int:
        return obj.value_count

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        preview, confirm = None, None
        if request.method == "POST" and "sha256" in request.POST:
            confirm = ConfirmForm(request.POST)
            if confirm.is_valid():
                done = self._confirm(request, confirm)
                if done:
                    return redirect("admin:indicators_officialimport_changelist")
            form = UploadForm(initial=request.POST)
        elif request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                preview, confirm = self._preview(request, form)
        else:
            form = UploadForm()
        return render(
            request,
            "admin/indicators/officialimport/import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Amtliche Daten importieren"),
                "form": form,
                "preview": preview,
                "confirm": confirm,
            },
        )

    def _arguments(self, request, form) -> dict:
        """The service's arguments; the profile and options chosen by official_profile_choose (the catalogue's
        unless the editor picks another, which the page then says)."""
        parameter = form.cleaned_data["parameter"]
        choice = official_profile_choose(
            parameter=parameter, profile_key=form.cleaned_data["profile"], option_texts=form.cleaned_data["options"]
        )
        if choice.note:
            messages.warning(request, choice.note)
        return {
            "user": request.user,
            "edition": parameter.indicator.domain.edition,
            "parameter": parameter,
            "profile_key": choice.profile_key,
            "options": choice.options,
            "stand": form.cleaned_data["stand"],
        }

    def _preview(self, request, form):
        uploaded = form.cleaned_data["file"]
        try:
            preview = official_import_preview(uploaded=uploaded, **self._arguments(request, form))
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
            return None, None
        uploaded.seek(0)
        storage, name = _storage(), _pending_name(request.user, preview.reading.sha256)
        if not storage.exists(name):
            storage.save(name, ContentFile(uploaded.read()))
        confirm = ConfirmForm(
            initial={
                **{key: form.data.get(key, "") for key in ("parameter", "profile", "stand", "options")},
                "sha256": preview.reading.sha256,
                "file_name": preview.file_name,
            }
        )
        return preview, confirm

    def _confirm(self, request, confirm) -> bool:
        storage, sha256 = _storage(), confirm.cleaned_data["sha256"]
        name = _pending_name(request.user, sha256)
        if not storage.exists(name):
            messages.error(request, _("Die Datei der Vorschau liegt nicht mehr vor. Bitte laden Sie sie erneut hoch."))
            return False
        with storage.open(name, "rb") as pending:
            data = pending.read()
        if hashlib.sha256(data).hexdigest() != sha256:
            messages.error(request, _("Die Datei der Vorschau ist beschädigt. Bitte laden Sie sie erneut hoch."))
            storage.delete(name)
            return False
        try:
            result = official_import_confirm(
                uploaded=ContentFile(data, name=confirm.cleaned_data["file_name"]),
                **self._arguments(request, confirm),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return False
        storage.delete(name)
        if result.already_imported:
            messages.warning(
                request,
                _("Diese Datei wurde für den Parameter bereits importiert (%(when)s); nichts geändert.")
                % {"when": result.official_import.imported_at.strftime("%d.%m.%Y")},
            )
        else:
            messages.success(
                request,
                _("Importiert: %(written)d Werte gespeichert, %(changed)d davon geändert, zur Prüfung eingereicht.")
                % {"written": result.written, "changed": result.changed},
            )
        return True
