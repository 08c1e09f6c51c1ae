"""The project package as an app, so that its system checks (smartcity/checks.py) are registered."""

from django.apps import AppConfig


class SmartCityConfig(AppConfig):
    name = "smartcity"
    verbose_name = "Smart City Index"

    def ready(self) -> None:
        from smartcity import checks  # noqa: F401  (registers the checks)
