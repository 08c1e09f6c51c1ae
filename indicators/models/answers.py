"""A city's answer to one parameter (value, evidence, status, review), its comments and evidence files."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models.catalogue import Edition, Parameter, plain_number
from indicators.models.cities import City
from indicators.models.official import OfficialImport

# An answer's source kind as the open data and the public API name it (`quelle_art`).
SOURCE_KIND_CODES = {"city": "stadt", "official": "amtlich", "research": "recherche"}


def public_provenance(
    *, source_kind: str, evidence_url: str, official_source: str, official_file: str, as_of, official_as_of
):
    """An answer's provenance as the public reads it (open data, the public API, the drill-down):
    (quelle_art, quelle, stand). `quelle` is the official source and its file for an imported value, else
    the source URL (None without one); `stand` is the answer's as-of date, for an imported value without
    one the file's Stand. Plain values, so a file built from value rows and a page built from answers agree."""
    if source_kind == Parameter.CollectionMode.OFFICIAL and official_source:
        source = f"{official_source} ({official_file})"
    else:
        source = evidence_url or None
    return SOURCE_KIND_CODES[source_kind], source, as_of or (official_as_of if official_source else None)


def city_enters(parameter: Parameter, answer: "Answer | None") -> bool:
    """The city enters this value: the parameter is answered by the city and the answer (if any) was not
    imported or researched. The rule of services.answers.check_entered_by_city, as a question (the
    questionnaire's read-only rows, the template's rows)."""
    return parameter.is_answered_by_city and (answer is None or not answer.pk or answer.is_entered_by_city)


def progress_conditions(answer: str, *, has_files: str) -> dict[str, models.Q]:
    """The rules a city's progress counts by, as SQL conditions over parameters (selectors.questionnaire_progress
    counts in the database): `city_enters` ("counted"), with `Answer.has_value` ("answered"), and
    `Answer.lacks_evidence` ("lacks_evidence"). `answer` names the city's answer joined to each parameter (its
    columns NULL where there is none), `has_files` an annotation saying whether that answer has files.

    The same rules as the Python ones above and below, written twice on purpose (ARCHITECTURE.md): counting
    162 rows in Python costs more than the rest of the autosave's row. tests/indicators/test_questionnaire_rows.py
    holds both equal on rows of every kind."""

    def of_answer(lookup: str, value) -> models.Q:
        return models.Q(**{f"{answer}__{lookup}": value})

    city = Parameter.CollectionMode.CITY
    exists = of_answer("id__isnull", False)
    counted = models.Q(collection_mode=city) & (~exists | of_answer("source_kind", city))
    has_value = exists & (
        of_answer("value_bool__isnull", False)
        | of_answer("value_choice__gt", "")
        | of_answer("value_number__isnull", False)
    )
    lacks_evidence = (
        models.Q(evidence_required=True)
        & of_answer("evidence_url", "")
        & of_answer("official_import__isnull", True)
        & models.Q(**{has_files: False})
    )
    return {"counted": counted, "answered": counted & has_value, "lacks_evidence": lacks_evidence}


# The stored review flags' columns, in the order the queue shows them (flag code -> column).
ANSWER_FLAG_FIELDS = {
    "outlier": "flag_outlier",
    "jump": "flag_jump",
    "evidence_missing": "flag_evidence_missing",
    "objection": "flag_objection",
    "stale": "flag_stale",
}


