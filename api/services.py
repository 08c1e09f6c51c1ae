"""Creating and revoking personal API tokens (the owner acts; only the token's digest is stored)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken


@transaction.atomic
def api_token_create(*, user, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns (token, raw token). The raw token exists only in the return
    value: the caller shows it once, and the database keeps its SHA-256 digest."""
    key, raw, digest = ApiToken.generate()
    token = ApiToken(user=user, name=(name or "").strip(), scope=scope, key=key, digest=digest)
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, user, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens; from then on it authenticates nothing (401).

    Revoking twice keeps the first revocation time (a conditional update, no check-then-act).
    """
    if token.user_id != user.pk:
        raise PermissionDenied(_("Sie können nur Ihre eigenen Tokens widerrufen."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token
