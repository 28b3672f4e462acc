"""Settings shared by every environment; values come from the environment (see docs/settings.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("TIPLINE_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The admin, as config.admin_site.StaffAdminSite: two factors for every staff login.
    "config.apps.TiplineAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "reporting",
    "triage",
    "handoff",
    "bots",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],  # the admin's first page
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
]

# --- Data -----------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tipline.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share the file: WAL and immediate transactions avoid "locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tipline",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Attachments never live under a public URL: they are served only through views that check
# who is asking. Uploads wait in quarantine until a worker has re-encoded them.
ATTACHMENTS_ROOT = VAR_DIR / "attachments"
QUARANTINE_ROOT = VAR_DIR / "quarantine"
# Campaign images are public once their campaign is, but still only through a view that checks
# it is (campaigns.views.campaign_image, at the base_url below); names are random.
CAMPAIGN_IMAGES_ROOT = VAR_DIR / "campaign-images"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(ATTACHMENTS_ROOT)},
    },
    "quarantine": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(QUARANTINE_ROOT)},
    },
    "campaign_images": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(CAMPAIGN_IMAGES_ROOT), "base_url": "/campaign-images/"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Languages ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("ar", "العربية"),
    ("pt", "Português"),
    ("ru", "Русский"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# The languages the offline detector may answer with; a subset of LANGUAGES in small
# deployments keeps detection fast and avoids confusing close languages nobody writes in.
TIPLINE_DETECTION_LANGUAGES = env_list("TIPLINE_DETECTION_LANGUAGES", [c for c, _ in LANGUAGES])

# --- Reporter privacy -----------------------------------------------------------------------
# Key for pseudonymous look-ups (HMAC of platform ids and client addresses). Changing it
# detaches every reporter from their platform account, so it is its own secret.
TIPLINE_HMAC_KEY = env_str("TIPLINE_HMAC_KEY")
# Fernet keys (comma-separated, newest first) that encrypt reply handles at rest.
TIPLINE_HANDLE_KEYS = env_list("TIPLINE_HANDLE_KEYS", [])
# Receipts: scrypt cost (n; r=8). 2**10 (about 3 ms, 1 MiB) keeps intake within its budget; the
# receipt's 53 random bits and the HMAC pepper, not the work factor, carry the weight.
TIPLINE_RECEIPT_SCRYPT_N = env_int("TIPLINE_RECEIPT_SCRYPT_N", 2**10, minimum=2**10)

# --- Intake limits --------------------------------------------------------------------------
TIPLINE_TIP_MIN_CHARS = 10
TIPLINE_TIP_MAX_CHARS = 5000
TIPLINE_MAX_PHOTOS = 5
TIPLINE_MAX_PHOTO_BYTES = env_int("TIPLINE_MAX_PHOTO_BYTES", 10 * 1024 * 1024, minimum=1024)
TIPLINE_MAX_PHOTO_PIXELS = env_int("TIPLINE_MAX_PHOTO_PIXELS", 40_000_000, minimum=10_000)
TIPLINE_MAX_MESSAGE_CHARS = 2000
# Requests larger than this never reach a view (5 photos at the cap plus the form).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
if not CELERY_BROKER_URL:
    # The embedded default: kombu's filesystem transport needs no server, and a real worker
    # process consumes from it.
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # The exchange tables too: kombu's default is "control/" in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task not acknowledged within this time is delivered again (acks are late).
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
        # How often a worker looks for such tasks (a task of a killed worker waits at most
        # visibility timeout + this long).
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_SECONDS", 60, minimum=1),
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# A task is acknowledged only after it finished, and delivered again if its worker died:
# every task is idempotent, so running twice is safe and dropping one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Triage: a worker claims waiting tips in batches of up to this many (one model pass, a few
# queries per batch; triage.queue). Bigger batches spread each batch's fixed cost thinner
# (bench/triage.py (a): about 680 tips/s with 100, 760 with 200); an idle worker still starts
# on a single tip at once.
TIPLINE_TRIAGE_BATCH = env_int("TIPLINE_TRIAGE_BATCH", 200, minimum=1)
# Tasks are long (a batch) and acknowledged late: a pool process takes one at a time, and a
# worker holds no more than it can start, leaving the rest to other workers.
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 1, minimum=1)
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-untriaged-tips": {
        "task": "triage.tasks.sweep_untriaged_tips",
        "schedule": timedelta(seconds=30),
    },
    "purge-expired-tips": {
        "task": "triage.tasks.purge_expired_tips",
        "schedule": crontab(hour=3, minute=23),
    },
    "purge-stale-quarantine": {
        "task": "reporting.tasks.purge_stale_quarantine",
        "schedule": crontab(minute=17),
    },
    "sweep-undelivered": {
        "task": "reporting.tasks.sweep_undelivered",
        "schedule": timedelta(minutes=1),
    },
    "start-scheduled-broadcasts": {
        "task": "campaigns.tasks.start_scheduled_broadcasts",
        "schedule": timedelta(minutes=1),
    },
    "purge-telegram-updates": {
        "task": "bots.tasks.purge_telegram_updates",
        "schedule": crontab(minute=41),
    },
}
# A tip still "received" this long after arriving is enqueued again by the sweeper.
TIPLINE_TRIAGE_SWEEP_AFTER = timedelta(seconds=env_int("TIPLINE_TRIAGE_SWEEP_AFTER", 60, minimum=1))
# A tip a step failed on is tried again on its own this long after the failure (until it works;
# each failure is logged with its traceback).
TIPLINE_TRIAGE_RETRY_FAILED_AFTER = timedelta(seconds=env_int("TIPLINE_TRIAGE_RETRY_FAILED_AFTER", 600, minimum=1))

# Retraining (triage.retraining): a candidate classifier every this many hours (0: only when a
# supervisor asks), and the most seconds one training may take before the sweeper retries it.
TIPLINE_RETRAIN_EVERY_HOURS = env_int("TIPLINE_RETRAIN_EVERY_HOURS", 0, minimum=0)
TIPLINE_RETRAIN_TIME_LIMIT = env_int("TIPLINE_RETRAIN_TIME_LIMIT", 1800, minimum=120)
CELERY_BEAT_SCHEDULE["sweep-retraining"] = {"task": "triage.tasks.sweep_retraining", "schedule": timedelta(minutes=5)}
if TIPLINE_RETRAIN_EVERY_HOURS:
    CELERY_BEAT_SCHEDULE["scheduled-retraining"] = {
        "task": "triage.tasks.scheduled_retraining", "schedule": timedelta(hours=TIPLINE_RETRAIN_EVERY_HOURS),
    }

# --- Triage ---------------------------------------------------------------------------------
# Trained classifiers live here, one directory per version (ClassifierVersion.path is relative).
TIPLINE_MODELS_DIR = Path(env_str("TIPLINE_MODELS_DIR", str(VAR_DIR / "models")))
# Vehicle plate formats (regular expressions, matched on word boundaries; in the environment,
# separated by ";" since patterns contain commas).
# Deployments add their countries' formats; the defaults cover common EU, Latin American,
# Russian and Arabic-region shapes.
TIPLINE_PLATE_PATTERNS = env_list(
    "TIPLINE_PLATE_PATTERNS",
    [
        r"[A-Z]{2}[- ]?\d{3}[- ]?[A-Z]{2}",  # FR/IT: AB-123-CD
        r"\d{4}[- ]?[A-Z]{3}",  # ES: 1234 ABC
        r"[A-Z]{3}[- ]?\d[A-Z0-9]\d{2}",  # BR Mercosul / old: ABC1D23, ABC-1234
        r"[A-Z]{3}[- ]?\d{3}[- ]?[A-Z]",  # MX: ABC-123-D
        r"[A-Z]{2,3}[- ]?\d{3,4}",  # generic: AB 1234, ABC 123
        r"[АВЕКМНОРСТУХ]\d{3}[АВЕКМНОРСТУХ]{2}[ ]?\d{2,3}",  # RU: А123ВС 77
    ],
    separator=";",
)
# Duplicate detection: how far back to look for candidates (the decision's own limits are named
# in triage/dedupe/decision.py).
TIPLINE_DEDUP_WINDOW_DAYS = env_int("TIPLINE_DEDUP_WINDOW_DAYS", 30, minimum=1)
# A tip rejected, handed off or closed this long ago is deleted with all that came from it
# (triage.retention, every night).
TIPLINE_RETENTION_DAYS = env_int("TIPLINE_RETENTION_DAYS", 365, minimum=1)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["reporting.throttles.PseudonymousClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "client": env_str("TIPLINE_API_RATE", "60/minute"),
        "receipt": env_str("TIPLINE_RECEIPT_RATE", "20/hour"),
    },
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tipline API",
    "DESCRIPTION": "Anonymous tip intake and status for residents and their apps.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Staff sessions end after an hour without a request (saved on every request, so the hour is
# counted from the last one) and when the browser closes.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 3600, minimum=300)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Two factors for every staff account: the admin is django-otp's OTPAdminSite (config/urls.py).
OTP_TOTP_ISSUER = "Tipline"
# Failed logins are counted per username in the cache (no table of client addresses), and
# the log lines name the username only (config/security.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = env_int("TIPLINE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TIPLINE_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_STR_CALLABLE = "config.security.login_client_str"
AXES_CLIENT_IP_CALLABLE = "config.security.no_client_ip"
# axes.W006 asks to lock out by address too; Tipline keeps no client address, on purpose.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
X_FRAME_OPTIONS = "DENY"
# "same-origin", not "no-referrer": with no-referrer Chromium sends "Origin: null" on form
# posts and CSRF checks refuse every report. Other sites still learn nothing.
SECURE_REFERRER_POLICY = "same-origin"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Handoff (docs/handoff.md) ----------------------------------------------------------------
# Where agencies reach photo links and the status API from; no trailing slash.
TIPLINE_PUBLIC_URL = env_str("TIPLINE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
TIPLINE_HANDOFF_MAX_ATTEMPTS = env_int("TIPLINE_HANDOFF_MAX_ATTEMPTS", 6, minimum=1)
# Waits between attempts double from this: 30 s, 1 min, 2 min, 4 min, 8 min by default.
TIPLINE_HANDOFF_RETRY_BASE_SECONDS = float(env_str("TIPLINE_HANDOFF_RETRY_BASE_SECONDS", "30"))
TIPLINE_HANDOFF_PHOTO_LINK_TTL = env_int("TIPLINE_HANDOFF_PHOTO_LINK_TTL", 7 * 24 * 3600, minimum=60)

# --- Telegram (docs/bot.md) -------------------------------------------------------------------
# No token: no bot, and nothing is sent to Telegram.
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "")
# Telegram sends it in X-Telegram-Bot-Api-Secret-Token; the webhook refuses calls without it.
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET", "")
# The public address of POST /telegram/webhook/; `runbot` registers it with setWebhook.
TELEGRAM_WEBHOOK_URL = env_str("TELEGRAM_WEBHOOK_URL", "")
# Telegram's own by default; tests and benchmarks point it at a stand-in on loopback.
TELEGRAM_API_BASE_URL = env_str("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/")
# The bot's @username, for deep links on campaign pages (t.me/<username>?start=<code>).
TELEGRAM_BOT_USERNAME = env_str("TELEGRAM_BOT_USERNAME", "")
# Telegram's limits: about 30 messages a second overall and one a second per chat.
TELEGRAM_MESSAGES_PER_SECOND = env_int("TELEGRAM_MESSAGES_PER_SECOND", 30, minimum=1)
# Stored updates are kept (payload emptied) this long, so Telegram's retries stay no-ops.
TELEGRAM_UPDATE_RETENTION = timedelta(days=env_int("TELEGRAM_UPDATE_RETENTION_DAYS", 7, minimum=1))
# A broadcast row claimed this long ago by a worker that died is counted as sent, never resent.
TIPLINE_BROADCAST_STALE_SECONDS = env_int("TIPLINE_BROADCAST_STALE_SECONDS", 30, minimum=1)
# Unfinished report drafts are deleted after this long.
TELEGRAM_DRAFT_RETENTION = timedelta(days=env_int("TELEGRAM_DRAFT_RETENTION_DAYS", 3, minimum=1))

# --- Logging --------------------------------------------------------------------------------
# No handler here formats a client address: the request log lines name method, path and status.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "filters": {"withhold_telegram": {"()": "config.logging_filters.WithholdTelegramObjects"}},
    "loggers": {
        # httpx logs every request URL at INFO, and Telegram's URLs contain the bot token.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # python-telegram-bot's DEBUG lines carry chat ids and message text, whatever LOG_LEVEL says.
        "telegram": {"level": "INFO"},
        "telegram.ext.Application": {"filters": ["withhold_telegram"]},
        "fontTools": {"level": "WARNING"},  # a line per table of every PDF export otherwise
    },
}