class Answer(models.Model):
    """One city's value for one parameter, with evidence and its review status."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        SUBMITTED = "submitted", _("eingereicht")
        CHANGES_REQUESTED = "changes_requested", _("zur Überarbeitung")
        APPROVED = "approved", _("freigegeben")

    # The workflow as data (DESIGN §4): state -> states it may move to. One service applies each edge.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.SUBMITTED,),
        Status.SUBMITTED: (Status.APPROVED, Status.CHANGES_REQUESTED),
        Status.CHANGES_REQUESTED: (Status.DRAFT,),
        Status.APPROVED: (Status.DRAFT,),
    }

    edition = models.ForeignKey(Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="answers")
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.PROTECT, related_name="answers")
    parameter = models.ForeignKey(
        Parameter, verbose_name=_("Parameter"), on_delete=models.CASCADE, related_name="answers"
    )
    value_bool = models.BooleanField(_("Ja/Nein"), null=True, blank=True)
    value_choice = models.CharField(_("Auswahl"), max_length=60, blank=True)
    value_number = models.DecimalField(_("Zahl"), max_digits=20, decimal_places=6, null=True, blank=True)
    evidence_url = models.URLField(_("Quelle (URL)"), max_length=500, blank=True)
    note = models.TextField(_("Anmerkung"), blank=True)
    as_of = models.DateField(_("Stand"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_reason = models.TextField(_("Begründung der Prüfung"), blank=True)
    # The city's word that a flagged value (outlier, jump against last year) is right, for the reviewer;
    # cleared when the value changes.
    value_confirmation = models.TextField(_("Bestätigung der Stadt"), max_length=1000, blank=True)
    # Optimistic concurrency: every write increments it; a write carrying an older version is a conflict.
    version = models.PositiveIntegerField(verbose_name=_("Version"), default=1)
    created_at = models.DateTimeField(verbose_name=_("erstellt am"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("geändert am"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geändert von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geprüft von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(verbose_name=_("geprüft am"), null=True, blank=True)
    # Provenance (issue 16): entered by the city, imported from an official file (which file, which rows of
    # it), or researched by the index team (by whom; the source is the evidence URL or an evidence file).
    # The answer's "Stand" is `as_of` (an official value takes its file's Stand).
    source_kind = models.CharField(
        _("Herkunft"), max_length=20, choices=Parameter.CollectionMode.choices, default=Parameter.CollectionMode.CITY
    )
    official_import = models.ForeignKey(
        OfficialImport,
        verbose_name=_("Import amtlicher Daten"),
        # RESTRICT, not PROTECT: an import is never deleted under its answers, but goes with its edition
        # (whose deletion cascades to both).
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="answers",
    )
    source_rows = models.JSONField(_("Zeilen der Quelldatei"), default=list, blank=True)
    researched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recherchiert von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The review flags as stored (issue 17): written only by indicators.services.review_flags from the one
    # rule (indicators.selectors.review_flags.answer_reviews), read by the review queue and its filter in SQL.
    # Derived data, so not part of the answer's history.
    flag_outlier = models.BooleanField(_("Hinweis: Ausreißer"), default=False, editable=False)
    flag_jump = models.BooleanField(_("Hinweis: Sprung zum Vorjahr"), default=False, editable=False)
    flag_evidence_missing = models.BooleanField(_("Hinweis: Nachweis fehlt"), default=False, editable=False)
    flag_objection = models.BooleanField(_("Hinweis: Einwand offen"), default=False, editable=False)
    flag_stale = models.BooleanField(_("Hinweis: Stand veraltet"), default=False, editable=False)
    history = HistoricalRecords(excluded_fields=list(ANSWER_FLAG_FIELDS.values()))

    class Meta:
        verbose_name = _("Antwort")
        verbose_name_plural = _("Antworten")
        constraints = [models.UniqueConstraint(fields=["city", "parameter"], name="answer_city_parameter_unique")]
        indexes = [
            # The queue's sorts, each a walk of an index that stops after the page: by status (and the default
            # order city, parameter within it), by time of the last change. (Sorting by city walks the cities'
            # name index; the queue's search finds cities, parameters and notes by index: migration 0019.)
            models.Index(fields=["edition", "status", "city", "parameter"], name="answer_edition_status"),
            models.Index(fields=["edition", "updated_at"], name="answer_edition_updated"),
            # One partial index per flag: the queue filters "edition X, flag Y" from the few flagged rows
            # (SQLite and PostgreSQL both use a partial index whose condition the query repeats).
            *(
                models.Index(fields=["edition", "status"], condition=models.Q(**{name: True}), name=f"answer_{name}")
                for name in ANSWER_FLAG_FIELDS.values()
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} · {self.parameter}"

    def lacks_evidence(self, *, has_files: bool | Callable[[], bool]) -> bool:
        """Evidence missing: the parameter requires evidence and the answer has neither a source URL nor a
        file. `has_files` is what the caller knows of its files, or a callable asked only when the URL does
        not decide (so a query runs only when needed). The parameter must be loaded. An answer imported from
        an official file has that file as its evidence."""
        if not self.parameter.evidence_required or self.evidence_url or self.official_import_id:
            return False
        return not (has_files() if callable(has_files) else has_files)

    def incomplete_reason(self, *, has_files: bool | Callable[[], bool]) -> str | None:
        """Why the answer cannot be submitted yet (no value, or required evidence missing), or None when it
        is complete: the one rule of submit, submit-all and its confirmation page."""
        if not self.has_value:
            return gettext("Die Antwort hat noch keinen Wert.")
        if self.lacks_evidence(has_files=has_files):
            return gettext("Für diesen Parameter ist ein Nachweis (Link oder Datei) erforderlich.")
        return None

    @property
    def is_sent_back(self) -> bool:
        """Sent back by a reviewer and not resubmitted yet: changes requested, or already being revised
        (a draft that still carries the review's reason). Staff may edit it in the review phase."""
        return self.status == self.Status.CHANGES_REQUESTED or (
            self.status == self.Status.DRAFT and bool(self.review_reason)
        )

    @property
    def has_value(self) -> bool:
        return self.value_bool is not None or bool(self.value_choice) or self.value_number is not None

    @property
    def value(self):
        """The typed value: bool, option key or Decimal; None when unanswered."""
        return self.parameter.typed_value(self)

    @property
    def display_value(self) -> str:
        return self.parameter.format_value(self.value)

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, ())

    @property
    def is_entered_by_city(self) -> bool:
        return self.source_kind == Parameter.CollectionMode.CITY

    @property
    def public_provenance(self) -> tuple[str, str | None, object]:
        """(quelle_art, quelle, stand) of public_provenance; the import must be loaded (select_related)."""
        official = self.official_import if self.official_import_id else None
        return public_provenance(
            source_kind=self.source_kind,
            evidence_url=self.evidence_url,
            official_source=official.source_name if official else "",
            official_file=official.file_name if official else "",
            as_of=self.as_of,
            official_as_of=official.as_of if official else None,
        )

    def clean_provenance(self, *, has_files: bool | Callable[[], bool] = False) -> dict:
        """The provenance rules, as field errors: an official value names its import (and only it), a
        researched value names its researcher and has a source (URL or file; `has_files` as in
        lacks_evidence), a city's value carries neither."""
        Mode = Parameter.CollectionMode
        errors = {}
        if self.source_kind == Mode.OFFICIAL:
            if not self.official_import_id:
                errors["official_import"] = _("Ein amtlicher Wert braucht den Import, aus dem er stammt.")
        elif self.official_import_id or self.source_rows:
            errors["official_import"] = _("Nur ein amtlicher Wert verweist auf einen Import amtlicher Daten.")
        if self.source_kind == Mode.RESEARCH:
            if not self.researched_by_id:
                errors["researched_by"] = _("Ein recherchierter Wert braucht die Person, die ihn recherchiert hat.")
            if not self.evidence_url and not (has_files() if callable(has_files) else has_files):
                errors["evidence_url"] = _("Ein recherchierter Wert braucht eine Quelle (Link oder Datei).")
        elif self.researched_by_id:
            errors["researched_by"] = _("Nur ein recherchierter Wert hat eine recherchierende Person.")
        if not isinstance(self.source_rows, list) or not all(
            isinstance(row, int) and not isinstance(row, bool) and row > 0 for row in self.source_rows
        ):
            errors["source_rows"] = _("Die Zeilen der Quelldatei sind eine Liste positiver ganzer Zahlen.")
        return errors

    def clean(self):
        """The value must fit the parameter's type and allowed range; other value fields stay empty; the
        provenance is complete (clean_provenance; a saved researched answer may have its source as a file)."""
        parameter = self.parameter
        if parameter.indicator.domain.edition_id != self.edition_id:
            raise ValidationError({"parameter": _("Der Parameter gehört zu einer anderen Ausgabe.")})
        kind = parameter.kind
        errors = self.clean_provenance(has_files=lambda: bool(self.pk) and self.evidence_files.exists())
        if kind != Parameter.Kind.YES_NO and self.value_bool is not None:
            errors["value_bool"] = _("Dieser Parameter ist keine Ja/Nein-Frage.")
        if kind != Parameter.Kind.CHOICE and self.value_choice:
            errors["value_choice"] = _("Dieser Parameter hat keine Auswahl.")
        if kind not in Parameter.NUMERIC_KINDS and self.value_number is not None:
            errors["value_number"] = _("Dieser Parameter erwartet keine Zahl.")
        if kind == Parameter.Kind.CHOICE and self.value_choice and self.value_choice not in parameter.option_points():
            errors["value_choice"] = _("„%(value)s“ ist keine der erlaubten Optionen.") % {"value": self.value_choice}
        if kind in Parameter.NUMERIC_KINDS and self.value_number is not None:
            number = self.value_number
            if parameter.min_value is not None and number < parameter.min_value:
                errors["value_number"] = _("Der Wert muss mindestens %(min)s %(unit)s sein.") % {
                    "min": plain_number(parameter.min_value),
                    "unit": parameter.unit,
                }
            elif parameter.max_value is not None and number > parameter.max_value:
                errors["value_number"] = _("Der Wert darf höchstens %(max)s %(unit)s sein.") % {
                    "max": plain_number(parameter.max_value),
                    "unit": parameter.unit,
                }
            elif kind == Parameter.Kind.COUNT and number != number.to_integral_value():
                errors["value_number"] = _("Eine Anzahl ist eine ganze Zahl.")
        if errors:
            raise ValidationError(errors)


