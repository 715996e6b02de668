"""Settings shared by every profile. Everything a deployment changes comes from the environment."""

from datetime import timedelta

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ..client_ip import networks as _networks
from ..logging import logging_config
from .env import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# Fernet keys for encrypted fields: the first encrypts, all decrypt. Never derived from SECRET_KEY.
FERNET_KEYS = env.list("FERNET_KEYS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens, stored as digests (salons/api_tokens.py)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files (strict CSP, no CDN)
    "django_celery_beat",
    "axes",
    "salonsync.apps.SalonSyncConfig",  # the periodic schedule (salonsync/schedules.py)
    "salons",  # tenancy: salons, members, roles, login, the team
    "integrations",
    "webhooks",
    "rebooking",
    "selfbook",  # clients rebook themselves from a signed link (/r/<token>/)
    "sms",  # text messages to clients through the salon's Twilio account
    "sandbox",  # its tables always exist; its URLs are mounted only when SANDBOX_ENABLED
]

MIDDLEWARE = [
    # First, so redirects and errors carry the request id too.
    "salonsync.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the outcome of authentication (django-axes docs).
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp 4.x): scripts and styles only from our own static files,
# no inline <script>, style="" or event handlers; nothing may frame us; forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "salonsync.urls"
WSGI_APPLICATION = "salonsync.wsgi.application"

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
                "salons.context_processors.salons",
            ],
            # money, day and moment: one way to show amounts and dates on every page and email.
            "builtins": ["integrations.templatetags.formatting"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has writers in several threads (requests, the backtest's thread, the
    # demo's beat): a transaction takes the write lock when it starts (a deferred one that tries
    # to upgrade fails at once with "database is locked"), waits up to 20 s for it, and WAL lets
    # readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Reverse proxies / load balancers in front of SalonSync (addresses or networks). Only when the
# peer is one of them is X-Forwarded-For read for the client's address (salonsync/client_ip.py:
# login throttling, the /metrics and Vagaro webhook allow-lists, the rejected-webhook throttle and
# the address a webhook delivery is stored with). Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

AUTHENTICATION_BACKENDS = [
    # Throttles repeated failed logins (salons/login_throttle.py), before the model backend.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins within the cool-off, counted three ways, each with its limit: one username from
# one address (AXES_FAILURE_LIMIT), one username from any address (guessing one account from
# many machines), one address for any username (one password sprayed over many accounts).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_USERNAME = env.int("LOGIN_FAILURE_LIMIT_PER_USERNAME", default=10)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "salons.login_throttle.LoginThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "salonsync.client_ip.client_ip"
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out client may try again after 15 minutes
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True  # the username + address pair only (LoginThrottleHandler)
# Attempts refused during a lockout are not counted: one address cannot push a username's
# count (which locks it everywhere) past its own pair limit.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The one date and date-time format of the owner's pages (read by the ``day`` and ``moment``
# template filters and integrations.dates, in the salon's time zone): "Tue, Mar 4, 2026" and
# "Tue, Mar 4, 2026, 2:30 PM". The weekday stays because owners book and rebook by it.
DATE_FORMAT = "D, M j, Y"
DATETIME_FORMAT = "D, M j, Y, g:i A"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Redis, when configured, is both the Celery broker and the cache; without it tasks run
# in-process (eager) and the cache is per-process memory.
REDIS_URL = env.str("REDIS_URL", default="")
# Seconds to wait for a TCP connection to Redis (cache, broker, /readyz): an unreachable Redis
# fails fast instead of holding requests for the system's connect timeout.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Eager tasks still borrow a producer to round-trip their arguments through JSON; the in-memory
# transport then wants a hostname (kombu warns "No hostname was supplied" without one).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker, long tasks a page starts run in a thread of the web process (the request
# returns at once); salonsync/background.py.
TASKS_IN_THREADS = env.bool("TASKS_IN_THREADS", default=not REDIS_URL)
DEMO_BEAT = False  # the demo's in-process beat: local.py turns it on (salonsync/demo_beat.py)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Tasks are idempotent; a task is acknowledged only after it ran, and re-queued if the worker
# process dies mid-task, so a crash never loses work (docs: "Should I use retry or acks_late?").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# Redis hands an unacknowledged message (a worker died mid-task) to another worker after this many
# seconds; keep it above the longest task (CELERY_TASK_TIME_LIMIT) in production.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SalonSync <noreply@salonsync.app>")

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous call a 401, as the contract says.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "salonsync.api.exception_handler",
    # DRF's defaults, with JSON read under a depth limit (salonsync/safe_json.py).
    "DEFAULT_PARSER_CLASSES": [
        "salonsync.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # DRF's user/anon throttles, counting in process memory while Redis is unreachable.
    "DEFAULT_THROTTLE_CLASSES": [
        "salonsync.throttling.UserThrottle",
        "salonsync.throttling.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
    },
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# API tokens (django-rest-knox): only a SHA-512 digest and the first 15 characters are stored;
# the raw token is shown once, when issued (`manage.py api_token create`, or the admin).
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)  # 0: tokens never expire
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS) if API_TOKEN_TTL_DAYS else None,
    "AUTH_HEADER_PREFIX": "Token",  # what clients already send: "Authorization: Token <token>"
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SalonSync API",
    "DESCRIPTION": "Salons, their booking-platform integrations, availability and bookings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# SalonSync's own settings (docs/contract.md §3).
SALONSYNC_PUBLIC_URL = env.str("SALONSYNC_PUBLIC_URL", default="http://127.0.0.1:8000")
MINDBODY_API_KEY = env.str("MINDBODY_API_KEY", default="")
MINDBODY_WEBHOOK_SIGNATURE_KEY = env.str("MINDBODY_WEBHOOK_SIGNATURE_KEY", default="")
# The root only: the adapter adds each connection's region, {root}/{region}/api/v2/
# (docs/platforms/vagaro.md §2.1).
VAGARO_API_URL = env.str("VAGARO_API_URL", default="https://api.vagaro.com")
MINDBODY_API_URL = env.str("MINDBODY_API_URL", default="https://api.mindbodyonline.com")
MINDBODY_PUSH_API_URL = env.str(
    "MINDBODY_PUSH_API_URL", default="https://push-api.mindbodyonline.com"
)
PHOREST_API_URL = env.str(
    "PHOREST_API_URL",
    default="https://api-gateway-eu.phorest.com/third-party-api-server/api/business",
)
# Phorest's host differs by region (docs/platforms/phorest.md §1.2): PHOREST_API_URL is the EU one
# (and the host of integrations saved without a region), this the US/Canada/Australia one.
PHOREST_US_API_URL = env.str(
    "PHOREST_US_API_URL",
    default="https://api-gateway-us.phorest.com/third-party-api-server/api/business",
)
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1024 * 1024)
# /metrics lists every salon's slug and integration id: a scraper sends
# "Authorization: Bearer <METRICS_TOKEN>" or comes from METRICS_ALLOWED_IPS (addresses or
# networks; the client's address as TRUSTED_PROXIES decides). Neither set: refused unless DEBUG.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# Optional extra check: accept Vagaro webhooks only from these addresses/networks (empty: off).
# Vagaro publishes 20.220.12.83, 13.67.143.68, 13.70.105.4, 20.62.123.184, 51.140.65.108,
# 51.143.95.2 (docs/platforms/vagaro.md §3.2); the sender's address as TRUSTED_PROXIES decides.
VAGARO_WEBHOOK_ALLOWED_IPS = env.list("VAGARO_WEBHOOK_ALLOWED_IPS", default=[])
# Webhook processing: attempts before an event is dead, and the sweeper's grace period.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Rejected deliveries (bad signature, unusable body) recorded per source address and minute; past
# it they are answered 429 and not stored (0: no limit). The address as TRUSTED_PROXIES decides.
WEBHOOK_REJECTED_PER_MINUTE = env.int("WEBHOOK_REJECTED_PER_MINUTE", default=20)
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=False)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")  # "json" or "plain"
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)

