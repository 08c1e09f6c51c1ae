"""Score runs and their per-city results (indicator, domain and total scores and ranks)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.models import City, Domain, Edition, Indicator


class ScoreRun(models.Model):
    """One complete computation of an edition's scores; written in one transaction, so it is whole or absent."""

    edition = models.ForeignKey(Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="score_runs")
    created_at = models.DateTimeField(_("berechnet am"), auto_now_add=True)
    input_hash = models.CharField(_("Hash der Eingaben"), max_length=64)
    code_version = models.CharField(_("Code-Version"), max_length=40)
    methodology = models.JSONField(_("Methodik"))
    city_count = models.PositiveIntegerField(_("Städte"))
    approved_answer_count = models.PositiveIntegerField(_("freigegebene Antworten"))
    duration_ms = models.PositiveIntegerField(_("Dauer (ms)"), default=0)
    is_published = models.BooleanField(_("veröffentlicht"), default=False)
    published_at = models.DateTimeField(_("veröffentlicht am"), null=True, blank=True)
    # Set when the run is published: answers still submitted but unreviewed then (not in the scores), and the
    # editor's reason for publishing anyway; the public pages say so.
    unreviewed_at_publish = models.PositiveIntegerField(_("ungeprüfte Antworten bei Veröffentlichung"), default=0)
    # Set with it: the cities' objections to values no reviewer had decided then (issue 16's check window).
    objections_open_at_publish = models.PositiveIntegerField(_("offene Einwände bei Veröffentlichung"), default=0)
    publish_reason = models.TextField(_("Grund der Veröffentlichung trotz ungeprüfter Antworten"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        verbose_name = _("Berechnung")
        verbose_name_plural = _("Berechnungen")
        constraints = [
            # Identical inputs never give a second run: a duplicate task delivery becomes a no-op.
            models.UniqueConstraint(fields=["edition", "input_hash"], name="score_run_inputs_unique"),
            models.UniqueConstraint(
                fields=["edition"], condition=Q(is_published=True), name="score_run_one_published_per_edition"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} · {self.created_at:%Y-%m-%d %H:%M} · {self.input_hash[:8]}"


def rank_trend(previous_rank: int | None, rank: int) -> int | None:
    """Places gained since the previous published edition (previous rank minus rank, so up is positive);
    None for a city new to the index (or to the domain)."""
    return None if previous_rank is None else previous_rank - rank


class CityScore(models.Model):
    """A city's total score, rank, completeness and trend in one run."""

    run = models.ForeignKey(
        ScoreRun, verbose_name=_("Berechnung"), on_delete=models.CASCADE, related_name="city_scores"
    )
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.PROTECT, related_name="+")
    total = models.FloatField(_("Gesamtwert"))
    rank = models.PositiveIntegerField(_("Rang"))
    completeness = models.FloatField(_("Vollständigkeit"))
    previous_rank = models.PositiveIntegerField(_("Vorjahresrang"), null=True, blank=True)

    class Meta:
        ordering = ["rank", "city__name"]
        constraints = [models.UniqueConstraint(fields=["run", "city"], name="city_score_unique")]

    def __str__(self) -> str:
        return f"{self.city_id}: {self.rank}. ({self.total:.1f})"

    @property
    def trend(self) -> int | None:
        return rank_trend(self.previous_rank, self.rank)


class DomainScore(models.Model):
    """A city's score and rank in one domain, including its capped innovation bonus."""

    run = models.ForeignKey(
        ScoreRun, verbose_name=_("Berechnung"), on_delete=models.CASCADE, related_name="domain_scores"
    )
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, verbose_name=_("Themenbereich"), on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("Wert"))
    rank = models.PositiveIntegerField(_("Rang"))
    bonus = models.FloatField(_("Innovationsbonus"), default=0)
    completeness = models.FloatField(_("Vollständigkeit"))
    previous_rank = models.PositiveIntegerField(_("Vorjahresrang"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "city", "domain"], name="domain_score_unique")]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.domain_id}: {self.rank}. ({self.score:.1f})"

    @property
    def trend(self) -> int | None:
        return rank_trend(self.previous_rank, self.rank)


class IndicatorScore(models.Model):
    """A city's raw value (0..1) and field-relative score (0..100) in one indicator."""

    run = models.ForeignKey(
        ScoreRun, verbose_name=_("Berechnung"), on_delete=models.CASCADE, related_name="indicator_scores"
    )
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, verbose_name=_("Indikator"), on_delete=models.PROTECT, related_name="+")
    raw = models.FloatField(_("Rohwert"), null=True)
    # None when the city has no data in the indicator and the edition excludes missing data.
    score = models.FloatField(_("Wert"), null=True)
    rank = models.PositiveIntegerField(_("Rang"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "city", "indicator"], name="indicator_score_unique")]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.indicator_id}: {self.rank}."


class UncertaintyAnalysis(models.Model):
    """A Monte Carlo robustness analysis of one score run: how the ranks move under declared alternatives
    (domain and indicator weights perturbed by ±weight_spread, the scaling method, the missing-data policy)."""

    run = models.OneToOneField(
        ScoreRun, verbose_name=_("Berechnung"), on_delete=models.CASCADE, related_name="uncertainty"
    )
    draws = models.PositiveIntegerField(_("Ziehungen"))
    seed = models.BigIntegerField(_("Startwert"))
    weight_spread = models.FloatField(_("Spanne der Gewichte"))
    # The alternatives drawn from, as data: {"normalisation": [...], "missing_policy": [...]}.
    alternatives = models.JSONField(_("Alternativen"))
    created_at = models.DateTimeField(verbose_name=_("berechnet am"), auto_now_add=True)
    duration_ms = models.PositiveIntegerField(verbose_name=_("Dauer (ms)"), default=0)

    class Meta:
        verbose_name = _("Robustheitsanalyse")
        verbose_name_plural = _("Robustheitsanalysen")

    def __str__(self) -> str:
        return f"{self.run} · {self.draws} draws"


class RankUncertainty(models.Model):
    """A city's plausible ranks in an analysis: median and the 5–95 % interval, overall and per domain,
    and the cities whose overall intervals overlap its own (not distinguishable from it)."""

    analysis = models.ForeignKey(
        UncertaintyAnalysis, verbose_name=_("Analyse"), on_delete=models.CASCADE, related_name="ranks"
    )
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.PROTECT, related_name="+")
    median_rank = models.FloatField(_("Median des Rangs"))
    rank_low = models.PositiveIntegerField(_("bester plausibler Rang"))  # 5th percentile
    rank_high = models.PositiveIntegerField(_("schlechtester plausibler Rang"))  # 95th percentile
    # {domain key: [median, low, high]}
    domain_ranks = models.JSONField(_("Ränge je Themenbereich"), default=dict)
    # Ids of the cities whose 5–95 % interval overlaps this city's, nearest official rank first.
    indistinguishable = models.JSONField(_("nicht unterscheidbar von"), default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["analysis", "city"], name="rank_uncertainty_unique")]

    def __str__(self) -> str:
        return f"{self.city_id}: {self.rank_low}–{self.rank_high}"
