"""Personal API tokens: created and revoked by their owner, scoped read or write, stored only as a hash."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "sci"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token (`Authorization: Bearer sci_<key>_<secret>`); only its SHA-256 is kept, so the
    token is shown once, at creation, and a database dump cannot be used to call the API."""

    class Scope(models.TextChoices):
        READ = "read", _("nur lesen")
        WRITE = "write", _("lesen und schreiben")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Person"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("Bezeichnung"), max_length=100)
    scope = models.CharField(_("Berechtigung"), max_length=10, choices=Scope.choices, default=Scope.READ)
    key = models.CharField(
        verbose_name=_("Kennung"), max_length=12, unique=True
    )  # public part, shown in lists to tell tokens apart
    digest = models.CharField(verbose_name=_("Prüfsumme (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}_{self.key}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """(key, raw token, digest) for a new token."""
        key = secrets.token_hex(6)
        raw = f"{TOKEN_PREFIX}_{key}_{secrets.token_urlsafe(32)}"
        return key, raw, token_digest(raw)
