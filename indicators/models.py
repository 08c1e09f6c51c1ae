"""Catalogue (editions, domains, indicators, parameters), cities, memberships and answers."""

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.workflow import WorkflowError, record_history

WEIGHT_FIELD = {"max_digits": 8, "decimal_places": 4, "default": Decimal(1), "validators": [MinValueValidator(0)]}


class Translated(models.Model):
    """German name (primary) with an English translation; `name` follows the active language."""

    name_de = models.CharField(_("Name (Deutsch)"), max_length=200)
    name_en = models.CharField(_("Name (Englisch)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self, "name")


def plain_number(value: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 100.000000 -> "100", 2.500000 -> "2.5"."""
    return format(value.normalize(), "f")


def translated(obj, field: str) -> str:
    """`obj.<field>_en` when English is active and it is filled in, else `obj.<field>_de`."""
    if (get_language() or "de").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, f"{field}_de")


class City(models.Model):
    """A municipality that can take part in the index (Destatis data, reference date below)."""

    name = models.CharField(_("Name"), max_length=120)
    slug = models.SlugField(_("Kürzel"), max_length=120, unique=True)
    state = models.CharField(_("Bundesland"), max_length=60)
    state_code = models.CharField(_("Länderkürzel"), max_length=2)
    ags = models.CharField(_("Amtlicher Gemeindeschlüssel"), max_length=8, unique=True)
    population = models.PositiveIntegerField(_("Einwohner"), validators=[MinValueValidator(1)])
    population_date = models.DateField(_("Stichtag Einwohner"))
    area_km2 = models.DecimalField(_("Fläche (km²)"), max_digits=9, decimal_places=2, null=True, blank=True)
    lat = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    lon = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    source = models.CharField(_("Quelle"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Stadt")
        verbose_name_plural = _("Städte")
        constraints = [
            models.CheckConstraint(condition=Q(ags__regex=r"^[0-9]{8}$"), name="city_ags_8_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class EditionQuerySet(models.QuerySet):
    def public(self):
        """Editions the public sees: published or archived."""
        return self.filter(phase__in=Edition.PUBLIC_PHASES)

    def open_for_work(self):
        """Editions whose questionnaires are being answered or reviewed."""
        return self.filter(phase__in=Edition.OPEN_FOR_WORK_PHASES)


class Edition(models.Model):
    """One year's index with its own catalogue, phases, methodology and results."""

    class Phase(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        COLLECTION = "collection", _("Datenerhebung")
        REVIEW = "review", _("Prüfung")
        PUBLISHED = "published", _("Veröffentlicht")
        ARCHIVED = "archived", _("Archiviert")

    # The lifecycle as data (DESIGN §3): each phase and the phases an editor may move it to.
    PHASE_PIPELINE: dict[str, tuple[str, ...]] = {
        Phase.DRAFT: (Phase.COLLECTION,),
        Phase.COLLECTION: (Phase.REVIEW,),
        Phase.REVIEW: (Phase.COLLECTION, Phase.PUBLISHED),
        Phase.PUBLISHED: (Phase.ARCHIVED,),
        Phase.ARCHIVED: (),
    }
    PUBLIC_PHASES = (Phase.PUBLISHED, Phase.ARCHIVED)
    OPEN_FOR_WORK_PHASES = (Phase.COLLECTION, Phase.REVIEW)  # cities answer, reviewers review

    class MissingPolicy(models.TextChoices):
        WORST = "worst", _("schlechtester Wert (0 Punkte)")
        EXCLUDE = "exclude", _("ausschließen (Neugewichtung)")
        MEAN = "mean", _("Mittelwert des Feldes")

    class Normalisation(models.TextChoices):
        MINMAX = "minmax", _("relativ zum Feld (Min-Max)")
        ZSCORE = "zscore", _("z-Wert")
        TARGET = "target", _("Abstand zum Zielwert")

    class Aggregation(models.TextChoices):
        ARITHMETIC = "arithmetic", _("arithmetisches Mittel")
        GEOMETRIC = "geometric", _("geometrisches Mittel")

    year = models.PositiveSmallIntegerField(
        _("Jahr"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("Titel"), max_length=200)
    phase = models.CharField(_("Phase"), max_length=20, choices=Phase.choices, default=Phase.DRAFT)
    collection_opens = models.DateField(_("Erhebung beginnt"), null=True, blank=True)
    collection_closes = models.DateField(_("Erhebung endet"), null=True, blank=True)
    review_opens = models.DateField(_("Prüfung beginnt"), null=True, blank=True)
    review_closes = models.DateField(_("Prüfung endet"), null=True, blank=True)
    missing_policy = models.CharField(
        _("Umgang mit fehlenden Daten"), max_length=20, choices=MissingPolicy.choices, default=MissingPolicy.WORST
    )
    normalisation = models.CharField(
        _("Normierung"), max_length=20, choices=Normalisation.choices, default=Normalisation.MINMAX
    )
    aggregation = models.CharField(
        _("Aggregation"), max_length=20, choices=Aggregation.choices, default=Aggregation.ARITHMETIC
    )
    bonus_cap = models.DecimalField(
        _("Höchster Innovationsbonus je Themenbereich"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(5),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    published_at = models.DateTimeField(_("veröffentlicht am"), null=True, blank=True)
    history = HistoricalRecords()

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("Ausgabe")
        verbose_name_plural = _("Ausgaben")
        constraints = [
            models.CheckConstraint(
                condition=Q(collection_closes__isnull=True)
                | Q(collection_opens__isnull=True)
                | Q(collection_closes__gte=models.F("collection_opens")),
                name="edition_collection_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.collection_opens and self.collection_closes and self.collection_closes < self.collection_opens:
            raise ValidationError({"collection_closes": _("Das Ende der Erhebung liegt vor ihrem Beginn.")})
        if self.review_opens and self.review_closes and self.review_closes < self.review_opens:
            raise ValidationError({"review_closes": _("Das Ende der Prüfung liegt vor ihrem Beginn.")})

    @property
    def is_public(self) -> bool:
        return self.phase in self.PUBLIC_PHASES

    @property
    def is_open_for_work(self) -> bool:
        return self.phase in self.OPEN_FOR_WORK_PHASES

    def move_to(self, phase: str, *, user, reason: str = "") -> None:
        """Move the edition along PHASE_PIPELINE (django-oscar's set_status): refuses an unknown or
        illegal phase with WorkflowError, stamps published_at on publishing, saves with an audit row
        (the reason, else the phase's name). The caller holds the edition's row lock and has checked
        the role (indicators.services.edition_set_phase, scoring.services.edition_publish)."""
        if phase not in self.Phase.values:
            raise WorkflowError(gettext("Unbekannte Phase „%(phase)s“.") % {"phase": phase})
        if phase not in self.PHASE_PIPELINE[self.phase]:
            raise WorkflowError(
                gettext("Eine Ausgabe in der Phase „%(from)s“ kann nicht in die Phase „%(to)s“ wechseln.")
                % {"from": self.Phase(self.phase).label, "to": self.Phase(phase).label}
            )
        self.phase = phase
        if phase == self.Phase.PUBLISHED:
            self.published_at = timezone.now()
        record_history(self, user=user, reason=reason or self.Phase(phase).label)
        self.full_clean()
        self.save()

    def previous(self) -> "Edition | None":
        """The latest earlier edition that got past its draft (where last year's values come from)."""
        return Edition.objects.filter(year__lt=self.year).exclude(phase=self.Phase.DRAFT).order_by("-year").first()

    @property
    def days_left(self) -> int | None:
        """Days until the collection closes (0 on the last day, negative after); None without a date."""
        if self.collection_closes is None:
            return None
        return (self.collection_closes - timezone.localdate()).days


class Participation(models.Model):
    """A city taking part in an edition; the coordinator's sign-off of its questionnaire."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="participations")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="participations")
    signed_off_at = models.DateTimeField(_("abgezeichnet am"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Teilnahme")
        verbose_name_plural = _("Teilnahmen")
        constraints = [models.UniqueConstraint(fields=["edition", "city"], name="participation_unique")]

    def __str__(self) -> str:
        return f"{self.city} – {self.edition}"


class CityMembership(models.Model):
    """A user working for a city: staff edit answers, coordinators also sign off and manage staff."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Mitarbeitende")
        COORDINATOR = "coordinator", _("Koordination")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="city_memberships")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.STAFF)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Stadtzugehörigkeit")
        verbose_name_plural = _("Stadtzugehörigkeiten")
        constraints = [models.UniqueConstraint(fields=["user", "city"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.city} ({self.get_role_display()})"


class Domain(Translated):
    """One of the five areas (Themenbereiche) of an edition."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="domains")
    key = models.SlugField(_("Schlüssel"), max_length=60)
    weight = models.DecimalField(_("Gewicht"), **WEIGHT_FIELD)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["edition", "position", "id"]
        verbose_name = _("Themenbereich")
        verbose_name_plural = _("Themenbereiche")
        constraints = [models.UniqueConstraint(fields=["edition", "key"], name="domain_key_unique")]


class Indicator(Translated):
    """A scored unit (Kategorie) inside a domain: 0-100 per city."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="indicators")
    key = models.SlugField(_("Schlüssel"), max_length=60)
    description_de = models.TextField(_("Beschreibung (Deutsch)"), blank=True)
    description_en = models.TextField(_("Beschreibung (Englisch)"), blank=True)
    weight = models.DecimalField(_("Gewicht"), **WEIGHT_FIELD)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["domain__position", "position", "id"]
        verbose_name = _("Indikator")
        verbose_name_plural = _("Indikatoren")
        constraints = [models.UniqueConstraint(fields=["domain", "key"], name="indicator_key_unique")]

    @property
    def description(self) -> str:
        return translated(self, "description")


class Parameter(Translated):
    """One question asked of every city; typed, scaled and weighted inside its indicator."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Ja/Nein")
        CHOICE = "choice", _("Auswahl")
        NUMBER = "number", _("Zahl")
        PERCENTAGE = "percentage", _("Prozentsatz")
        COUNT = "count", _("Anzahl")

    NUMERIC_KINDS = (Kind.NUMBER, Kind.PERCENTAGE, Kind.COUNT)

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="parameters")
    key = models.SlugField(_("Schlüssel"), max_length=80)
    kind = models.CharField(_("Typ"), max_length=20, choices=Kind.choices)
    help_de = models.TextField(_("Hilfetext (Deutsch)"), blank=True)
    help_en = models.TextField(_("Hilfetext (Englisch)"), blank=True)
    source_de = models.CharField(_("Typische Datenquelle (Deutsch)"), max_length=200, blank=True)
    source_en = models.CharField(_("Typische Datenquelle (Englisch)"), max_length=200, blank=True)
    unit = models.CharField(_("Einheit"), max_length=40, blank=True)
    min_value = models.DecimalField(_("kleinster Wert"), max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(_("größter Wert"), max_digits=20, decimal_places=6, null=True, blank=True)
    higher_is_better = models.BooleanField(_("höher ist besser"), default=True)
    per_capita = models.BooleanField(_("je 1.000 Einwohner"), default=False)
    goal_worst = models.DecimalField(
        _("Zielwert schlechtester"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    goal_best = models.DecimalField(_("Zielwert bester"), max_digits=20, decimal_places=6, null=True, blank=True)
    # Choice options as data: [{"key": "live", "label_de": "im Betrieb", "label_en": "in operation", "points": 1}]
    options = models.JSONField(_("Auswahloptionen"), default=list, blank=True)
    weight = models.DecimalField(_("Gewicht"), **WEIGHT_FIELD)
    evidence_required = models.BooleanField(_("Nachweis erforderlich"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator__domain__position", "indicator__position", "position", "id"]
        verbose_name = _("Parameter")
        verbose_name_plural = _("Parameter")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "key"], name="parameter_key_unique"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gt=models.F("min_value")),
                name="parameter_range_ordered",
            ),
        ]

    @property
    def help(self) -> str:
        return translated(self, "help")

    @property
    def source(self) -> str:
        return translated(self, "source")

    @property
    def is_numeric(self) -> bool:
        return self.kind in self.NUMERIC_KINDS

    def typed_value(self, stored):
        """The value of an answer (or of a historical record of one) in this parameter's type."""
        if self.kind == self.Kind.YES_NO:
            return stored.value_bool
        if self.kind == self.Kind.CHOICE:
            return stored.value_choice or None
        return stored.value_number

    def format_value(self, value) -> str:
        """A value as people read it: ja/nein, the option's label, or the number with its unit."""
        if value is None:
            return "—"
        if self.kind == self.Kind.YES_NO:
            return gettext("ja") if value else gettext("nein")
        if self.kind == self.Kind.CHOICE:
            return self.option_label(value)
        return f"{number_format(value.normalize() if isinstance(value, Decimal) else value)} {self.unit}".strip()

    def option_points(self) -> dict[str, float]:
        return {option["key"]: float(option["points"]) for option in self.options}

    def option_label(self, key: str) -> str:
        for option in self.options:
            if option["key"] == key:
                return translated(_OptionView(option), "label")
        return key

    def clean(self):
        errors = {}
        if self.kind == self.Kind.CHOICE:
            options = self.options if isinstance(self.options, list) else []
            keys = [option.get("key") if isinstance(option, dict) else None for option in options]
            if len(keys) < 2 or len(set(keys)) != len(keys) or not all(keys):
                errors["options"] = _("Eine Auswahl braucht mindestens zwei Optionen mit eindeutigem Schlüssel.")
            elif not all(_is_points(option.get("points")) for option in options):
                errors["options"] = _("Die Punkte jeder Option müssen zwischen 0 und 1 liegen.")
        elif self.options:
            errors["options"] = _("Nur Auswahl-Parameter haben Optionen.")
        if self.is_numeric and not self.unit:
            errors["unit"] = _("Zahlenwerte brauchen eine Einheit.")
        if self.per_capita and not self.is_numeric:
            errors["per_capita"] = _("Nur Zahlenwerte können je Einwohner gerechnet werden.")
        if self.min_value is not None and self.max_value is not None and self.max_value <= self.min_value:
            errors["max_value"] = _("Der größte Wert muss über dem kleinsten liegen.")
        if (self.goal_worst is None) != (self.goal_best is None):
            errors["goal_best"] = _("Zielwerte werden paarweise angegeben (schlechtester und bester).")
        elif self.goal_worst is not None and self.goal_worst == self.goal_best:
            errors["goal_best"] = _("Schlechtester und bester Zielwert müssen sich unterscheiden.")
        if errors:
            raise ValidationError(errors)


def _is_points(value) -> bool:
    """A number within 0..1 (choice option points); False for anything else, never an exception."""
    try:
        return not isinstance(value, bool) and 0 <= float(value) <= 1
    except (TypeError, ValueError):
        return False


class _OptionView:
    """Attribute access to a choice option dict, so `translated()` can read it."""

    def __init__(self, option: dict):
        self.label_de = option.get("label_de", option["key"])
        self.label_en = option.get("label_en", "")


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

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="answers")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="answers")
    parameter = models.ForeignKey(Parameter, on_delete=models.CASCADE, related_name="answers")
    value_bool = models.BooleanField(_("Ja/Nein"), null=True, blank=True)
    value_choice = models.CharField(_("Auswahl"), max_length=60, blank=True)
    value_number = models.DecimalField(_("Zahl"), max_digits=20, decimal_places=6, null=True, blank=True)
    evidence_url = models.URLField(_("Quelle (URL)"), max_length=500, blank=True)
    note = models.TextField(_("Anmerkung"), blank=True)
    as_of = models.DateField(_("Stand"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_reason = models.TextField(_("Begründung der Prüfung"), blank=True)
    # Optimistic concurrency: every write increments it; a write carrying an older version is a conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Antwort")
        verbose_name_plural = _("Antworten")
        constraints = [models.UniqueConstraint(fields=["city", "parameter"], name="answer_city_parameter_unique")]
        indexes = [models.Index(fields=["edition", "status"], name="answer_edition_status")]

    def __str__(self) -> str:
        return f"{self.city} · {self.parameter}"

    def lacks_evidence(self, *, has_files: bool | Callable[[], bool]) -> bool:
        """Evidence missing: the parameter requires evidence and the answer has neither a source URL nor a
        file. `has_files` is what the caller knows of its files, or a callable asked only when the URL does
        not decide (so a query runs only when needed). The parameter must be loaded."""
        if not self.parameter.evidence_required or self.evidence_url:
            return False
        return not (has_files() if callable(has_files) else has_files)

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

    def clean(self):
        """The value must fit the parameter's type and allowed range; other value fields stay empty."""
        parameter = self.parameter
        if parameter.indicator.domain.edition_id != self.edition_id:
            raise ValidationError({"parameter": _("Der Parameter gehört zu einer anderen Ausgabe.")})
        kind = parameter.kind
        errors = {}
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

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("Kommentar"), max_length=4000)
    created_at = models.DateTimeField(_("geschrieben am"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("Kommentar")
        verbose_name_plural = _("Kommentare")

    def __str__(self) -> str:
        return f"{self.author} · {self.created_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """One e-mail-worthy event for one recipient (a transactional outbox).

    Written in the same transaction as the decision that causes it, so a decision and its
    notification are saved together or not at all; a task sends the pending ones afterwards,
    grouped into one mail per recipient and kind, and a failing mail server only postpones them.
    """

    class Kind(models.TextChoices):
        SENT_BACK = "sent_back", _("zur Überarbeitung zurückgegeben")
        FULLY_APPROVED = "fully_approved", _("Fragebogen vollständig freigegeben")
        RESUBMITTED = "resubmitted", _("überarbeitet erneut eingereicht")

    kind = models.CharField(_("Anlass"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    reason = models.TextField(_("Begründung"), blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), default=timezone.now)
    last_error = models.TextField(_("letzter Fehler"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="notification_pending")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"


def private_evidence_storage():
    """The private storage alias "evidence" (settings.STORAGES): local disk by default, S3-compatible by setting."""
    return storages["evidence"]


def evidence_upload_to(instance: "EvidenceFile", filename: str) -> str:
    # Never public: served through a permission-checking view, keyed by edition and city.
    answer = instance.answer
    return f"evidence/{answer.edition_id}/{answer.city_id}/{answer.parameter_id}/{filename}"


class EvidenceFile(models.Model):
    """An uploaded document backing an answer."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence_files")
    file = models.FileField(_("Datei"), upload_to=evidence_upload_to, storage=private_evidence_storage, max_length=300)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Nachweisdatei")
        verbose_name_plural = _("Nachweisdateien")

    def __str__(self) -> str:
        return self.original_name


class InnovationProject(models.Model):
    """A city's project outside the indicators; reviewers award 0..5 bonus points in its domain."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="innovation_projects")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="innovation_projects")
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="innovation_projects")
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"))
    evidence_url = models.URLField(_("Quelle (URL)"), max_length=500, blank=True)
    bonus_points = models.DecimalField(
        _("Bonuspunkte"),
        max_digits=4,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    bonus_justification = models.TextField(_("Begründung des Bonus"), blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    awarded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Innovatives Projekt")
        verbose_name_plural = _("Innovative Projekte")
        constraints = [
            models.UniqueConstraint(fields=["edition", "city", "domain"], name="innovation_project_unique"),
            models.CheckConstraint(
                condition=Q(bonus_points__gte=0) & Q(bonus_points__lte=5), name="innovation_bonus_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.domain_id and self.edition_id and self.domain.edition_id != self.edition_id:
            raise ValidationError({"domain": _("Der Themenbereich gehört zu einer anderen Ausgabe.")})


class StaffInvitation(models.Model):
    """A coordinator's e-mail invitation to join a city's team, accepted once through a secret link.

    Only the SHA-256 of the link's token is stored, so a database dump cannot be used to join a team.
    """

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="staff_invitations")
    email = models.EmailField(_("E-Mail-Adresse"))
    role = models.CharField(
        _("Rolle"), max_length=20, choices=CityMembership.Role.choices, default=CityMembership.Role.STAFF
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("eingeladen am"), default=timezone.now)
    expires_at = models.DateTimeField(_("gültig bis"))
    accepted_at = models.DateTimeField(_("angenommen am"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Einladung ins Team")
        verbose_name_plural = _("Einladungen ins Team")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "email"], condition=Q(accepted_at__isnull=True), name="staff_invitation_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.city}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
