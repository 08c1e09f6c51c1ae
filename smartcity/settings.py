"""Django settings: everything comes from the environment, with embedded defaults for development."""

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from smartcity.client_address import trusted_networks

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # optional; absent by default

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    # Production must say who it is; refusing to start beats running with a guessable key.
    if not env("SECRET_KEY", default=""):
        raise ImproperlyConfigured("DEBUG is off: set the SECRET_KEY environment variable.")
    if not env.list("ALLOWED_HOSTS", default=[]):
        raise ImproperlyConfigured("DEBUG is off: set ALLOWED_HOSTS (comma-separated host names) in the environment.")
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    # The project package as an app: its system checks (smartcity/checks.py), the session policy's login hook.
    "smartcity.apps.SmartCityConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "rules",
    "django_htmx",
    "corsheaders",
    "axes",
    # Second factor for reviewers and editors: TOTP codes of an authenticator app (smartcity/session_policy.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "indicators",
    "scoring",
    "public",
    "api",
    "webhooks",
    # Single sign-on through the administrations' OpenID Connect providers (off unless OIDC_ENABLED).
    "sso",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (CONTENT_SECURITY_POLICY,
    # PERMISSIONS_POLICY below); outermost but for SecurityMiddleware, so error pages get them too.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # gzip for clients that accept it (a page of 162 parameters: ~600 KB of HTML). Inside WhiteNoise, which serves
    # its own precompressed static files; outside ConditionalGet, so the ETag is of the uncompressed body (made
    # weak here). Safe against BREACH: Django >= 4.2 pads every compressed body by a random length, and the CSRF
    # token in a page is masked anew per response (README, "Performance").
    "django.middleware.gzip.GZipMiddleware",
    # ETag on every GET response and 304 for a matching If-None-Match (API and pages).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Under /api/v1/: a query parameter given twice is a 400, a query string over API_MAX_QUERY_CHARS a 414.
    "api.middleware.ApiQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this sign-in was confirmed with a code (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout and absolute lifetime per role, then the second factor (smartcity/session_policy.py);
    # after the messages, which carry the "signed out" notice to the next page.
    "smartcity.session_policy.SessionLifetimeMiddleware",
    "smartcity.session_policy.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smartcity.urls"
WSGI_APPLICATION = "smartcity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The few templates rendered many times per page (smartcity/jinja2.py says which and why), loaded
        # with using="jinja2" from jinja2/ only; everything else is a Django template.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "smartcity.jinja2.environment"},
    },
]

# Database: SQLite by default, PostgreSQL (or anything) through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a lock instead of failing at once when the dev server and a command write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Login attempts are rate-limited (django-axes): it must come first to refuse a locked-out login.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OpenID Connect): answers only the provider's callback, and only with OIDC_ENABLED on.
    "sso.backends.OIDCBackend",
]
# Login rate limit (django-axes): after AXES_FAILURE_LIMIT failed logins for the same user name from
# the same address, logins are refused for AXES_COOLOFF_HOURS (web login, admin login alike).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The reverse proxies in front of the site (addresses or networks, comma-separated). Only behind one
# of them is X-Forwarded-For read, from the right, up to the first address that is not a trusted
# proxy (smartcity/client_address.py); without any (the default) the lockout keys on REMOTE_ADDR.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
trusted_networks(tuple(TRUSTED_PROXIES))  # a typo must stop the start, not silently trust nobody (or everybody)
AXES_CLIENT_IP_CALLABLE = "smartcity.client_address.client_ip"
# Only password logins count (and can be locked out): not the single sign-on's callback (sso/), whose passwords
# the identity provider checks and limits.
AXES_WHITELIST_CALLABLE = "smartcity.client_address.single_sign_on_attempt"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# How long a sign-in lasts (smartcity/session_policy.py), per role as indicators.roles.session_role names it:
# after `idle_minutes` without a request, or `max_hours` after the login, the next request signs the user
# out with a message. Reviewers and editors (the admin: approvals, publishing) get the short one; the
# cities' staff fill in long questionnaires, so two idle hours, and one working day at most.
SESSION_POLICY_ROLE = "indicators.roles.session_role"
SESSION_POLICIES = {
    "review": {
        "idle_minutes": env.int("SESSION_IDLE_MINUTES_REVIEW", default=30),
        "max_hours": env.int("SESSION_MAX_HOURS_REVIEW", default=12),
    },
    "city": {
        "idle_minutes": env.int("SESSION_IDLE_MINUTES_CITY", default=120),
        "max_hours": env.int("SESSION_MAX_HOURS_CITY", default=12),
    },
}
# The cookie and the stored session end with the longest lifetime (Django's default would be 14 days).
SESSION_COOKIE_AGE = max(policy["max_hours"] for policy in SESSION_POLICIES.values()) * 3600
# Reviewers and editors confirm every sign-in with a six-digit code from an authenticator app (TOTP); one
# without an app is sent to set one up first. Off: optional (whoever has set up an app is asked for a code).
# On by default in production; off by default with DEBUG, so that the demo logins work with `make run`.
OTP_REQUIRED_FOR_STAFF_ROLES = env.bool("OTP_REQUIRED_FOR_STAFF_ROLES", default=not DEBUG)
# The name an authenticator app shows beside the code.
OTP_TOTP_ISSUER = "Smart City Index"
# The admin's device pages never show a device's secret or QR code (only its owner sees them, once, at set-up).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_REDIRECT_URL = "indicators:dashboard"
LOGOUT_REDIRECT_URL = "public:home"

