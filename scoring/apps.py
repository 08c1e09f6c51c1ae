"""App config of score runs and results: computing, publishing, the uncertainty analysis, archives."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Bewertung")
