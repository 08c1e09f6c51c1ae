"""The site's own sign-in and password reset pages (Django's auth views, with the site's messages and links),
and the second factor of reviewers and editors: the code page and the set-up of an authenticator app.

A wrong password says so; a reset link is built from settings.SITE_URL, never from the request's Host
header (which anyone can send), so a reset mail cannot point to someone else's server.

The second factor (smartcity/session_policy.py sends a sign-in that needs one here, from the site's login
and the admin's alike): a six-digit TOTP code of the user's confirmed device, checked by django-otp (which
also slows down guessing: each wrong code doubles the wait before the next try). A new app is set up from
a secret kept in the session until its first code is right, so a half set-up app leaves no device behind.
"""

import re
import time
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import urls as auth_urls
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from smartcity import session_policy


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

    def get_context_data(self, **kwargs):
        # The single sign-on's button (sso/), when it is on: with the label the operator chose.
        return super().get_context_data(
            **kwargs,
            sso_enabled=settings.OIDC_ENABLED,
            sso_label=settings.OIDC_BUTTON_LABEL or _("Mit dem Konto Ihrer Verwaltung anmelden"),
        )


class LogoutView(auth_views.LogoutView):
    """Ends this site's session; after a single sign-on it then sends the browser on to the provider's logout
    (the address the callable settings.LOGOUT_NEXT_URL_CALLABLE names, asked before the session is gone) from a
    page that says so: a redirect there would break the site's form-action 'self' (the logout is a form)."""

    def post(self, request, *args, **kwargs):
        next_url_of = settings.LOGOUT_NEXT_URL_CALLABLE
        next_url = import_string(next_url_of)(request) if next_url_of else ""
        response = super().post(request, *args, **kwargs)
        if not next_url:
            return response
        return render(request, "registration/logged_out_provider.html", {"provider_logout_url": next_url})


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a reset link to the address's active users; the link starts with SITE_URL."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL.rstrip("/")}


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Sechsstelliger Code aus der App"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(_("Bitte geben Sie die sechs Ziffern ein, die Ihre App gerade anzeigt."))
        return code


WRONG_CODE = _("Der Code stimmt nicht oder ist abgelaufen. Bitte geben Sie den Code ein, den Ihre App jetzt anzeigt.")
TOO_MANY = _("Zu viele falsche Codes. Bitte warten Sie einen Moment und versuchen Sie es dann erneut.")
SETUP_KEY_SESSION = "sci_totp_setup_key"


def _next_url(request) -> str:
    """Where to go once the code is given: `next` if it stays on this site, else the login's default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _reviewer_or_editor(request) -> None:
    """The second factor is for the review role (reviewers and editors); the cities' staff have none."""
    if session_policy.request_role(request) != session_policy.REVIEW_ROLE:
        raise PermissionDenied


def _code_check(user, code: str) -> tuple[TOTPDevice | None, str]:
    """The user's confirmed device that accepts `code`, or None and the message why not."""
    devices = list(devices_for_user(user, confirmed=True))
    if not any(device.verify_is_allowed()[0] for device in devices):
        return None, TOO_MANY
    for device in devices:
        verified = otp_verify_token(user, device.persistent_id, code)  # locks the device: one use per code
        if verified is not None:
            return verified, ""
    return None, WRONG_CODE


@login_required
def two_factor(request):
    """The code page: a sign-in of a reviewer or editor with an authenticator app is confirmed here."""
    _reviewer_or_editor(request)
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    if not user_has_device(request.user, confirmed=True):
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, error = _code_check(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("code", error)
    return render(request, "registration/two_factor.html", {"form": form, "next": next_url})


def totp_device_add(*, user, key: str, code: str) -> TOTPDevice | None:
    """The user's new confirmed authenticator app, when `code` is a current code of `key`; else None."""
    device = TOTPDevice(user=user, key=key, name=str(_("Authenticator-App")), confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(code), device.tolerance):
        return None
    device.last_t = totp.t()  # this code is used up
    with transaction.atomic():
        device.full_clean()
        device.save()
    return device


def _qr_svg(uri: str) -> str:
    """The otpauth:// address as an SVG QR code (no Pillow needed), to put into the page."""
    return qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")


@login_required
def two_factor_setup(request):
    """Set up an authenticator app: a QR code of the otpauth:// address and the secret to type in, then
    the app's first code confirms it (and this sign-in)."""
    _reviewer_or_editor(request)
    next_url = _next_url(request)
    if user_has_device(request.user, confirmed=True):
        if request.user.is_verified():
            messages.info(request, _("Ihre Anmeldung ist bereits mit einer Authenticator-App geschützt."))
            return redirect(next_url)
        return redirect(f"{reverse('two_factor')}?{urlencode({'next': next_url})}")
    key = request.session.get(SETUP_KEY_SESSION) or default_key()
    request.session[SETUP_KEY_SESSION] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = totp_device_add(user=request.user, key=key, code=form.cleaned_data["code"])
        if device is not None:
            del request.session[SETUP_KEY_SESSION]
            otp_login(request, device)
            request.session[session_policy.HAS_DEVICE_KEY] = True
            messages.success(
                request, _("Die Authenticator-App ist eingerichtet. Künftig fragt die Anmeldung nach ihrem Code.")
            )
            return redirect(next_url)
        form.add_error("code", WRONG_CODE)
    uri = TOTPDevice(user=request.user, key=key).config_url
    secret = b32encode(bytes.fromhex(key)).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": mark_safe(_qr_svg(uri)),  # noqa: S308  (made here from digits and letters, no user input)
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "registration/two_factor_setup.html", context)


# Django's auth pages under /accounts/, with the site's login and password reset in place of Django's own
# (same paths and names: login, logout, password_change, password_reset, password_reset_confirm, ...).
OWN_VIEWS = {"login": LoginView, "logout": LogoutView, "password_reset": PasswordResetView}
urlpatterns = [
    path(str(pattern.pattern), OWN_VIEWS[pattern.name].as_view(), name=pattern.name)
    if pattern.name in OWN_VIEWS
    else pattern
    for pattern in auth_urls.urlpatterns
] + [
    path("two-factor/", two_factor, name="two_factor"),
    path("two-factor/setup/", two_factor_setup, name="two_factor_setup"),
]