# --- Single sign-on (OpenID Connect; sso/, README "Single sign-on (OpenID Connect)") ------------
# Off by default. On, the login page offers a button to the administration's identity provider; a person signs
# in there and is mapped to an EXISTING account (or an open invitation) of this site; nobody else gets in.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
# The provider's issuer; its endpoints come from <issuer>/.well-known/openid-configuration unless set below.
OIDC_ISSUER = env("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGO", default="RS256")
# The button's text on the login page; empty: "Mit dem Konto Ihrer Verwaltung anmelden" (translated).
OIDC_BUTTON_LABEL = env("OIDC_BUTTON_LABEL", default="")
# Endpoints, each only needed where the provider publishes no discovery document (or to override it).
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_JWKS_ENDPOINT", default="")
OIDC_OP_END_SESSION_ENDPOINT = env("OIDC_END_SESSION_ENDPOINT", default="")
# Seconds the provider has to answer a server-side request (discovery, token, keys, userinfo).
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
# Fixed: the authorization-code flow with PKCE and a nonce; no accounts made from a token by the library
# (sso/services.py decides); the ID token kept in the session for the logout at the provider.
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True
OIDC_AUTHENTICATE_CLASS = "sso.views.AuthenticateView"
OIDC_CALLBACK_CLASS = "sso.views.CallbackView"
# The site's logout asks this callable for a page to send the signed-out browser to (the provider's logout).
LOGOUT_NEXT_URL_CALLABLE = "sso.views.provider_logout_url"

# Internationalisation: German first, English second.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Cache and Celery: in memory / eager by default, Redis when REDIS_URL is set.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that died before acknowledging it goes back to the queue after this many
# seconds (Redis broker; the workers look every 10 s). Keep it above the longest task's time limit
# (the reconcile's 32 minutes) and every countdown; the periodic reconcile catches a lost recompute sooner anyway.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How long a recompute request waits for more changes before it runs (coalescing bursts).
SCORES_RECOMPUTE_DELAY_SECONDS = env.int("SCORES_RECOMPUTE_DELAY_SECONDS", default=2)
# Rank uncertainty (scoring/uncertainty.py): Monte Carlo draws per score run, and how far each domain and
# indicator weight is perturbed (a factor uniform in [1 - spread, 1 + spread]; spread in [0, 1)).
UNCERTAINTY_DRAWS = env.int("UNCERTAINTY_DRAWS", default=1000)
UNCERTAINTY_WEIGHT_SPREAD = env.float("UNCERTAINTY_WEIGHT_SPREAD", default=0.25)
# At most this many "not distinguishable" neighbours are stored per city (the nearest by official rank).
UNCERTAINTY_NEIGHBOURS_MAX = env.int("UNCERTAINTY_NEIGHBOURS_MAX", default=10)

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Smart City Index <noreply@localhost>")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds an SMTP connection may block; a hanging mail server must not hold a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Seconds a public page stays cached for anonymous readers (the cache is dropped on every publish anyway).
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=3600)
# Licence of the open data files (/daten/): named in every file's header and on the download page.
OPEN_DATA_LICENSE = env("OPEN_DATA_LICENSE", default="CC BY 4.0")
OPEN_DATA_LICENSE_URL = env("OPEN_DATA_LICENSE_URL", default="https://creativecommons.org/licenses/by/4.0/")
# The editorial team's address for city staff (the portal's help page, /portal/hilfe/). With DEBUG on a demo
# address (the reserved .example domain); in production empty unless set, and the page then points to the
# city's coordinators only.
EDITORIAL_CONTACT_EMAIL = env("EDITORIAL_CONTACT_EMAIL", default="redaktion@smartcity-index.example" if DEBUG else "")