class AnswerComment(models.Model):
    """A message in an answer's thread, shared by the city's staff and the reviewers (append-only)."""

    answer = models.ForeignKey(Answer, verbose_name=_("Antwort"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verfasst von"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("Kommentar"), max_length=4000)
    created_at = models.DateTimeField(_("geschrieben am"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("Kommentar")
        verbose_name_plural = _("Kommentare")

    def __str__(self) -> str:
        return f"{self.author} · {self.created_at:%Y-%m-%d %H:%M}"


def private_evidence_storage():
    """The private storage alias "evidence" (settings.STORAGES): local disk by default, S3-compatible by setting."""
    return storages["evidence"]


# The folder of the evidence storage that holds every evidence file (the orphan reaper looks only here).
EVIDENCE_FOLDER = "evidence"


def evidence_upload_to(instance: "EvidenceFile", filename: str) -> str:
    # Never public: served through a permission-checking view, keyed by edition and city.
    answer = instance.answer
    return f"{EVIDENCE_FOLDER}/{answer.edition_id}/{answer.city_id}/{answer.parameter_id}/{filename}"


class EvidenceFile(models.Model):
    """An uploaded document backing an answer."""

    answer = models.ForeignKey(
        Answer, verbose_name=_("Antwort"), on_delete=models.CASCADE, related_name="evidence_files"
    )
    file = models.FileField(_("Datei"), upload_to=evidence_upload_to, storage=private_evidence_storage, max_length=300)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(verbose_name=_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hochgeladen von"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(verbose_name=_("hochgeladen am"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Nachweisdatei")
        verbose_name_plural = _("Nachweisdateien")

    def __str__(self) -> str:
        return self.original_name
