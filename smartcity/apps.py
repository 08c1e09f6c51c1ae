"""The project package as an app: its system checks (smartcity/checks.py) and the session policy's login hook."""

from django.apps import AppConfig


class SmartCityConfig(AppConfig):
    name = "smartcity"
    verbose_name = "Smart City Index"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from smartcity import checks, session_policy  # noqa: F401  (importing checks registers them)

        # Every way in (the site's login, the admin's, a test's force_login) starts the session's clocks.
        user_logged_in.connect(session_policy.session_started, dispatch_uid="smartcity.session_started")
