"""Who a single sign-on is: the provider's subject and verified e-mail mapped to an existing user or invitation.

1. A stored link (issuer + `sub`, OIDCIdentity) names the user; an inactive user is refused.
2. Else the e-mail address, only when the provider says it is verified (`email_verified` true), is looked up:
   one active account with that address is linked (unless it is linked to another subject of this provider);
   without an account, the open invitations to that address are accepted (indicators' invitation flow), which
   makes the account.
3. Anyone else is refused: no account is made, no city and no role is taken from the token.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.services.coordination import staff_invitations_accept_verified
from sso.models import OIDCIdentity


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


@transaction.atomic
def oidc_sign_in(*, issuer: str, claims: dict):
    """The user a provider's verified claims (`sub` from the ID token, the rest from userinfo) belong to;
    SignInRefused when nobody (the module's docstring says who). Writes only the link and an invitation's
    acceptance."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(UNKNOWN, code="no_subject")
    identity = (
        OIDCIdentity.objects.select_for_update().select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity is not None:
        if not identity.user.is_active:
            raise SignInRefused(INACTIVE, code="inactive")
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        return identity.user
    email = str(claims.get("email") or "").strip()
    if not email or not _email_verified(claims):
        raise SignInRefused(UNVERIFIED, code="email_unverified")
    users = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if len(users) > 1:
        raise SignInRefused(AMBIGUOUS, code="ambiguous")
    if users:
        user = users[0]
        if not user.is_active:
            raise SignInRefused(INACTIVE, code="inactive")
    else:
        try:
            user = staff_invitations_accept_verified(
                email=email, first_name=claims.get("given_name") or "", last_name=claims.get("family_name") or ""
            )
        except ValidationError as error:
            raise SignInRefused(UNKNOWN, code="invitation_refused") from error
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