# --- Notifications of the review workflow (indicators/notifications.py) --------------------------
# The site's address for every link in an e-mail (invitations, password reset, notifications, webhook
# payloads), never the request's Host header, which anyone can send. Required with DEBUG off; the
# deploy check (smartcity/checks.py) warns about plain http, loopback hosts and hosts not allowed.
if DEBUG:
    SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
elif not env("SITE_URL", default=""):
    raise ImproperlyConfigured(
        "DEBUG is off: set SITE_URL, the site's public address (e.g. https://index.example.org); "
        "links in e-mails are built from it."
    )
else:
    SITE_URL = env("SITE_URL")
if urlsplit(SITE_URL).scheme not in ("http", "https") or not urlsplit(SITE_URL).hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an http:// or https:// address with a host name, not {SITE_URL!r}.")
# After this many failed attempts (backoff 1, 2, 4 … 60 minutes) a notification is given up.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
# The cities' check window (issue 16): reminders to cities with unchecked values this many days before it closes.
CHECK_REMINDER_DAYS = [int(days) for days in env.list("CHECK_REMINDER_DAYS", default=["7", "1"])]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON nested deeper than api.parsers.MAX_DEPTH is a 400 (DRF's parser let a RecursionError through).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # DRF's anon and user throttles, letting requests through while the cache (Redis) is unreachable.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonThrottle", "api.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
    },
}
# Longest query string the API answers (414 in its error shape above it; keep below the web server's
# request-line limit, gunicorn's 4094 bytes by default, so that the answer is the API's own).
API_MAX_QUERY_CHARS = env.int("API_MAX_QUERY_CHARS", default=2048)
SPECTACULAR_SETTINGS = {
    "TITLE": "Smart City Index API",
    "DESCRIPTION": (
        "Published editions, rankings, scores and approved answers of the Smart City Index (public, read-only, "
        "no login), and for signed-in users: a city's answers (staff), reviews (reviewers), score runs (editors). "
        "Authenticate with a session or a personal token (`Authorization: Bearer sci_…`, created at /konto/tokens/)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.describe_shared_parameters",
        "api.schema.document_api_wide_rules",
        "public.api.base.published_edition_years",
    ],
}
# CORS: only the public, read-only endpoints may be called from other sites (no cookies, GET only).
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/v1/(?!workspace/|review/|editor/).*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
# Webhooks may target http://127.0.0.1/localhost only when this is on (tests, local development).
WEBHOOK_ALLOW_LOCAL_HTTP = env.bool("WEBHOOK_ALLOW_LOCAL_HTTP", default=DEBUG)
# Seconds a webhook receiver has to connect and answer (webhooks/services.py).
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=5)
# After this many failed attempts (backoff 30 s, 1, 2, 4, 8 … 60 minutes) a delivery is given up.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
# One name for the webhook events in the OpenAPI schema (the fields "event" and "events" share them).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["WebhookEventEnum"] = "webhooks.models.WebhookEvent"

