"""The catalogue of an edition: the edition itself (phases, collection window, methodology), its domains,
indicators and parameters (kinds, ranges, goalposts, options), in German and English."""

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Subquery
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.workflow import WorkflowError, record_history
from smartcity.numbers import LanguageNumbers

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


def months_before(day: datetime.date, months: int) -> datetime.date:
    """`day` moved back by whole months; a day missing in the target month becomes its last day
    (31.03. minus one month is 28./29.02.)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def catalogue_order(path: str = "") -> tuple[str, ...]:
    """The catalogue order of parameters: by domain, indicator and parameter position, ids breaking ties.
    For parameters (`path` "") or rows that point to one (`catalogue_order("parameter__")`)."""
    fields = ("indicator__domain__position", "indicator__domain_id", "indicator__position", "indicator_id")
    return tuple(path + name for name in (*fields, "position", "id"))


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
    # The date the edition's values should describe (issue 16, §4): a value whose Stand is older than this by
    # more than settings.STALE_STAND_MONTHS is flagged to the reviewer and marked on the public drill-down.
    reference_date = models.DateField(
        _("Stichtag"),
        null=True,
        blank=True,
        help_text=_(
            "Der Tag, den die Werte der Ausgabe beschreiben sollen. Ein Wert, dessen Stand mehr als die "
            "eingestellte Zahl an Monaten davor liegt, gilt als veraltet. Leer: kein Wert gilt als veraltet."
        ),
    )
    # The cities' check window (issue 16): from this day to the closing day (both included) each city confirms
    # or objects to every official or researched value about it, while the edition collects or is in review.
    check_opens = models.DateField(_("Prüffenster der Städte beginnt"), null=True, blank=True)
    check_closes = models.DateField(_("Prüffenster der Städte endet"), null=True, blank=True)
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
        if self.check_closes and not self.check_opens:
            raise ValidationError({"check_opens": _("Ein Prüffenster der Städte braucht einen Beginn.")})
        if self.check_opens and self.check_closes and self.check_closes < self.check_opens:
            raise ValidationError({"check_closes": _("Das Ende des Prüffensters liegt vor seinem Beginn.")})

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
        return self.earlier_editions().first()

    def earlier_editions(self):
        """The earlier editions that got past their draft, latest first (`previous` is the first; a subquery of
        its id finds last year's value and its edition in one query)."""
        return Edition.objects.filter(year__lt=self.year).exclude(phase=self.Phase.DRAFT).order_by("-year")

    def previous_parameters(self, key: str):
        """The parameter with `key` in the previous edition (`previous`), as a queryset to filter answers by
        (`parameter__in=`): last year's answer of a city is then found by the (city, parameter) index, in the
        same query as this year's (selectors.questionnaire_row, services.previous_answer)."""
        return Parameter.objects.filter(
            key=key, indicator__domain__edition=Subquery(self.earlier_editions().values("pk")[:1])
        ).values("pk")

    @property
    def stale_after_months(self) -> int:
        """The configured age (settings.STALE_STAND_MONTHS) beyond which a value's Stand is stale."""
        return settings.STALE_STAND_MONTHS

    def stale_before(self) -> datetime.date | None:
        """The oldest Stand that is not stale: the reference date minus settings.STALE_STAND_MONTHS months
        (the same day of the month, or its last day when the month is shorter); None without a reference date."""
        if self.reference_date is None:
            return None
        return months_before(self.reference_date, self.stale_after_months)

    def is_stale_stand(self, stand: datetime.date | None) -> bool:
        """The one staleness rule (issue 16, §4): a Stand more than the configured months older than the
        edition's reference date. Exactly that age is not stale, one day more is; a value without a Stand,
        or an edition without a reference date, is never stale."""
        oldest = self.stale_before()
        return stand is not None and oldest is not None and stand < oldest

    @property
    def is_check_open(self) -> bool:
        """The cities' check window is open today: the edition collects or is in review (not published), its
        opening day is set and reached, and its closing day (if set) not passed."""
        today = timezone.localdate()
        return (
            self.is_open_for_work
            and self.check_opens is not None
            and self.check_opens <= today
            and (self.check_closes is None or today <= self.check_closes)
        )

    @property
    def check_days_left(self) -> int | None:
        """Days until the check window closes (0 on the last day); None without a closing day."""
        if self.check_closes is None:
            return None
        return (self.check_closes - timezone.localdate()).days

    @property
    def days_left(self) -> int | None:
        """Days until the collection closes (0 on the last day, negative after); None without a date."""
        if self.collection_closes is None:
            return None
        return (self.collection_closes - timezone.localdate()).days


class Domain(Translated):
    """One of the five areas (Themenbereiche) of an edition."""

    edition = models.ForeignKey(Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="domains")
    key = models.SlugField(_("Schlüssel"), max_length=60)
    weight = models.DecimalField(_("Gewicht"), **WEIGHT_FIELD)
    position = models.PositiveSmallIntegerField(verbose_name=_("Position"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["edition", "position", "id"]
        verbose_name = _("Themenbereich")
        verbose_name_plural = _("Themenbereiche")
        constraints = [models.UniqueConstraint(fields=["edition", "key"], name="domain_key_unique")]


class Indicator(Translated):
    """A scored unit (Kategorie) inside a domain: 0-100 per city."""

    domain = models.ForeignKey(
        Domain, verbose_name=_("Themenbereich"), on_delete=models.CASCADE, related_name="indicators"
    )
    key = models.SlugField(_("Schlüssel"), max_length=60)
    description_de = models.TextField(_("Beschreibung (Deutsch)"), blank=True)
    description_en = models.TextField(_("Beschreibung (Englisch)"), blank=True)
    weight = models.DecimalField(_("Gewicht"), **WEIGHT_FIELD)
    position = models.PositiveSmallIntegerField(verbose_name=_("Position"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["domain__position", "position", "id"]
        verbose_name = _("Indikator")
        verbose_name_plural = _("Indikatoren")
        constraints = [models.UniqueConstraint(fields=["domain", "key"], name="indicator_key_unique")]

    @property
    def description(self) -> str:
        return translated(self, "description")


def official_profile_choices() -> list[tuple[str, str]]:
    """The importer profiles a parameter may name (the registry of indicators.official), by key."""
    from indicators.official import PROFILES  # the profiles read values, which read models

    return [(key, str(profile.name)) for key, profile in sorted(PROFILES.items())]


class Parameter(Translated):
    """One question asked of every city; typed, scaled and weighted inside its indicator."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Ja/Nein")
        CHOICE = "choice", _("Auswahl")
        NUMBER = "number", _("Zahl")
        PERCENTAGE = "percentage", _("Prozentsatz")
        COUNT = "count", _("Anzahl")

    class CollectionMode(models.TextChoices):
        """Where the parameter's values come from (issue 16): the city's questionnaire, an official file
        imported by the editors, or the index team's desk research. Also an answer's `source_kind`."""

        CITY = "city", _("Angabe der Stadt")
        OFFICIAL = "official", _("Amtliche Quelle")
        RESEARCH = "research", _("Recherche")

    NUMERIC_KINDS = (Kind.NUMBER, Kind.PERCENTAGE, Kind.COUNT)

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("Indikator"), on_delete=models.CASCADE, related_name="parameters"
    )
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
    collection_mode = models.CharField(
        _("Erhebungsart"), max_length=20, choices=CollectionMode.choices, default=CollectionMode.CITY
    )
    # Which importer profile feeds an official parameter, and its default options as text (issue 16), e.g.
    # "bnetza-ladesaeulen" with {"count": "charging_points"}: the import page and import_official_data start
    # from them and say when an editor picks another profile.
    official_profile = models.CharField(_("Importprofil"), max_length=80, blank=True, choices=official_profile_choices)
    official_options = models.JSONField(
        _("Optionen des Importprofils"),
        default=dict,
        blank=True,
        help_text=_('Als JSON, z. B. {"count": "charging_points", "fast_only": "nein"}.'),
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("Position"), default=0)
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

    @property
    def is_answered_by_city(self) -> bool:
        """The city enters this parameter's value (not an official source, not desk research)."""
        return self.collection_mode == self.CollectionMode.CITY

    def typed_value(self, stored):
        """The value of an answer (or of a historical record of one) in this parameter's type."""
        if self.kind == self.Kind.YES_NO:
            return stored.value_bool
        if self.kind == self.Kind.CHOICE:
            return stored.value_choice or None
        return stored.value_number

    def format_value(self, value, numbers: LanguageNumbers | None = None) -> str:
        """A value as people read it: ja/nein, the option's label, or the number with its unit (`numbers`: the
        page's number format, else the active language's looked up for this value)."""
        if value is None:
            return "—"
        if self.kind == self.Kind.YES_NO:
            return gettext("ja") if value else gettext("nein")
        if self.kind == self.Kind.CHOICE:
            return self.option_label(value)
        number = value.normalize() if isinstance(value, Decimal) else value
        shown = numbers(number, force_grouping=True) if numbers else number_format(number, force_grouping=True)
        return f"{shown} {self.unit}".strip()  # "1.497,8 kWp"

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
        errors.update(self._official_profile_errors())
        if errors:
            raise ValidationError(errors)

    def official_profile_options(self) -> dict:
        """The catalogue's options of its importer profile in their types ({} without a profile); ValidationError
        (German) for options the profile does not take."""
        from indicators.official import options_from_text, profile_for  # the profiles read values, which read models

        if not self.official_profile:
            return {}
        options = options_from_text(self.official_profile, {k: str(v) for k, v in self.official_options.items()})
        profile_for(self.official_profile).clean_options(options)
        return options

    def _official_profile_errors(self) -> dict:
        if not self.official_profile:
            return (
                {"official_options": _("Optionen gibt es nur mit einem Importprofil.")} if self.official_options else {}
            )
        if self.collection_mode != self.CollectionMode.OFFICIAL:
            return {"official_profile": _("Ein Importprofil gibt es nur für Parameter aus einer amtlichen Quelle.")}
        if not isinstance(self.official_options, dict):
            return {"official_options": _("Die Optionen sind ein JSON-Objekt aus Name und Wert.")}
        try:
            self.official_profile_options()
        except ValidationError as error:
            return {"official_options": error.messages}
        return {}


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
