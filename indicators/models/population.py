"""Population figures an edition defines per city and reference date (issue 16): what a per-capita value
is divided by when its Stand is known (the rule is `indicators.population.population_as_of`)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models.catalogue import Edition
from indicators.models.cities import City


class PopulationFigure(models.Model):
    """A city's population on a reference date, as an edition uses it (e.g. Destatis 31.12.2018 for a
    register with Stand 2019-07). One figure per edition, city and date."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="population_figures"
    )
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.PROTECT, related_name="population_figures")
    reference_date = models.DateField(_("Stichtag"))
    population = models.PositiveIntegerField(_("Einwohner"), validators=[MinValueValidator(1)])
    source = models.CharField(_("Quelle"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Einwohnerzahl")
        verbose_name_plural = _("Einwohnerzahlen")
        ordering = ["edition", "city__name", "reference_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "city", "reference_date"], name="population_figure_edition_city_date_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.city} · {self.reference_date:%d.%m.%Y} · {self.population}"
