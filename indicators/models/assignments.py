"""Who reviews what: editors assign a reviewer to a city of an edition, or to one domain of it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.models.catalogue import Domain, Edition
from indicators.models.cities import City


class ReviewAssignment(models.Model):
    """A reviewer's share of the queue: a city's answers in an edition (all domains, or one). Never
    overrides the conflict-of-interest rule: a reviewer who works for the city cannot be assigned it."""

    edition = models.ForeignKey(Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="+")
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.CASCADE, related_name="+")
    domain = models.ForeignKey(
        Domain,
        verbose_name=_("Themenbereich"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leer: alle Themenbereiche der Stadt."),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Prüferin oder Prüfer"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("Zuständigkeit")
        verbose_name_plural = _("Zuständigkeiten")
        ordering = ["edition", "city__name", "domain__position"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "city", "domain"], name="review_assignment_unique"),
            models.UniqueConstraint(
                fields=["edition", "city"],
                condition=models.Q(domain__isnull=True),
                name="review_assignment_city_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} · {self.domain or _('alle Themenbereiche')} → {self.reviewer}"