# Security: strict once DEBUG is off (manage.py check --deploy stays clean).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP inside the network (smartcity/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz/"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): every script, style, font, image and connection from this site
# only; no inline script or style anywhere (Chart.js and htmx are vendored under static/vendor/, the
# Swagger UI and Redoc come from drf-spectacular-sidecar; tests/test_security_headers.py checks the
# templates). Frames: only our own evidence previews (the review page shows PDFs in an iframe; the file
# view sets its own policy with frame-ancestors 'self'); no site may frame our pages. The Redoc page
# alone adds inline styles (api/urls.py says why).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],  # data: for the SVG icons inside Django's admin CSS
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],  # htmx autosave, Swagger UI's "Try it out"
        "frame-src": [csp_constants.SELF],
        "worker-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}
# Permissions-Policy (django-permissions-policy): no page of this site needs any of these features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

CELERY_BEAT_SCHEDULE = {
    "scores-reconcile": {
        "task": "scoring.tasks.scores_reconcile",
        "schedule": env.int("SCORES_RECONCILE_SECONDS", default=300),
    },
    # Sends pending notifications: catches up after a broker outage and retries failed mails.
    "notifications-send": {
        "task": "indicators.tasks.notifications_send_task",
        "schedule": env.int("NOTIFICATION_SEND_SECONDS", default=60),
    },
    # Sends pending webhook deliveries: catches up after a broker outage and runs the retries.
    "webhooks-deliver": {
        "task": "webhooks.tasks.webhooks_deliver_task",
        "schedule": env.int("WEBHOOK_DELIVER_SECONDS", default=60),
    },
    # Reminds the cities of values still to check before their check window closes (once per city and day).
    "checks-remind": {
        "task": "indicators.tasks.checks_remind_task",
        "schedule": env.int("CHECKS_REMIND_SECONDS", default=24 * 3600),
    },
    # Removes stored evidence files no row points to (rolled-back uploads, failed deletions).
    "evidence-orphans-reap": {
        "task": "indicators.tasks.evidence_orphans_reap_task",
        "schedule": env.int("EVIDENCE_ORPHANS_REAP_SECONDS", default=3600),
    },
}

