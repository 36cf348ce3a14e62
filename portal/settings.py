"""Settings for every environment, read from the environment only.

With nothing set, the portal runs on its embedded default: DEBUG on, SQLite under ./var,
Celery tasks executed eagerly in-process, uploads under ./var/media, e-mail to the console.
Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and EMAIL_URL.
"""

import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production-0123456789abcdef"

# The key of the audit trail's MACs: required in production, which sets its own and never changes
# it lightly. The embedded default derives one from SECRET_KEY.
AUDIT_KEY = env.str("AUDIT_KEY", default="")
if not AUDIT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("AUDIT_KEY must be set when DEBUG is off.")
    AUDIT_KEY = hashlib.sha256(f"waivers-audit-trail:{SECRET_KEY}".encode()).hexdigest()
# Who receives each new audit checkpoint, signed, to keep off the system (none: not e-mailed).
AUDIT_CHECKPOINT_EMAIL = env.list("AUDIT_CHECKPOINT_EMAIL", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
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
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "waivers",
]

MIDDLEWARE = [
    "waivers.observability.RequestIdMiddleware",  # X-Request-ID on the answer and every log line
    "waivers.web.health.HealthCheckMiddleware",  # /healthz for probes on internal addresses
    # /metrics for scrapers on internal addresses (behind METRICS_TOKEN), and request timings.
    "waivers.web.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "waivers.web.no_store.NoStoreWhenSignedIn",
    "django.contrib.messages.middleware.MessageMiddleware",
    "waivers.web.idle.SignOutWhenIdle",
    "waivers.web.csp.ContentSecurityPolicy",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before any view or CSRF check reads the body; after those that dress its 413 page.
    "waivers.web.body_limit.RefuseOversizedBodies",
    # Last, so it answers a locked-out sign-in with the lockout page (django-axes).
    "axes.middleware.AxesMiddleware",
    # Runs the view itself, in one transaction with its stored answer: no process_view after it.
    "waivers.api.idempotency.IdempotentPosts",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A kept connection the server dropped (restart, failover, idle kill) is found and replaced when a
# request first uses it, instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Writers wait for each other (busy timeout) and take the write lock when their transaction
    # begins, so concurrent actions serialise instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
# The role that owns the tables and runs migrations (``migrate --database owner``,
# ``setup_db_roles``); DATABASE_URL is then the runtime role, which may only add to the trail.
if MIGRATION_DATABASE_URL := env.str("MIGRATION_DATABASE_URL", default=""):
    DATABASES["owner"] = {
        **env.db_url_config(MIGRATION_DATABASE_URL),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "waivers.User"
# ModelBackend, loading a signed-in user with their organisation or NRA (the navigation bar's).
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "waivers.web.auth.UserWithAffiliation",
]
# Two-factor sign-in (waivers.services.two_factor): the name authenticator apps show.
OTP_TOTP_ISSUER = "Reliance Waiver Portal"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The client's address is the Nth entry from the right of X-Forwarded-For, N being the number of
# trusted proxies in front of the portal; with none (the default) it is REMOTE_ADDR, and a client's
# own X-Forwarded-For is ignored. The API throttles and the sign-in lockout read it the same way.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# Sign-in lockout (django-axes) on the HTML login and the API token endpoint: after
# AXES_FAILURE_LIMIT wrong passwords for one account, or from one client address, sign-in is
# refused, the right password included, until the cool-off has passed since the last failure.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "portal.proxies.client_address"
AXES_LOCKOUT_CALLABLE = "waivers.web.auth.locked_out"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

# Uploaded evidence and issued letters are private: MEDIA_URL is deliberately not routed, and
# files are only ever served by views that apply the scoping rules in waivers.access.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": env.str("FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
# The PDF policy (waivers.pdf_policy): what an uploaded PDF may hold.
PDF_MAX_PAGES = env.int("PDF_MAX_PAGES", default=1000)
PDF_MAX_OBJECTS = env.int("PDF_MAX_OBJECTS", default=20_000)
PDF_MAX_NESTING = env.int("PDF_MAX_NESTING", default=50)
PDF_MAX_DECOMPRESSED_BYTES = env.int("PDF_MAX_DECOMPRESSED_BYTES", default=256 * 1024 * 1024)
# Django's own request-size guard covers non-file fields; files stream to disk above this.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Reliance Waiver Portal <noreply@localhost>"
)