# A platform (HTTP) call inside a database transaction is a bug (integrations/platform_calls.py):
# "raise" in development and tests, "log" (an error line) in production.
PLATFORM_CALLS_IN_TRANSACTION = "raise" if DEBUG else "log"

# Retention (integrations/retention.py, daily): days each kind of row is kept; 0 keeps it forever.
RETENTION_WEBHOOK_EVENTS_DAYS = env.int("RETENTION_WEBHOOK_EVENTS_DAYS", default=90)
# Rejected deliveries (anyone can send one) go sooner than the others.
RETENTION_REJECTED_WEBHOOK_DAYS = env.int("RETENTION_REJECTED_WEBHOOK_DAYS", default=14)
RETENTION_API_CALLS_DAYS = env.int("RETENTION_API_CALLS_DAYS", default=30)
RETENTION_SYNC_RUNS_DAYS = env.int("RETENTION_SYNC_RUNS_DAYS", default=90)
RETENTION_NOTIFICATIONS_DAYS = env.int("RETENTION_NOTIFICATIONS_DAYS", default=365)
# A client's booking link (selfbook/links.py) works until its suggestion expires, and never
# longer than this many days after it was made.
SELFBOOK_LINK_MAX_AGE_DAYS = env.int("SELFBOOK_LINK_MAX_AGE_DAYS", default=30)

# The API calls each platform includes before they cost the salon, shown on ConnectionStatus with a
# warning at 80 % (integrations/call_budget.py). Defaults come from each adapter's documents;
# override as "mindbody=1000/day,vagaro=5000/month".
API_CALL_ALLOWANCES = {
    key: value for key, value in env.dict("API_CALL_ALLOWANCES", default={}).items() if value
}

for _name in ("TRUSTED_PROXIES", "METRICS_ALLOWED_IPS", "VAGARO_WEBHOOK_ALLOWED_IPS"):
    try:
        _networks(tuple(globals()[_name]))
    except ValueError as _exc:
        raise ImproperlyConfigured(f"{_name}: {_exc}") from None
