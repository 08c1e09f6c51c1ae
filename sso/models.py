"""The link from a user of this site to a person at an OpenID Connect provider (issuer + subject)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OIDCIdentity(models.Model):
    """A user's account at an identity provider: the provider's issuer and its stable subject (`sub`).

    Made at the person's first single sign-on (sso/services.py: by a verified e-mail address that belongs to
    an existing account or an open invitation); every later sign-on finds the user by this link alone, so a
    changed e-mail address at the provider neither breaks it nor moves it to another account.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Person"), on_delete=models.CASCADE, related_name="oidc_identities"
    )
    issuer = models.URLField(_("Identitätsanbieter (Issuer)"), max_length=300)
    subject = models.CharField(_("Kennung beim Anbieter (sub)"), max_length=255)
    email = models.EmailField(_("E-Mail-Adresse bei der Verknüpfung"), blank=True)
    linked_at = models.DateTimeField(_("verknüpft am"), default=timezone.now)
    last_login_at = models.DateTimeField(_("letzte Anmeldung"), null=True, blank=True)

    class Meta:
        verbose_name = _("Verknüpfung mit dem Identitätsanbieter")
        verbose_name_plural = _("Verknüpfungen mit dem Identitätsanbieter")
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique_subject"),
            # One account at a provider per user: a second subject cannot take over a linked account.
            models.UniqueConstraint(fields=["user", "issuer"], name="oidc_identity_one_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.subject} @ {self.issuer}"
