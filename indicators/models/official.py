"""An imported file of an official source (a register export), the reference of every answer taken from it."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.models.catalogue import Edition, Parameter

# The folder of the private storage that holds the imported official files (outside the evidence folder, so
# the evidence orphan reaper never touches them).
OFFICIAL_FOLDER = "official"
# Where a previewed file waits for its confirmation (the admin's import page); what is never confirmed is
# removed by the orphan reaper (indicators.services.evidence.evidence_orphans_reap) after its grace period.
OFFICIAL_PENDING_FOLDER = f"{OFFICIAL_FOLDER}/pending"


def official_storage():
    """The same private storage as evidence (settings.STORAGES "evidence"): never served publicly."""
    return storages["evidence"]


def official_upload_to(instance: "OfficialImport", filename: str) -> str:
    return f"{OFFICIAL_FOLDER}/{instance.edition_id}/{instance.parameter_id}/{instance.sha256[:16]}-{filename}"


class OfficialImport(models.Model):
    """One official file imported for one parameter: which file (name, SHA-256, its "Stand"), read by which
    importer profile and version, by whom and when. Unique per parameter and SHA-256, so a second import of
    the same file is recognised."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="official_imports"
    )
    parameter = models.ForeignKey(
        Parameter, verbose_name=_("Parameter"), on_delete=models.CASCADE, related_name="official_imports"
    )
    # What the public reads as the source, e.g. "Bundesnetzagentur, Ladesäulenregister" (the profile's label
    # at import time, so it stays what it was when the profile is renamed later).
    source_name = models.CharField(_("Quelle"), max_length=200)
    profile_key = models.SlugField(_("Importprofil"), max_length=80)
    profile_version = models.CharField(_("Version des Importprofils"), max_length=20)
    file_name = models.CharField(_("Dateiname"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    as_of = models.DateField(_("Stand"))
    file = models.FileField(_("Datei"), upload_to=official_upload_to, storage=official_storage, max_length=300)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importiert von"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("importiert am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Import amtlicher Daten")
        verbose_name_plural = _("Importe amtlicher Daten")
        constraints = [
            models.UniqueConstraint(fields=["parameter", "sha256"], name="official_import_parameter_file_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_name} · {self.file_name} · {self.as_of:%d.%m.%Y}"
