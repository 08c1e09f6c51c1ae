"""App config of the public website and the public read API (published data only; its one model is the
accessibility feedback, public/models.py)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = _("Öffentliche Seiten")
