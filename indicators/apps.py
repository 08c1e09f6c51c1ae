"""App config of the catalogue, cities, answers and review."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Katalog und Antworten")

    def ready(self):
        from indicators import roles  # noqa: F401  (registers the object permissions)