# Celery: with REDIS_URL a real broker; without it, tasks run eagerly inside the web process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How long the cache waits for an unanswering Redis before it answers a miss (portal/cache.py),
# and a publish for a connection before it is left to the outbox (waivers.services.outbox).
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=1.0)
# A task a worker took but never acknowledged (the worker was killed whole) goes back to the queue
# this long after it was taken; the outbox catch-up below runs its work sooner.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600),
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
}
# How often the catch-up (waivers.tasks.drain_outbox) runs outbox messages not done yet.
OUTBOX_CATCH_UP_SECONDS = env.int("OUTBOX_CATCH_UP_SECONDS", default=300)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Lapsed waivers, expiring evidence and the checks they touch, once a day at night (UTC).
    "daily-expiry-sweep": {
        "task": "waivers.tasks.expiry_sweep",
        "schedule": crontab(hour=2, minute=15),
    },
    # Work recorded while the broker was unreachable (e.g. a signed decision's letter).
    "outbox-catch-up": {
        "task": "waivers.tasks.drain_outbox",
        "schedule": float(OUTBOX_CATCH_UP_SECONDS),
    },
    # Stored answers to API POSTs with an Idempotency-Key, once they are too old to replay.
    "idempotency-prune": {
        "task": "waivers.tasks.prune_idempotent_responses",
        "schedule": crontab(minute=35),
    },
    # The heads of every audit chain, kept apart from the entries they anchor.
    "audit-checkpoint": {
        "task": "waivers.tasks.record_audit_checkpoint",
        "schedule": crontab(minute=5),
    },
}

CACHES = {
    "default": (
        {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# How long a case list's count is kept (waivers.case_counts); any change to a case the list can
# see drops it sooner. Only a cache shared by all processes hears every change: off without Redis.
CASE_COUNT_CACHE_SECONDS = env.int("CASE_COUNT_CACHE_SECONDS", default=60 if REDIS_URL else 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "waivers.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "waivers.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["waivers.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "waivers.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "waivers.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "token": env.str("THROTTLE_TOKEN", default="20/min"),
        "verify": env.str("THROTTLE_VERIFY", default="60/min"),
    },
}
# An API POST with an Idempotency-Key header is answered once; the same key and body within this
# many hours replays that answer (waivers.api.idempotency).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "Reliance Waiver Portal API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Signing: repeated wrong passwords lock a user's signing for a while (21 CFR Part 11 §11.300).
SIGNING_MAX_FAILURES = env.int("SIGNING_MAX_FAILURES", default=3)
SIGNING_LOCKOUT = timedelta(minutes=env.int("SIGNING_LOCKOUT_MINUTES", default=15))

# API tokens (waivers.services.tokens): hashed, revoked with a new password or a deactivation,
# and expiring this long after they were issued.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24)

# A session ends after SESSION_IDLE_MINUTES without a request (waivers.web.idle), and at the
# latest SESSION_MAX_HOURS after sign-in, active or not.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = env.int("SESSION_MAX_HOURS", default=12) * 3600
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = (
    "DENY"  # the inline evidence viewer opts in per view with xframe_options_sameorigin
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Logs: one JSON object a line (json) or plain text, each with the request id (waivers.observability).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "waivers.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "waivers.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every rendering step at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}
# The worker logs through LOGGING too (JSON, with the id of the request that queued the task).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# /metrics (waivers.web.metrics) answers only `Authorization: Bearer <METRICS_TOKEN>`; unset: 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Read by prometheus_client itself: where each process keeps its counts (portal/prometheus.py).
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
