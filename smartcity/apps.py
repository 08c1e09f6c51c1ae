"""The project package as an app, so that the session policy is connected to every login."""

from django.apps import AppConfig


class SmartCityConfig(AppConfig):
    name = "smartcity"
    verbose_name = "Smart City Index"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from smartcity import session_policy

        # Every way in (the site's login, the admin's, a test's force_login) starts the session's clocks.
        user_logged_in.connect(session_policy.session_started, dispatch_uid="smartcity.session_started")
