"""The authentication backend of the provider's callback: mozilla-django-oidc's code flow and token checks, with
the provider's endpoints from discovery, the ID token's audience and issuer checked too, and the mapping to a
user of this site from sso/services.py (never an account made from the token alone)."""

import logging

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sso import discovery
from sso.services import SignInRefused, oidc_sign_in

logger = logging.getLogger(__name__)

# Set on the request when the provider confirmed someone this site refuses: the callback shows the reason.
REFUSAL_ATTRIBUTE = "sso_refusal"


class OIDCBackend(OIDCAuthenticationBackend):
    """Answers only the provider's callback (a nonce and PKCE verifier come with it) and only with OIDC_ENABLED.

    The library's settings are read when used, not when the backend is made: Django makes one per login
    attempt, and a password login must not ask the provider for anything.
    """

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:  # noqa: N802  (the library's attribute names)
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:  # noqa: N802
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:  # noqa: N802
        return settings.OIDC_RP_SIGN_ALGO

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802
        return discovery.endpoint("token_endpoint")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:  # noqa: N802
        return discovery.endpoint("userinfo_endpoint")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:  # noqa: N802
        return discovery.endpoint("jwks_uri")

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED or request is None or "nonce" not in kwargs or "code_verifier" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        """The library checks the signature (with the provider's key from its JWKS), the algorithm and the
        expiry; this also requires the ID token to be issued by the configured provider for this client."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"The ID token's algorithm {header.get('alg')!r} is not the configured one.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token verification failed: {error}") from error

    def get_or_create_user(self, access_token, id_token, payload):
        """The user of this site the provider's person maps to, or None (the reason noted on the request)."""
        user_info = self.get_userinfo(access_token, id_token, payload)
        if str(user_info.get("sub")) != str(payload["sub"]):
            # OpenID Connect Core §5.3.2: userinfo of another subject must not be used.
            raise SuspiciousOperation("The userinfo's sub differs from the ID token's.")
        try:
            return oidc_sign_in(issuer=settings.OIDC_ISSUER, claims={**user_info, "sub": payload["sub"]})
        except SignInRefused as refusal:
            logger.info("single sign-on refused (%s) for sub %s", refusal.code, payload["sub"])
            setattr(self.request, REFUSAL_ATTRIBUTE, refusal)
            return None
