"""The site's own sign-in and password reset pages (Django's auth views, with the site's messages and links).

A wrong password says so; a reset link is built from settings.SITE_URL, never from the request's Host
header (which anyone can send), so a reset mail cannot point to someone else's server.
"""

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import urls as auth_urls
from django.contrib.auth import views as auth_views
from django.urls import path
from django.utils.translation import gettext_lazy as _


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "Benutzername oder Passwort ist falsch. Bitte prüfen Sie beides (Groß- und Kleinschreibung "
            "zählen) oder setzen Sie Ihr Passwort zurück."
        ),
    }


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a reset link to the address's active users; the link starts with SITE_URL."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL.rstrip("/")}


# Django's auth pages under /accounts/, with the site's login and password reset in place of Django's own
# (same paths and names: login, logout, password_change, password_reset, password_reset_confirm, ...).
OWN_VIEWS = {"login": LoginView, "password_reset": PasswordResetView}
urlpatterns = [
    path(str(pattern.pattern), OWN_VIEWS[pattern.name].as_view(), name=pattern.name)
    if pattern.name in OWN_VIEWS
    else pattern
    for pattern in auth_urls.urlpatterns
]
