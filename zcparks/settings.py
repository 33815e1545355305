"""Settings for zcparks, read from the environment (every variable declared once, with its
parser, default and description, in zcparks/environment.py).

With nothing set the project runs for a newcomer: SQLite, Celery tasks executed inline, e-mail to
the console. `DATABASE_URL` switches to PostgreSQL, `CELERY_BROKER_URL` to Redis, and
`ZCP_PRODUCTION=1` to the production mode (DEBUG off, secret key, allowed hosts and public
address required and checked by zcparks/production.py, secure cookies, a cache shared by all
processes).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from zcparks import environment, production, storage_config

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable parsed now, whichever branch below uses it: a mistyped one stops the start.
env = environment.read_all(os.environ)

PRODUCTION = env["ZCP_PRODUCTION"]
DEBUG = env["DJANGO_DEBUG"]
# A production deployment must bring its own secret (no default there): failing loudly beats a
# guessable key.
SECRET_KEY = env["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = env["DJANGO_ALLOWED_HOSTS"]

# The public address used in letters' QR codes and in e-mails sent by workers (no request there):
# required in production, https, scheme and host only (zcparks/production.py).
ZCP_PUBLIC_BASE_URL = production.public_base_url(env["ZCP_PUBLIC_BASE_URL"], production=PRODUCTION)
if PRODUCTION:
    production.check_production(
        secret_key=SECRET_KEY,
        debug=DEBUG,
        allowed_hosts=ALLOWED_HOSTS,
        public_base_url=ZCP_PUBLIC_BASE_URL,
    )
CSRF_TRUSTED_ORIGINS = env["DJANGO_CSRF_TRUSTED_ORIGINS"]

INSTALLED_APPS = [
    "zcparks.admin_lookups.AdminConfig",  # the admin, its filters bounded (admin_lookups)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "drf_spectacular",
    "csp",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "applications",
    "accounting",
]

MIDDLEWARE = [
    # Counts and times every answer, including the other middleware's refusals.
    "zcparks.metrics.RequestMetricsMiddleware",
    # First: every log line of the request, redirects and refusals included, has its id.
    "zcparks.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (sessions, CSRF, uploads): refuse what is declared too big.
    "zcparks.request_size.RequestSizeLimit",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified() (django-otp's, without reading the device on every request,
    # D41); then: no page without the second factor for those who need
    # one (applications/two_factor.py).
    "applications.two_factor.VerifiedDeviceMiddleware",
    "applications.two_factor.SecondFactorRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "zcparks.urls"
WSGI_APPLICATION = "zcparks.wsgi.application"

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
                "applications.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env["DATABASE_URL"] or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env["DATABASE_CONN_MAX_AGE"],
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "applications.User"
# Django's ModelBackend under the sign-in throttle (applications/signin.py).
AUTHENTICATION_BACKENDS = ["applications.signin.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Throttling of failed sign-ins and failed API tokens (zcparks/throttle.py), counted in the
# cache. No lock that one client can put on another's account: the account's delay is per
# account *and* client address.
# Reverse proxies in front of the application that append the client's address to
# X-Forwarded-For; 0 (no proxy) uses REMOTE_ADDR and ignores the header, which clients can forge.
ZCP_TRUSTED_PROXY_COUNT = env["ZCP_TRUSTED_PROXY_COUNT"]
# Per client address and window: failed sign-ins (any accounts), then 429 until the window ends.
# Twenty in 15 minutes is far above what people mistyping need and far below password guessing.
ZCP_THROTTLE_WINDOW_SECONDS = 15 * 60
ZCP_LOGIN_FAILURES_PER_CLIENT = 20
# Per account and client: after this many failures each attempt waits 1 s, 2 s, 4 s … after the
# last failure, at most ZCP_LOGIN_DELAY_MAX_SECONDS; a successful sign-in clears the count.
ZCP_LOGIN_DELAY_AFTER = 5
ZCP_LOGIN_DELAY_MAX_SECONDS = 60
# Per client address and window: unknown or revoked API tokens presented, then 429 until the
# window ends. A platform with a valid token never fails; a loop of bad tokens is stopped.
ZCP_API_TOKEN_FAILURES_PER_CLIENT = 20
# Active (not revoked) API tokens a park may hold at once: a platform needs one or two (e.g. test
# and production); each token has its own rate limit, so an unbounded number would multiply it.
ZCP_API_TOKENS_PER_PARK = 10

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Evidence, letters, books, dossiers and imports (zcparks/storage.py): a local folder, or an
# S3-compatible bucket when ZCP_S3_BUCKET is set, so that every node serves every file.
PRIVATE_STORAGE = storage_config.private_storage(env)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
        # Public files, served by nginx as its own user: readable by all, unlike uploads
        # (FILE_UPLOAD_PERMISSIONS below, which collectstatic would otherwise apply too).
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "var" / "media"
# Evidence, letters and imports live outside any public path and are served only through views
# that check access.
PRIVATE_STORAGE_ROOT = Path(env["ZCP_PRIVATE_STORAGE_ROOT"] or BASE_DIR / "var" / "private")
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ZCP_MAX_ATTACHMENT_BYTES = env["ZCP_MAX_ATTACHMENT_BYTES"]
ZCP_MAX_IMPORT_BYTES = env["ZCP_MAX_IMPORT_BYTES"]
# Limits on uploaded containers (workbook columns, rows and cells, ZIP members, JSON size and
# nesting, the boundary's 20,000 vertices) are in zcparks/untrusted.py, each with its reason.
# Domain limits of one park-year's energy data (import, API push, zcp-case/1). The largest
# national pilot parks have a few thousand enterprises; 20,000 is several times any of them.
ZCP_MAX_ENTERPRISES_PER_YEAR = 20_000
# A large park (1,000 enterprises × 12 months × 8 records) has 96,000 rows; four times that.
ZCP_MAX_ROWS_PER_YEAR = 400_000
# An import's preview (the checked file, kept until confirmed or cancelled) expires after a day:
# long enough to check it and confirm the next morning; older ones are deleted hourly.
ZCP_IMPORT_PREVIEW_HOURS = 24
# The largest request body: the largest upload (attachment or import) with 1 MiB for the form
# around it. A request declaring more is answered 413 before it is read.
ZCP_MAX_REQUEST_BYTES = env["ZCP_MAX_REQUEST_BYTES"]
# Optional map tiles for the boundary map, e.g. "https://tiles.example/{z}/{x}/{y}.png" (its host
# must also be allowed in the CSP img-src). Empty: no tiles, the map draws boundary and graticule.
ZCP_MAP_TILE_URL = env["ZCP_MAP_TILE_URL"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Development prints mail to the console; production sends it by SMTP, never into the logs
# (a notification names people and parks).
EMAIL_BACKEND = env["EMAIL_BACKEND"]
EMAIL_HOST = env["EMAIL_HOST"]
EMAIL_PORT = env["EMAIL_PORT"]
EMAIL_HOST_USER = env["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = env["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = env["EMAIL_USE_TLS"]
EMAIL_USE_SSL = env["EMAIL_USE_SSL"]
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Set EMAIL_USE_TLS (STARTTLS, port 587) or EMAIL_USE_SSL (port 465), not both."
    )
# Seconds before a mail server that does not answer fails the sending (the outbox tries again),
# so that it cannot hold a worker forever.
EMAIL_TIMEOUT = env["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = env["DEFAULT_FROM_EMAIL"]

# Signing keys and certificates of the issuing bodies and the trust root letters chain to
# (applications/seals.py: ndrc.key/.crt, drc-<province code>.key/.crt, ca.crt). Production has no
# default: unset, every letter fails to render (never issued unsealed) until it is configured.
ZCP_SIGNING_DIR = env["ZCP_SIGNING_DIR"] or (
    "" if PRODUCTION else str(BASE_DIR / "var" / "signing")
)

# Celery: with no broker configured, tasks run inline so that a newcomer needs nothing else.
CELERY_BROKER_URL = env["CELERY_BROKER_URL"]
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = env["CELERY_TASK_EAGER_PROPAGATES"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Re-queue park-years whose energy data changed after their latest calculation (e.g. the broker
# was down when they were saved).
CELERY_BEAT_SCHEDULE["accounting-sweep-recalculations"] = {
    "task": "accounting.sweep_recalculations",
    "schedule": 60.0,
}
# Delete import previews older than ZCP_IMPORT_PREVIEW_HOURS (also: manage.py
# remove_expired_previews).
CELERY_BEAT_SCHEDULE["accounting-remove-expired-previews"] = {
    "task": "accounting.remove_expired_previews",
    "schedule": 3600.0,
}
# Hand the outbox's pending effects (letters to render, mail to send) to the workers again: those
# that never reached the broker (it was down at commit) and those lost with a message or a worker.
CELERY_BEAT_SCHEDULE["applications-sweep-effects"] = {
    "task": "applications.sweep_effects",
    "schedule": 60.0,
}
# Mail the parks and provinces whose deadline comes within a week (applications/deadlines.py);
# each date is reminded once per person, however often this runs.
CELERY_BEAT_SCHEDULE["applications-remind-deadlines"] = {
    "task": "applications.remind_deadlines",
    "schedule": 3600.0,
}
# Seconds after which an effect handed to the broker but not done is taken as lost and sent
# again (a second delivery does nothing: effects run once, under a row lock).
ZCP_EFFECT_RETRY_SECONDS = env["ZCP_EFFECT_RETRY_SECONDS"]
# /health/: seconds each outside service (Redis, a Celery worker's ping) has to answer, and the
# age in minutes past which pending letters, effects or recalculations make the site unhealthy
# (the sweeps run every minute and resend after ZCP_EFFECT_RETRY_SECONDS).
ZCP_HEALTH_TIMEOUT_SECONDS = env["ZCP_HEALTH_TIMEOUT_SECONDS"]
ZCP_HEALTH_PENDING_MINUTES = env["ZCP_HEALTH_PENDING_MINUTES"]
# /metrics: who may read it (anyone else gets a 404), and where the processes of one machine
# write their counts for the scrape to add up (read by prometheus_client itself as well).
ZCP_METRICS_ALLOWED_IPS = env["ZCP_METRICS_ALLOWED_IPS"]
PROMETHEUS_MULTIPROC_DIR = env["PROMETHEUS_MULTIPROC_DIR"]
if PROMETHEUS_MULTIPROC_DIR and not Path(PROMETHEUS_MULTIPROC_DIR).is_dir():
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR={PROMETHEUS_MULTIPROC_DIR!r} is not a folder: create it "
        "(the systemd units do) or unset the variable."
    )
# Test-only: seconds the recalculation task waits between calculating and storing a run, so that
# the fault tests can kill a worker mid-run (tests/services/test_faults.py). Never in production.
ZCP_TEST_TASK_DELAY_SECONDS = 0.0 if PRODUCTION else env["ZCP_TEST_TASK_DELAY_SECONDS"]
# National reviewers, experts and administrators need a second factor (TOTP) for every page:
# always in production; in development only when asked, so that the demo logins work with a
# password alone (applications/two_factor.py, decision D23).
ZCP_TWO_FACTOR_REQUIRED = True if PRODUCTION else env["ZCP_TWO_FACTOR_REQUIRED"]
OTP_TOTP_ISSUER = "零碳园区申报评审系统"


def cache_url_beside_broker(broker_url: str) -> str:
    """The broker's Redis URL with the next database number: same server, keys never mixed.

    Scheme, credentials, host, port and query are kept; only the path (`/<db>`) changes.
    """
    parts = urlsplit(broker_url)
    db_text = parts.path.strip("/") or "0"
    if not db_text.isdigit():
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL has no Redis database number in its path ({parts.path!r}); "
            "set ZCP_CACHE_URL to the cache's Redis URL."
        )
    db = int(db_text) + 1
    # Redis has databases 0-15 unless configured otherwise: past 15 the cache would only fail
    # at its first request, so refuse here instead.
    if db > 15:
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL uses Redis database {db - 1}, so the cache would need {db}; "
            "put the broker on a lower database or set ZCP_CACHE_URL."
        )
    return urlunsplit(parts._replace(path=f"/{db}"))


# The cache holds the API's rate-limit counts (DRF throttling): a per-process cache would give
# each gunicorn worker its own count, so production shares one in Redis. ZCP_CACHE_URL wins;
# otherwise production uses the broker's Redis server on the broker's database + 1.
CACHE_URL = env["ZCP_CACHE_URL"]
if not CACHE_URL and PRODUCTION:
    if urlsplit(CELERY_BROKER_URL).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(
            "ZCP_PRODUCTION=1 needs a cache shared by all processes: set ZCP_CACHE_URL "
            "(e.g. redis://127.0.0.1:6379/1), or CELERY_BROKER_URL to a redis:// or rediss:// "
            "URL and the cache goes to the next database on that server."
        )
    CACHE_URL = cache_url_beside_broker(CELERY_BROKER_URL)
CACHES = {
    "default": (
        {
            # Django's Redis cache, one client object per pool (zcparks/redis_cache.py).
            "BACKEND": "zcparks.redis_cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "zcparks",
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "zcparks"}
    )
}
# Sessions are read from the cache on every request and written through to PostgreSQL when they
# change (D41), but only when the cache is shared by all processes (Redis): a per-process cache
# would let one gunicorn worker keep a session that a sign-out in another one deleted. Signing
# out, a password change (the session's hash no longer matches) and a deactivation (the user row
# is read on every request) still take effect at the next request.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_URL
    else "django.contrib.sessions.backends.db"
)
# The queue, review and result pages kept in the shared cache, keyed by the data generation that
# every committed write raises (zcparks/page_cache.py, D42); only with a shared cache, for the
# same reason as the sessions.
ZCP_PAGE_CACHE = bool(CACHE_URL)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The API (applications/api and accounting/api): park platforms with their token,
    # people with their session; JSON only; one error shape; a rate limit per token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "applications.kernel.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["zcparks.api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "zcparks.api.pagination.StrictLimitOffsetPagination",
    "EXCEPTION_HANDLER": "zcparks.api.errors.handle_exception",
    # No OPTIONS self-description: the OpenAPI schema documents the API (answers 405).
    "DEFAULT_METADATA_CLASS": None,
}
# Requests per token (or per signed-in person) and period: "120/min", "5000/hour" …
ZCP_API_RATE = env["ZCP_API_RATE"]
# How long an Idempotency-Key's stored answer is replayed.
ZCP_API_IDEMPOTENCY_HOURS = env["ZCP_API_IDEMPOTENCY_HOURS"]
SPECTACULAR_SETTINGS = {
    "TITLE": "zcparks API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "DESCRIPTION": _(
        "国家级零碳园区申报评审系统的接口：园区能碳管理平台推送能源数据、"
        "读取核算结果与申报书状态。"
        "园区令牌（Authorization: Bearer zcp_…）只对本园区有效；"
        "国家级与省级人员用登录会话只读访问。"
        '所有错误均为 {"error": {"code", "message", '
        '"fields": [{"field", "message"}]}}。'
    ),
    # The schema and its page are public (they hold no data); the data needs a token or session.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "applications.models.Status",
        "RunStatusEnum": "accounting.models.RunStatus",
    },
}

# Content-Security-Policy: no inline script anywhere, everything served from this host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env["ZCP_SSL_REDIRECT"]
    SECURE_HSTS_SECONDS = env["ZCP_HSTS_SECONDS"]
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A monitor on the machine asks gunicorn directly over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]

# Log lines carry request_id, user_id and task_id (zcparks/logs.py); in production they are JSON
# objects, one per line, for the log collector. Celery's worker gets the same (zcparks/celery.py).
ZCP_LOG_JSON = env["ZCP_LOG_JSON"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "zcparks.logs.ContextFilter"}},
    "formatters": {"json": {"()": "zcparks.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            **({"formatter": "json"} if ZCP_LOG_JSON else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env["ZCP_LOG_LEVEL"]},
}