# --- Evidence files (indicators/evidence.py) ---------------------------------------------------
# Largest accepted evidence upload in bytes (10 MB by default).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# Zip-based evidence (DOCX, XLSX) is refused when its central directory says it unpacks to more than this
# many bytes or holds more entries (embedded archives counted in): zip bombs (smartcity/zip_limits.py).
EVIDENCE_MAX_UNCOMPRESSED_BYTES = env.int("EVIDENCE_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
EVIDENCE_MAX_ARCHIVE_ENTRIES = env.int("EVIDENCE_MAX_ARCHIVE_ENTRIES", default=5000)
# Stored evidence files no row points to are deleted by a periodic task once they are this old (by their
# modification time); the grace spares uploads whose transaction is still open.
EVIDENCE_ORPHAN_GRACE_HOURS = env.float("EVIDENCE_ORPHAN_GRACE_HOURS", default=24)
# Private storage for evidence files, served only through the permission-checking download view.
# Default: the local disk under MEDIA_ROOT/evidence-private (or EVIDENCE_ROOT). Any Django storage
# backend can be named instead, e.g. "storages.backends.s3.S3Storage" (django-storages) for
# S3-compatible object storage, with its options as JSON in EVIDENCE_STORAGE_OPTIONS, e.g.
# '{"bucket_name": "sci-evidence", "default_acl": "private", "querystring_auth": true}'.
# Never serve MEDIA_ROOT as a whole (no static(MEDIA_URL, ...) route): it would expose this folder.


def _private_storage(prefix: str, root_variable: str, folder: str, **local_options) -> tuple[str, dict]:
    """(backend, options) of a private storage from <prefix>_STORAGE_BACKEND and <prefix>_STORAGE_OPTIONS (JSON);
    the default, the local disk under <root_variable> (else MEDIA_ROOT/<folder>), readable by the owner's group
    only."""
    backend = env(f"{prefix}_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
    if backend != "django.core.files.storage.FileSystemStorage":
        return backend, env.json(f"{prefix}_STORAGE_OPTIONS", default={})
    return backend, {
        "location": str(env.path(root_variable, default=Path(str(MEDIA_ROOT)) / folder)),
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
        **local_options,
    }


EVIDENCE_STORAGE_BACKEND, EVIDENCE_STORAGE_OPTIONS = _private_storage("EVIDENCE", "EVIDENCE_ROOT", "evidence-private")
STORAGES["evidence"] = {"BACKEND": EVIDENCE_STORAGE_BACKEND, "OPTIONS": EVIDENCE_STORAGE_OPTIONS}

# Private storage for the published open data files (/daten/<year>/<dataset>.<fmt>): written once when an
# edition is published (again when its analysis arrives), served by the open data view, rebuilt when missing
# (public/published_files.py). Default: MEDIA_ROOT/published-private (or PUBLISHED_FILES_ROOT); any Django
# storage backend can be named as for evidence (PUBLISHED_STORAGE_BACKEND, PUBLISHED_STORAGE_OPTIONS as JSON).
PUBLISHED_STORAGE_BACKEND, PUBLISHED_STORAGE_OPTIONS = _private_storage(
    "PUBLISHED", "PUBLISHED_FILES_ROOT", "published-private", allow_overwrite=True
)
STORAGES["published"] = {"BACKEND": PUBLISHED_STORAGE_BACKEND, "OPTIONS": PUBLISHED_STORAGE_OPTIONS}

# --- Review flags (indicators/selectors/review_flags.py) -------------------------------------------------
# An answer is an outlier when its robust z-score (median/MAD over all cities) exceeds this.
REVIEW_OUTLIER_Z = env.float("REVIEW_OUTLIER_Z", default=3.5)
# A numeric answer "jumps" when it changed by more than this many percent against last edition.
REVIEW_JUMP_PERCENT = env.float("REVIEW_JUMP_PERCENT", default=50.0)
# A value's Stand is stale ("Stand veraltet", issue 16 §4) when it is more than this many months older than its
# edition's reference date (Edition.reference_date): flagged to the reviewer, marked on the public drill-down.
STALE_STAND_MONTHS = env.int("STALE_STAND_MONTHS", default=12)
if STALE_STAND_MONTHS < 0:
    raise ImproperlyConfigured("STALE_STAND_MONTHS must be 0 or more.")

# --- Legal pages (public/legal.py): Impressum, Datenschutz, Barrierefreiheit -------------------------------------
# The operator's facts, from the environment: they exist before any database or admin user does, are part of the
# deployment's configuration (one place per installation, reviewed with it) and are shown on every error page
# too. The defaults are demo values, and the pages say so while LEGAL_OPERATOR_NAME is unset (README, "Rechtliche
# Seiten"); `manage.py check --deploy` warns about them. Addresses are lists: lines separated by commas.
LEGAL_DEMO = not env("LEGAL_OPERATOR_NAME", default="")
LEGAL_OPERATOR_NAME = env("LEGAL_OPERATOR_NAME", default="Musterstadt-Verein für offene Daten e. V. (Demo-Angabe)")
LEGAL_OPERATOR_ADDRESS = env.list("LEGAL_OPERATOR_ADDRESS", default=["Musterstraße 1", "12345 Musterstadt"])
LEGAL_OPERATOR_EMAIL = env("LEGAL_OPERATOR_EMAIL", default="kontakt@example.org")
LEGAL_OPERATOR_PHONE = env("LEGAL_OPERATOR_PHONE", default="+49 30 0000000 (Demo)")
# Who represents the operator (Vorstand, Bürgermeisterin …) and its register entry, if any (§ 5 DDG).
LEGAL_REPRESENTATIVE = env("LEGAL_REPRESENTATIVE", default="Erika Mustermann (Vorstand, Demo-Angabe)")
LEGAL_REGISTER_ENTRY = env("LEGAL_REGISTER_ENTRY", default="Vereinsregister Amtsgericht Musterstadt, VR 0000 (Demo)")
LEGAL_VAT_ID = env("LEGAL_VAT_ID", default="")
# Responsible for the content (§ 18 Abs. 2 MStV), with an address.
LEGAL_CONTENT_RESPONSIBLE = env("LEGAL_CONTENT_RESPONSIBLE", default="Max Mustermann, Anschrift wie oben (Demo)")
# The data protection officer (Art. 37 DSGVO; public bodies must name one) and the supervisory authority.
LEGAL_DPO = env("LEGAL_DPO", default="Datenschutzbeauftragte(r) des Demo-Betreibers")
LEGAL_DPO_EMAIL = env("LEGAL_DPO_EMAIL", default="datenschutz@example.org")
LEGAL_SUPERVISORY_AUTHORITY = env(
    "LEGAL_SUPERVISORY_AUTHORITY", default="Die Landesbeauftragte für Datenschutz des Sitzlandes (Demo-Angabe)"
)
LEGAL_SUPERVISORY_AUTHORITY_URL = env("LEGAL_SUPERVISORY_AUTHORITY_URL", default="https://www.bfdi.bund.de/")
# Where the site runs (a processor under Art. 28 DSGVO) and how long its web server keeps access logs.
LEGAL_HOSTING_PROVIDER = env("LEGAL_HOSTING_PROVIDER", default="Demo-Hoster GmbH, Rechenzentrum in Deutschland")
LEGAL_ACCESS_LOG_DAYS = env.int("LEGAL_ACCESS_LOG_DAYS", default=7)
# The accessibility statement (BITV 2.0 § 7): its date, the conformance ("full", "partial", "none"), where feedback
# is mailed, and the conciliation body (the federal one; a Land's own for bodies under Land law).
ACCESSIBILITY_STATEMENT_DATE = date.fromisoformat(env("ACCESSIBILITY_STATEMENT_DATE", default="2026-12-07"))
ACCESSIBILITY_CONFORMANCE = env("ACCESSIBILITY_CONFORMANCE", default="partial")
if ACCESSIBILITY_CONFORMANCE not in ("full", "partial", "none"):
    raise ImproperlyConfigured("ACCESSIBILITY_CONFORMANCE must be full, partial or none.")
ACCESSIBILITY_FEEDBACK_EMAIL = env("ACCESSIBILITY_FEEDBACK_EMAIL", default=LEGAL_OPERATOR_EMAIL)
ACCESSIBILITY_CONCILIATION_BODY = env(
    "ACCESSIBILITY_CONCILIATION_BODY",
    default="Schlichtungsstelle nach dem Behindertengleichstellungsgesetz (BGG) beim Beauftragten der "
    "Bundesregierung für die Belange von Menschen mit Behinderungen",
)
ACCESSIBILITY_CONCILIATION_URL = env("ACCESSIBILITY_CONCILIATION_URL", default="https://www.schlichtungsstelle-bgg.de")
# At most this many feedback messages per client address and hour (the form's rate limit); each mailed once
# (after NOTIFICATION_MAX_ATTEMPTS failed attempts it is given up, and stays visible in the admin).
ACCESSIBILITY_FEEDBACK_PER_HOUR = env.int("ACCESSIBILITY_FEEDBACK_PER_HOUR", default=5)
CELERY_BEAT_SCHEDULE["accessibility-feedback-send"] = {
    "task": "public.tasks.accessibility_feedback_send_task",
    "schedule": env.int("ACCESSIBILITY_FEEDBACK_SEND_SECONDS", default=300),
}

# --- Open data metadata (DCAT-AP.de), after the legal pages' operator (its default publisher) ------------------
# The metadata of the open data after DCAT-AP.de (public/dcat.py, /api/v1/dcat.jsonld), e.g. for GovData: the
# licence as a DCAT-AP.de licence URI (the one of OPEN_DATA_LICENSE_URL; dl-de/by-2-0 is
# http://dcat-ap.de/def/licenses/dl-by-de/2.0), the publisher and contact point, and the contributor ID GovData
# assigns to a data provider (an IRI of http://dcat-ap.de/def/contributors/; left out while empty).
DCAT_LICENSE_URI = env("DCAT_LICENSE_URI", default="http://dcat-ap.de/def/licenses/cc-by/4.0")
DCAT_PUBLISHER_NAME = env("DCAT_PUBLISHER_NAME", default=LEGAL_OPERATOR_NAME)  # the Impressum's operator
DCAT_PUBLISHER_URL = env("DCAT_PUBLISHER_URL", default="")
DCAT_CONTACT_EMAIL = env("DCAT_CONTACT_EMAIL", default=LEGAL_OPERATOR_EMAIL)
DCAT_CONTRIBUTOR_ID = env("DCAT_CONTRIBUTOR_ID", default="")
