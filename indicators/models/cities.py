"""The cities, which edition each takes part in, who works for which city, and invitations to do so."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models.catalogue import Edition


class City(models.Model):
    """A municipality that can take part in the index (Destatis data, reference date below)."""

    name = models.CharField(_("Name"), max_length=120)
    slug = models.SlugField(_("Kürzel"), max_length=120, unique=True)
    state = models.CharField(_("Bundesland"), max_length=60)
    state_code = models.CharField(_("Länderkürzel"), max_length=2)
    ags = models.CharField(_("Amtlicher Gemeindeschlüssel"), max_length=8, unique=True)
    population = models.PositiveIntegerField(_("Einwohner"), validators=[MinValueValidator(1)])
    population_date = models.DateField(_("Stichtag Einwohner"))
    area_km2 = models.DecimalField(_("Fläche (km²)"), max_digits=9, decimal_places=2, null=True, blank=True)
    lat = models.DecimalField(verbose_name=_("Breitengrad"), max_digits=7, decimal_places=4, null=True, blank=True)
    lon = models.DecimalField(verbose_name=_("Längengrad"), max_digits=7, decimal_places=4, null=True, blank=True)
    source = models.CharField(_("Quelle"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Stadt")
        verbose_name_plural = _("Städte")
        constraints = [
            models.CheckConstraint(condition=Q(ags__regex=r"^[0-9]{8}$"), name="city_ags_8_digits"),
        ]
        # The order of lists (and of the review queue sorted by city, which walks this index page by page).
        indexes = [models.Index(fields=["name", "id"], name="city_name")]

    def __str__(self) -> str:
        return self.name


class ResearchCity(City):
    """A city as the desk research sees it (issue 16, section 3): the admin's page "Recherche" lists these
    and opens one city's research page. A proxy, so researchers get a permission of their own for it."""

    class Meta:
        proxy = True
        verbose_name = _("Recherche")
        verbose_name_plural = _("Recherche")


class Participation(models.Model):
    """A city taking part in an edition; the coordinator's sign-off of its questionnaire."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("Ausgabe"), on_delete=models.CASCADE, related_name="participations"
    )
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.PROTECT, related_name="participations")
    signed_off_at = models.DateTimeField(_("abgezeichnet am"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("abgezeichnet von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Teilnahme")
        verbose_name_plural = _("Teilnahmen")
        constraints = [models.UniqueConstraint(fields=["edition", "city"], name="participation_unique")]

    def __str__(self) -> str:
        return f"{self.city} – {self.edition}"


class CityMembership(models.Model):
    """A user working for a city: staff edit answers, coordinators also sign off and manage staff."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Mitarbeitende")
        COORDINATOR = "coordinator", _("Koordination")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Person"), on_delete=models.CASCADE, related_name="city_memberships"
    )
    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.STAFF)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Stadtzugehörigkeit")
        verbose_name_plural = _("Stadtzugehörigkeiten")
        constraints = [models.UniqueConstraint(fields=["user", "city"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.city} ({self.get_role_display()})"


class StaffInvitation(models.Model):
    """A coordinator's e-mail invitation to join a city's team, accepted once through a secret link.

    Only the SHA-256 of the link's token is stored, so a database dump cannot be used to join a team.
    """

    city = models.ForeignKey(City, verbose_name=_("Stadt"), on_delete=models.CASCADE, related_name="staff_invitations")
    email = models.EmailField(_("E-Mail-Adresse"))
    role = models.CharField(
        _("Rolle"), max_length=20, choices=CityMembership.Role.choices, default=CityMembership.Role.STAFF
    )
    token_hash = models.CharField(verbose_name=_("Token (SHA-256)"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eingeladen von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("eingeladen am"), default=timezone.now)
    expires_at = models.DateTimeField(_("gültig bis"))
    accepted_at = models.DateTimeField(_("angenommen am"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angenommen von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Einladung ins Team")
        verbose_name_plural = _("Einladungen ins Team")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "email"], condition=Q(accepted_at__isnull=True), name="staff_invitation_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.city}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
