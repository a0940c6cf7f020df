"""Settings for every mode, read from the environment.

No ``DATABASE_URL`` means SQLite under ``var/``; no ``REDIS_URL`` means the
embedded mode (in-process channel layer, eager Celery, in-process scheduler).
The README has a table of every variable read here.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASE_URL = env_str("DATABASE_URL", "")
REDIS_URL = env_str("REDIS_URL", "")
EMBEDDED = not REDIS_URL

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])


def _secret_key():
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY must be set in service mode")

    # The embedded mode must start on a fresh machine with no configuration, so it
    # keeps a generated key beside its database instead of shipping a fixed one.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.apple",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.facebook",
    "core",
    "accounts",
    "trading",
    "portfolio",
    "mlsignals",
    "copilot",
    "investment",
    "education",
    "payments",
    "agents",
    "realtime",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestContextMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.ratelimit.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# Database -----------------------------------------------------------------------

if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a health check that needs no round trip while
        # the connection is quiet (core/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "core.postgresql"
    # Statements that core.db binds on the server are prepared once a connection
    # has run them this many times. Django turns this off for the sake of
    # transaction-mode poolers (PgBouncer); 0 turns it off here too.
    _prepare = env_int("DB_PREPARE_THRESHOLD", 2)
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        _prepare or None
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Opening SQLite and setting its pragmas costs more than most requests.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                # Writers queue on the database lock instead of failing at once, and
                # WAL lets readers go on while one thread writes.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache, channel layer, Celery ----------------------------------------------------

if EMBEDDED:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "platform",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = False
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "platform"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # The pub/sub layer: one PUBLISH per group message, which each server process
    # fans out to its own clients, suits a feed far better than per-channel queues.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TIMEZONE = "UTC"

# Periodic jobs run on the in-process scheduler when embedded and on celery beat
# otherwise; the test settings turn the in-process one off.
SCHEDULER_AUTOSTART = EMBEDDED and env_bool("SCHEDULER_ENABLED", True)

# Auth ---------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env_int("JWT_ACCESS_SECONDS", 3600)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY", SECRET_KEY),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

# Accounts: two-factor, OAuth providers, avatars ----------------------------------

OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Trading Platform")
# Each failed code doubles the wait before the next try (1 s, 2 s, 4 s...).
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_TOTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = env_int("OTP_STATIC_THROTTLE_FACTOR", 1)

# Every endpoint is a setting so that tests and staging can point them at their own
# servers. An empty client id turns the provider off (503 OAUTH_NOT_CONFIGURED).
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("OAUTH_TIMEOUT_SECONDS", 5)
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "APP": {"client_id": env_str("GOOGLE_CLIENT_ID", ""), "secret": ""},
        "JWKS_URL": env_str(
            "GOOGLE_JWKS_URL", "https://www.googleapis.com/oauth2/v3/certs"
        ),
        "ISSUER": ["https://accounts.google.com", "accounts.google.com"],
    },
    "apple": {
        "APP": {"client_id": env_str("APPLE_CLIENT_ID", ""), "secret": "", "key": ""},
        "JWKS_URL": env_str("APPLE_JWKS_URL", "https://appleid.apple.com/auth/keys"),
        "ISSUER": "https://appleid.apple.com",
    },
    "github": {
        "APP": {
            "client_id": env_str("GITHUB_CLIENT_ID", ""),
            "secret": env_str("GITHUB_CLIENT_SECRET", ""),
        },
        "TOKEN_URL": env_str(
            "GITHUB_TOKEN_URL", "https://github.com/login/oauth/access_token"
        ),
        "API_URL": env_str("GITHUB_API_URL", "https://api.github.com"),
    },
    "facebook": {
        "APP": {
            "client_id": env_str("FACEBOOK_CLIENT_ID", ""),
            "secret": env_str("FACEBOOK_CLIENT_SECRET", ""),
        },
        "GRAPH_API_URL": env_str(
            "FACEBOOK_GRAPH_API_URL", "https://graph.facebook.com/v19.0"
        ),
    },
}

AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 2 * 1024 * 1024)
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_SIDE_PIXELS = 512

# REST API -----------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, plus a check that the token's session is still open.
        "accounts.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PagePagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "core.pagination.SortFilterBackend",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "NON_FIELD_ERRORS_KEY": "nonFieldErrors",
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Trading Platform API",
    "DESCRIPTION": (
        "REST API of the trading platform. Every error answers the envelope "
        "`{error: {code, message, statusCode, timestamp, requestId, details}}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_error_responses",
    ],
    # Trading app: its order enums share field names with other components.
    "ENUM_NAME_OVERRIDES": {
        "OrderSideEnum": "trading.choices.Side",
        "OrderTypeEnum": "trading.choices.OrderType",
    },
}

# Rate limits, as "<count>/<period>" with the period in s, m, h or d.
RATE_LIMIT_ENABLED = env_bool("RATE_LIMIT_ENABLED", True)
RATE_LIMITS = {
    "general": env_str("RATE_LIMIT_GENERAL", "100/m"),
    "auth": env_str("RATE_LIMIT_AUTH", "5/m"),
    "trading": env_str("RATE_LIMIT_TRADING", "60/m"),
    "ml": env_str("RATE_LIMIT_ML", "30/m"),
}
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For is trusted.
RATE_LIMIT_TRUSTED_PROXIES = env_int("RATE_LIMIT_TRUSTED_PROXIES", 0)
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True

# CORS ---------------------------------------------------------------------------

CORS_ALLOWED_ORIGINS = env_list(
    "CORS_ALLOWED_ORIGINS", ["http://localhost:3080", "https://app.trading.com"]
)
CORS_EXPOSE_HEADERS = [
    "X-Request-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
]
CORS_ALLOW_HEADERS = [
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-request-id",
]

# Realtime feed ------------------------------------------------------------------

REALTIME_PING_INTERVAL_MS = env_int("REALTIME_PING_INTERVAL_MS", 25000)
REALTIME_PING_TIMEOUT_MS = env_int("REALTIME_PING_TIMEOUT_MS", 20000)
REALTIME_MAX_MESSAGE_BYTES = env_int("REALTIME_MAX_MESSAGE_BYTES", 65536)
REALTIME_EVENTS_PER_SECOND = env_int("REALTIME_EVENTS_PER_SECOND", 10)
REALTIME_EVENT_BURST = env_int("REALTIME_EVENT_BURST", 30)
REALTIME_MAX_SYMBOLS = env_int("REALTIME_MAX_SYMBOLS", 50)
# Most bytes that may wait, unsent, for one client that reads too slowly; past it
# the server closes that connection (4408) rather than buffer more for it.
REALTIME_MAX_BUFFERED_BYTES = env_int("REALTIME_MAX_BUFFERED_BYTES", 1024 * 1024)
REALTIME_AUTH_TIMEOUT_S = env_int("REALTIME_AUTH_TIMEOUT_S", 30)
REALTIME_PRICE_INTERVAL_S = float(env_str("REALTIME_PRICE_INTERVAL_S", "1.0"))
REALTIME_BOOK_EVERY_TICKS = env_int("REALTIME_BOOK_EVERY_TICKS", 2)
REALTIME_EMBEDDED_PUBLISHER = env_bool("REALTIME_EMBEDDED_PUBLISHER", True)

# Demo data ----------------------------------------------------------------------

DEMO_DATA = env_bool("DEMO_DATA", EMBEDDED)

# Market data (trading app) -------------------------------------------------------

# Where prices come from: simulated (deterministic model), stored (klines in the
# database) or exchange (live, through ccxt).
MARKET_DATA_SOURCE = env_str("MARKET_DATA_SOURCE", "simulated")
MARKET_EXCHANGE = env_str("MARKET_EXCHANGE", "binance")
# Empty: the exchange's own API; set it to reach a proxy or a test server.
MARKET_EXCHANGE_URL = env_str("MARKET_EXCHANGE_URL", "")
MARKET_EXCHANGE_TIMEOUT_MS = env_int("MARKET_EXCHANGE_TIMEOUT_MS", 5000)
# The recorder stores closed one-minute candles from this source every minute;
# empty leaves it off.
MARKET_RECORDER_SOURCE = env_str("MARKET_RECORDER_SOURCE", "")

# Paper exchange (trading app) ----------------------------------------------------

# What a new paper account starts with, in TRADING_QUOTE_ASSET.
TRADING_QUOTE_ASSET = env_str("TRADING_QUOTE_ASSET", "USDT")
TRADING_STARTING_BALANCE = env_str("TRADING_STARTING_BALANCE", "10000")
# Fees as fractions of the notional, charged in the quote asset (0.001 = 0.1%).
TRADING_MAKER_FEE = env_str("TRADING_MAKER_FEE", "0.001")
TRADING_TAKER_FEE = env_str("TRADING_TAKER_FEE", "0.001")
# Order book levels a market order may walk; what is left past them expires.
TRADING_BOOK_DEPTH = env_int("TRADING_BOOK_DEPTH", 100)
# Seconds between matching passes over the resting and stop orders.
TRADING_MATCH_INTERVAL_S = float(env_str("TRADING_MATCH_INTERVAL_S", "1.0"))
# How far back a pass reads one-minute candles when it does not know when the
# previous pass ran (at most 1000): a price that crossed an order and came back
# within this window still fills it.
TRADING_MATCH_LOOKBACK_MINUTES = env_int("TRADING_MATCH_LOOKBACK_MINUTES", 60)
# Most orders of one symbol that arrive together and share one transaction
# (trading.services.group_commit); 1 places every order in its own.
TRADING_ORDER_BATCH_MAX = env_int("TRADING_ORDER_BATCH_MAX", 16)

# Portfolio analytics (portfolio app) ---------------------------------------------

# Seconds between equity snapshots of every paper account (a multiple of 60: the
# snapshots sit on a grid of that step and are valued at closed 1m candles).
PORTFOLIO_SNAPSHOT_INTERVAL_S = env_int("PORTFOLIO_SNAPSHOT_INTERVAL_S", 60)
# Annual risk-free rate of the Sharpe and Sortino ratios (0.04 = 4% a year).
PORTFOLIO_RISK_FREE_RATE = env_str("PORTFOLIO_RISK_FREE_RATE", "0")
# What the performance is compared with: buying and holding this symbol.
PORTFOLIO_BENCHMARK_SYMBOL = env_str("PORTFOLIO_BENCHMARK_SYMBOL", "BTCUSDT")

# Backtests and model retraining (mlsignals app) ---------------------------------

# POST /api/ml/backtest answers the results when they are ready within this many
# seconds, otherwise 202 with a job id.
ML_BACKTEST_WAIT_SECONDS = float(env_str("ML_BACKTEST_WAIT_SECONDS", "3"))
# Most candles one backtest may read (a year of 1h candles is 8,760).
ML_BACKTEST_MAX_CANDLES = env_int("ML_BACKTEST_MAX_CANDLES", 100_000)
# Seconds between scheduled retrainings of every model (0 turns the schedule off).
ML_RETRAIN_EVERY_SECONDS = env_int("ML_RETRAIN_EVERY_SECONDS", 7 * 86400)
# A running job with no heartbeat for this long is failed by the sweeper; a
# pending one no worker started within ML_JOB_PENDING_SECONDS too.
ML_JOB_STALE_SECONDS = env_int("ML_JOB_STALE_SECONDS", 300)
ML_JOB_PENDING_SECONDS = env_int("ML_JOB_PENDING_SECONDS", 6 * 3600)
# Embedded mode: threads of the server process that run backtests and retraining.
ML_EMBEDDED_JOB_THREADS = env_int("ML_EMBEDDED_JOB_THREADS", 2)
# Service mode: the Celery queue of these jobs (empty: the default queue).
ML_JOBS_QUEUE = env_str("ML_JOBS_QUEUE", "")

# Internationalisation, static files ----------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Security -----------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Logging ------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The access log and our own 500 handler already report these.
        "django.request": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
        },
        "django.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        # A line per task run: every second for the periodic jobs.
        "celery.app.trace": {"level": env_str("CELERY_TRACE_LOG_LEVEL", "WARNING")},
    },
}
