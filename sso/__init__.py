"""Single sign-on for city staff through their administration's OpenID Connect provider (mozilla-django-oidc)."""
