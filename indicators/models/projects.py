"""Innovation projects a city submits per domain, and the bonus reviewers award them."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models.catalogue import Domain, Edition
from indicators.models.cities import City


class InnovationProject(models.Model):
    """A city's project outside the indicators; reviewers award 0..5 bonus points in its domain."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="innovation_projects"
    )
    city = models.ForeignKey(
        City, verbose_name=_("Stadt"), on_delete=models.PROTECT, related_name="innovation_projects"
    )
    domain = models.ForeignKey(
        Domain, verbose_name=_("Themenbereich"), on_delete=models.CASCADE, related_name="innovation_projects"
    )
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
        settings.AUTH_USER_MODEL,
        verbose_name=_("vergeben von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    awarded_at = models.DateTimeField(verbose_name=_("vergeben am"), null=True, blank=True)
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
