"""Who a single sign-on is: the provider's subject and verified e-mail mapped to an existing user or invitation.

1. A stored link (issuer + `sub`, OIDCIdentity) names the user; an inactive user is refused.
2. Else the e-mail address, only when the provider says it is verified (`email_verified` true), is looked up:
   one active account with that address is linked (unless it is linked to another subject of this provider);
   without an account, the open invitations to that address are accepted (indicators' invitation flow), which
   makes the account.
3. Anyone else is refused: no account is made, no city and no role is taken from the token ...
4. ... unless an editor has configured a claim mapping (ClaimMapping: claim + value -> city + role) that the
   claims match: its cities are joined at every sign-on (only added, never removed), and for a person with a
   verified address but no account and no invitation it makes the account.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import CityMembership
from indicators.services.coordination import staff_join_verified
from sso.models import ClaimMapping, OIDCIdentity


class SignInRefused(Exception):
    """The provider confirmed someone this site does not let in; `message` says why (German, for the page)."""

    def __init__(self, message, *, code: str):
        super().__init__(str(message))
        self.message = message
        self.code = code


UNKNOWN = _(
    "Für Ihr Konto bei Ihrer Verwaltung gibt es hier keinen Zugang. Bitten Sie die Koordination Ihrer Stadt um "
    "eine Einladung an Ihre dienstliche E-Mail-Adresse oder die Redaktion des Index um ein Konto."
)
UNVERIFIED = _(
    "Ihr Identitätsanbieter hat Ihre E-Mail-Adresse nicht als bestätigt gemeldet. Ohne bestätigte Adresse kann "
    "Ihr Konto nicht zugeordnet werden; bitte wenden Sie sich an die IT Ihrer Verwaltung oder melden Sie sich "
    "mit Benutzername und Passwort an."
)
INACTIVE = _("Ihr Konto ist gesperrt. Bitte wenden Sie sich an die Redaktion des Index.")
AMBIGUOUS = _(
    "Mehrere Konten haben Ihre E-Mail-Adresse; die Anmeldung kann keinem davon zugeordnet werden. Bitte wenden "
    "Sie sich an die Redaktion des Index."
)
LINKED_ELSEWHERE = _(
    "Das Konto mit Ihrer E-Mail-Adresse ist bereits mit einer anderen Person bei Ihrem Identitätsanbieter "
    "verknüpft. Bitte wenden Sie sich an die Redaktion des Index."
)


def _email_verified(claims: dict) -> bool:
    # Some providers send the boolean as a string.
    return claims.get("email_verified") is True or str(claims.get("email_verified")).lower() == "true"


def claim_grants(claims: dict) -> dict[int, str]:
    """The cities and roles the editors' claim mappings give for these claims: {city id: role}. A claim's value
    matches when it equals the mapping's value or, for a list (groups), contains it; of two roles for one city,
    coordination wins. One query."""
    grants: dict[int, str] = {}
    for mapping in ClaimMapping.objects.filter(claim__in=[str(name) for name in claims]):
        value = claims[mapping.claim]
        values = value if isinstance(value, list | tuple) else [value]
        if mapping.value in {str(item) for item in values}:
            if grants.get(mapping.city_id) != CityMembership.Role.COORDINATOR:
                grants[mapping.city_id] = mapping.role
    return grants


@transaction.atomic
def oidc_sign_in(*, issuer: str, claims: dict):
    """The user a provider's verified claims (`sub` from the ID token, the rest from userinfo) belong to;
    SignInRefused when nobody (the module's docstring says who). Writes only the link, an invitation's
    acceptance and what a claim mapping grants."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(UNKNOWN, code="no_subject")
    grants = claim_grants(claims)
    identity = (
        OIDCIdentity.objects.select_for_update().select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity is not None:
        if not identity.user.is_active:
            raise SignInRefused(INACTIVE, code="inactive")
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        if grants:
            staff_join_verified(email="", user=identity.user, grants=grants.items())
        return identity.user
    email = str(claims.get("email") or "").strip()
    if not email or not _email_verified(claims):
        raise SignInRefused(UNVERIFIED, code="email_unverified")
    users = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if len(users) > 1:
        raise SignInRefused(AMBIGUOUS, code="ambiguous")
    user = users[0] if users else None
    if user is not None and not user.is_active:
        raise SignInRefused(INACTIVE, code="inactive")
    try:
        # An existing account accepts the open invitations to its verified address too, and joins what the
        # mappings grant; without an account, one is made only when there is something to join.
        user = staff_join_verified(
            email=email,
            user=user,
            grants=grants.items(),
            first_name=str(claims.get("given_name") or ""),
            last_name=str(claims.get("family_name") or ""),
        )
    except ValidationError as error:
        raise SignInRefused(UNKNOWN, code="join_refused") from error
    if user is None:
        raise SignInRefused(UNKNOWN, code="unknown")
    identity = OIDCIdentity(
        user=user, issuer=issuer, subject=subject, email=email, linked_at=timezone.now(), last_login_at=timezone.now()
    )
    try:
        identity.full_clean()
        with transaction.atomic():
            identity.save()
    except (ValidationError, IntegrityError) as error:
        # The account is linked to another subject of this provider already (or a parallel first sign-on won).
        raise SignInRefused(LINKED_ELSEWHERE, code="linked_elsewhere") from error
    return user
