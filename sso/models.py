"""The link from a user of this site to a person at an OpenID Connect provider (issuer + subject), and the
editors' rules that map a provider's claim to a city and role."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import CityMembership


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


class ClaimMapping(models.Model):
    """An editor's rule: a person whose token carries claim `claim` with value `value` (or a list containing
    it, e.g. a group) works for `city` in `role`. Without such a rule a token never grants a city or a role.

    Applied at every single sign-on of a person the site lets in, and to someone without an account whose
    verified address no invitation names (then the rule makes the account). It only adds: a membership the
    person has keeps its role, and one the rule no longer names stays until the city's coordination removes it.
    """

    claim = models.CharField(
        _("Claim"), max_length=100, help_text=_("Name der Angabe im Token des Anbieters, z. B. „groups“.")
    )
    value = models.CharField(_("Wert"), max_length=255, help_text=_("Genauer Wert (oder ein Element der Liste)."))
    city = models.ForeignKey(
        "indicators.City", verbose_name=_("Stadt"), on_delete=models.CASCADE, related_name="sso_claim_mappings"
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=CityMembership.Role.choices)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Zuordnung über eine Angabe des Anbieters")
        verbose_name_plural = _("Zuordnungen über Angaben des Anbieters")
        ordering = ["claim", "value", "city__name"]
        constraints = [models.UniqueConstraint(fields=["claim", "value", "city"], name="claim_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.claim} = {self.value} → {self.city} ({self.get_role_display()})"
