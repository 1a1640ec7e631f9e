"""Settings for Tailor, read from environment variables.

Every integration has an embedded default so that `make run` needs no services:
SQLite, a file-based cache shared by local processes, background work in threads of the
serving process (cms.embedded) and Wagtail's database search.
Setting DATABASE_URL, REDIS_URL, CELERY_BROKER_URL or ELASTICSEARCH_URL scales
each part out independently.
"""

from datetime import timedelta
from pathlib import Path

import environ
import structlog
from django.core.exceptions import ImproperlyConfigured

from config.mail import email_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

# --- Security -----------------------------------------------------------------
DEV_SECRET_KEY = "dev-insecure-tailor-key-change-me"
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
# The development key is public. Refused here, while the settings load, rather than in a
# system check: gunicorn and Celery workers start without running system checks.
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "tailor.E001: DEBUG is off but SECRET_KEY is the development key or shorter than 32 characters. "
        "Set SECRET_KEY to a long random value in the environment."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

# --- Applications ---------------------------------------------------------------
INSTALLED_APPS = [
    "cms",
    "personalization",
    "personalization.insight",
    "search",
    "wagtail_headless_preview",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "django_celery_beat",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a refused login into the lockout page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
# SQLite by default; DATABASE_URL (postgres://...) selects PostgreSQL through psycopg 3.
VAR_DIR = BASE_DIR / "var"  # local state of the embedded default: SQLite file and media
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while its background threads write.
    # IMMEDIATE takes the write lock at BEGIN, so a transaction that read first (an outbox
    # job) waits for other writers instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

# --- Cache ---------------------------------------------------------------------
# Every process (gunicorn workers, admin, shell, Celery) must see the same cache and the
# same change stamps (config/stamps.py), else a change made in one is missed by another.
# REDIS_URL keeps both in Redis. The embedded default keeps them in files under
# SHARED_STATE_DIR, shared by the processes of one host: the stamps as tiny files read
# on each request, the cache as a file-based cache with atomic add/incr (config/file_cache.py).
# API response bodies (large, hot, keyed by the shared content generation) stay in each
# process's memory on the embedded default.
# An unreachable Redis costs one bounded timeout (no retries), then the cache is skipped
# for CACHE_RETRY_AFTER_SECONDS and the API serves uncached (config/cache.py).
REDIS_URL = env("REDIS_URL", default="")
SHARED_STATE_DIR = Path(env("SHARED_STATE_DIR", default=str(VAR_DIR / "shared")))
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.5)
if REDIS_URL:
    _redis = {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="tailor"),
        "OPTIONS": {
            "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
            "socket_timeout": CACHE_TIMEOUT_SECONDS,
            "RETRY_AFTER_SECONDS": env.float("CACHE_RETRY_AFTER_SECONDS", default=5),
        },
    }
    CACHES = {"default": _redis, "responses": _redis}
else:
    CACHES = {
        "default": {
            "BACKEND": "config.file_cache.SharedFileCache",
            "LOCATION": str(SHARED_STATE_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": env.int("SHARED_CACHE_MAX_ENTRIES", default=20_000)},
        },
        "responses": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env.int("RESPONSE_CACHE_MAX_ENTRIES", default=2_000)},
        },
    }

# --- Celery ---------------------------------------------------------------------
# Without a broker, tasks run eagerly in-process so the embedded default needs nothing else;
# outbox jobs and periodic tasks then run in threads of the serving process (OUTBOX_RUNNER).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A publish must never wait on a dead broker: every broker call is bounded.
BROKER_TIMEOUT_SECONDS = env.float("BROKER_TIMEOUT_SECONDS", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
    "max_retries": 0,
}
# How often beat relays outbox jobs that could not be handed over at commit time.
OUTBOX_RELAY_INTERVAL_SECONDS = env.int("OUTBOX_RELAY_INTERVAL_SECONDS", default=10)
# After a failed hand-over, publishes skip the broker for this long and leave it to the relay.
OUTBOX_BROKER_BACKOFF_SECONDS = env.int("OUTBOX_BROKER_BACKOFF_SECONDS", default=15)

# Who runs outbox jobs and CELERY_BEAT_SCHEDULE without a broker (cms.embedded): "thread"
# runs them in threads of each serving process, off the request; "inline" runs a job in
# the committing request (tests only). With CELERY_BROKER_URL, Celery workers and beat do.
OUTBOX_RUNNER = "celery" if CELERY_BROKER_URL else env("OUTBOX_RUNNER", default="thread")
if OUTBOX_RUNNER not in ("celery", "thread", "inline") or (OUTBOX_RUNNER == "celery") != bool(CELERY_BROKER_URL):
    raise ImproperlyConfigured(f"OUTBOX_RUNNER must be thread or inline, not {OUTBOX_RUNNER!r}.")
# Runner threads per serving process: with 2 or more, one delivers webhooks and the others
# run the rest, so a receiver hanging until its timeout holds up no cache purge.
OUTBOX_RUNNER_THREADS = env.int("OUTBOX_RUNNER_THREADS", default=2)
# The runners look for due jobs (other processes' commits, retries) this often.
OUTBOX_POLL_SECONDS = env.float("OUTBOX_POLL_SECONDS", default=2.0)
# The embedded scheduler checks this often which CELERY_BEAT_SCHEDULE entries are due.
EMBEDDED_SCHEDULER_TICK_SECONDS = env.float("EMBEDDED_SCHEDULER_TICK_SECONDS", default=1.0)
# Multiplies every retry delay of the outbox (tests shorten the schedule; 1 keeps it).
OUTBOX_RETRY_SCALE = env.float("OUTBOX_RETRY_SCALE", default=1.0)

# Scheduled publishing and expiry are checked this often (beat or the embedded scheduler).
PUBLISH_SCHEDULED_INTERVAL_SECONDS = env.float("PUBLISH_SCHEDULED_INTERVAL_SECONDS", default=60.0)

# Events are rolled up only once received this long ago: a batch's received_at is taken
# before its commit, and the aggregation watermark must not pass a batch still committing.
EVENTS_AGGREGATION_LAG_SECONDS = env.int("EVENTS_AGGREGATION_LAG_SECONDS", default=30)
# How often new events are rolled up for the dashboards (beat or the embedded scheduler).
EVENTS_AGGREGATION_SECONDS = env.float("EVENTS_AGGREGATION_SECONDS", default=60.0)
# How often experiments' daily figures are rebuilt from exposures and raw events.
EXPERIMENTS_AGGREGATION_SECONDS = env.float("EXPERIMENTS_AGGREGATION_SECONDS", default=300.0)

# Segment membership of stored profiles: changed profiles are diffed this often, every profile
# once a day (time alone moves some memberships); changes go to webhooks in batches of this size.
MEMBERSHIP_DIFF_SECONDS = env.float("MEMBERSHIP_DIFF_SECONDS", default=300.0)
MEMBERSHIP_FULL_DIFF_SECONDS = env.float("MEMBERSHIP_FULL_DIFF_SECONDS", default=86400.0)
MEMBERSHIP_WEBHOOK_BATCH = env.int("MEMBERSHIP_WEBHOOK_BATCH", default=500)

# Default retention of trait values per data category, in days (0: kept); a trait's own
# retention period overrides it. Purged hourly (personalization.traits_retention).
TRAIT_RETENTION_DAYS = {
    category: env.int(f"TRAIT_RETENTION_DAYS_{category.upper()}", default=0) or None for category in ("crm", "behaviour")
}

# Churn risk is rescored this often (beat or the embedded scheduler); from CHURN_HIGH_RISK on a
# customer counts as high risk on the admin's "At risk" page.
CHURN_SCORING_SECONDS = env.float("CHURN_SCORING_SECONDS", default=6 * 3600.0)
CHURN_HIGH_RISK = env.float("CHURN_HIGH_RISK", default=0.7)

CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "cms.relay_outbox", "schedule": OUTBOX_RELAY_INTERVAL_SECONDS},
    "publish-scheduled": {"task": "cms.publish_scheduled", "schedule": PUBLISH_SCHEDULED_INTERVAL_SECONDS},
    "aggregate-events": {"task": "personalization.aggregate_events", "schedule": EVENTS_AGGREGATION_SECONDS},
    # Day partitions of raw events made a week ahead, those past retention dropped (hourly: cheap).
    "events-partitions": {"task": "personalization.events_maintain", "schedule": 3600.0},
    "experiments-aggregate": {
        "task": "personalization.experiments_aggregate", "schedule": EXPERIMENTS_AGGREGATION_SECONDS,
    },
    "segment-membership": {"task": "personalization.membership_diff", "schedule": MEMBERSHIP_DIFF_SECONDS},
    "segment-membership-full": {"task": "personalization.membership_diff_full", "schedule": MEMBERSHIP_FULL_DIFF_SECONDS},
    # Visitors' `sentiment` trait leaves the 30-day window as feedback ages (hourly: a few rows).
    "sentiment-traits": {"task": "insight.sentiment_traits_maintain", "schedule": 3600.0},
    # Trait values past their trait's retention period removed (hourly: a day's precision is owed).
    "traits-retention": {"task": "personalization.traits_retention", "schedule": 3600.0},
    # Every customer's churn_risk recomputed with the newest model (a read of every profile: not often).
    "churn-score": {"task": "personalization.churn_score", "schedule": CHURN_SCORING_SECONDS},
}

# Wagtail's own background work (search indexing, reference index, focal points)
# goes through the same durable outbox as ours.
TASKS = {"default": {"BACKEND": "cms.outbox.backend.OutboxTaskBackend"}}

# --- Search ---------------------------------------------------------------------
# Wagtail's database backend (SQLite FTS5 or PostgreSQL full text, by DATABASE_URL) unless
# ELASTICSEARCH_URL names a cluster (search/backends.py). Index updates go through the
# outbox either way (search/indexing.py), so an unreachable cluster never slows a publish.
from search.backends import search_backends  # noqa: E402  (pure data: no Django imports)

ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", default="")
# Seconds an index update or a search may wait on the cluster; /readyz waits less.
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=2.0)
ELASTICSEARCH_READY_TIMEOUT = env.float("ELASTICSEARCH_READY_TIMEOUT", default=0.5)
WAGTAILSEARCH_BACKENDS = search_backends(
    elasticsearch_url=ELASTICSEARCH_URL,
    index_prefix=env("ELASTICSEARCH_INDEX", default="tailor"),
    timeout=ELASTICSEARCH_TIMEOUT,
    language_code=env("ELASTICSEARCH_LANGUAGE", default="en"),  # the analyzer of the content's main language
)
# How often the reconciler compares what is live with what the index holds and repairs it.
SEARCH_RECONCILE_SECONDS = env.float("SEARCH_RECONCILE_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE["search-reconcile"] = {"task": "search.reconcile", "schedule": SEARCH_RECONCILE_SECONDS}

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request without it
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- E-mail (approval requests and outcomes): see config/mail.py ----------------
globals().update(email_settings(env, VAR_DIR))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="tailor@localhost")
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- Wagtail --------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Tailor"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "cms.CustomImage"
# Uploads are bounded in bytes and in decoded pixels (decompression bombs), and
# restricted to raster formats Pillow decodes safely: no SVG.
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env.int("IMAGE_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
WAGTAILIMAGES_MAX_IMAGE_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# Counts pixels from the header, so a bomb is refused with a form error before decoding.
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.forms.ImageForm"
WAGTAILDOCS_MAX_UPLOAD_SIZE = env.int("DOCUMENT_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# Documents always go through Wagtail's serve view, which applies collection privacy; never a
# direct storage URL. MEDIA_URL serves only images, through cms.media, which checks the same.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# How long browsers and CDNs may keep a public image file (renditions and originals).
MEDIA_CACHE_SECONDS = env.int("MEDIA_CACHE_SECONDS", default=300)
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
# Autosave is off by default: a submit pressed while an autosave is in flight can fail
# ("slug already in use") or error, losing the editor's submission. ADMIN_AUTOSAVE_MS turns it on.
WAGTAIL_AUTOSAVE_INTERVAL = env.int("ADMIN_AUTOSAVE_MS", default=0)
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# No editor email hashes sent to gravatar.com; the admin shows initials instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cms.api.problems.problem_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["cms.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["cms.api.auth.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tailor delivery API",
    "VERSION": "2.0.0",
    "DESCRIPTION": (
        "Headless delivery of Tailor's content, compatible with Wagtail's API v2. Every endpoint "
        "needs a channel's API key (`Authorization: Bearer <key>`); errors are problem details."
    ),
    # cms.api.schema describes the delivery viewsets; the admin's own API is not part of it.
    "PREPROCESSING_HOOKS": ["cms.api.schema.delivery_endpoints_only"],
    "POSTPROCESSING_HOOKS": [],
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ works offline: Swagger UI's assets come from drf-spectacular-sidecar, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
INSTALLED_APPS += ["drf_spectacular_sidecar"]  # the docs' static assets
# CORS: origins come from each channel's settings (cms.api.cors), never a global wildcard.
CORS_ALLOW_ALL_ORIGINS = False
CORS_URLS_REGEX = r"^/api/.*$"
# The visitor's context headers (personalization.request_context.CONTEXT_HEADERS; a test keeps them in step).
CORS_ALLOW_HEADERS = [
    "authorization", "content-type", "if-none-match",
    "x-visitor-id", "x-consent", "x-country", "x-region", "x-device", "x-referrer", "x-timezone", "x-locale",
    "accept-language",
]
CORS_EXPOSE_HEADERS = ["ETag", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"]

# --- Logging --------------------------------------------------------------------
# LOG_FORMAT=json prints one JSON object per line for log shippers.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.processors.JSONRenderer(),
            "foreign_pre_chain": [
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Wagtail logs every page edit at INFO; the audit log already records them.
    # django-axes logs every start and failed login at INFO; lockouts are WARNING.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Passwords and logins ------------------------------------------------------
# django-axes refuses logins (admin and django-admin) for a username from an address after
# LOGIN_FAILURE_LIMIT wrong passwords, for LOGIN_COOLOFF_MINUTES, even with the right password.
# The delivery API authenticates by key, never through Django's login, and is not affected.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("LOGIN_THROTTLING", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_COOLOFF_MINUTES", default=15))
# Per username and address: a guesser cannot lock an editor out from everywhere, and one
# address cannot try many passwords on one account. The address is REMOTE_ADDR: behind a
# reverse proxy that is the proxy's, so the lockout is then per username.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cms.login_lockout.lockout_response"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Delivery API ---------------------------------------------------------------
API_LIMIT_MAX = env.int("API_LIMIT_MAX", default=100)
API_OFFSET_MAX = env.int("API_OFFSET_MAX", default=10_000)
API_FIELDS_MAX_DEPTH = 3
# Cached response bodies live this long at most; any content change invalidates them at once.
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=3600)
# Requests per key per window; a burst past it answers 429 with Retry-After.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=1200)
API_RATE_WINDOW_SECONDS = env.int("API_RATE_WINDOW_SECONDS", default=60)
# While the cache is unreachable requests cannot be counted: "open" serves them unlimited,
# "closed" answers 503 with Retry-After.
API_RATE_LIMIT_ON_CACHE_ERROR = env("API_RATE_LIMIT_ON_CACHE_ERROR", default="open")
if API_RATE_LIMIT_ON_CACHE_ERROR not in ("open", "closed"):
    raise ImproperlyConfigured("API_RATE_LIMIT_ON_CACHE_ERROR must be open or closed")
# The search API: longest query accepted (a longer one is a 400), longest suggest prefix, and
# how long clients are told to wait when the search backend cannot answer (a 503).
SEARCH_QUERY_MAX_LENGTH = env.int("SEARCH_QUERY_MAX_LENGTH", default=200)
SEARCH_SUGGEST_MAX_LENGTH = env.int("SEARCH_SUGGEST_MAX_LENGTH", default=100)
SEARCH_RETRY_AFTER_SECONDS = env.int("SEARCH_RETRY_AFTER_SECONDS", default=30)
# A visit ends this long after it started; the visits a process counted reach the stored
# profiles in batches at most this often.
VISIT_WINDOW_SECONDS = env.int("VISIT_WINDOW_SECONDS", default=30 * 60)
VISIT_FLUSH_SECONDS = env.float("VISIT_FLUSH_SECONDS", default=5.0)
# Personalised bodies the API serves are counted per process (no I/O on the request) and
# added to ServedImpression by a thread of each serving process this often, and at exit.
# IMPRESSIONS_COUNTING=0 turns the counting off (reach then comes from frontend events only).
IMPRESSIONS_FLUSH_SECONDS = env.float("IMPRESSIONS_FLUSH_SECONDS", default=5.0)
if IMPRESSIONS_FLUSH_SECONDS <= 0:
    raise ImproperlyConfigured("IMPRESSIONS_FLUSH_SECONDS must be a positive number of seconds")
IMPRESSIONS_COUNTING = env.bool("IMPRESSIONS_COUNTING", default=True)
# The share of visitors (by a sticky hash of their id) who get default content everywhere and take
# part in no experiment, so the lift of personalisation as a whole can be measured against them.
PERSONALIZATION_GLOBAL_HOLDOUT = env.float("PERSONALIZATION_GLOBAL_HOLDOUT", default=0.0)
if not 0 <= PERSONALIZATION_GLOBAL_HOLDOUT < 1:
    raise ImproperlyConfigured("PERSONALIZATION_GLOBAL_HOLDOUT must be a share in [0, 1)")
# Server-side exposures a process buffers before the flusher writes them; past it new ones wait for the next flush.
EXPOSURES_BUFFER_MAX = env.int("EXPOSURES_BUFFER_MAX", default=100_000)

# --- Events (POST /api/v2/events/) -----------------------------------------------
# A batch holds at most this many events and this many bytes of JSON (413 past either).
EVENTS_MAX_BATCH = env.int("EVENTS_MAX_BATCH", default=500)
EVENTS_MAX_BODY_BYTES = env.int("EVENTS_MAX_BODY_BYTES", default=1024 * 1024)
# Feedback (personalization.insight): a batch of POST /api/v2/feedback/.
FEEDBACK_MAX_BATCH = env.int("FEEDBACK_MAX_BATCH", default=500)
FEEDBACK_MAX_BODY_BYTES = env.int("FEEDBACK_MAX_BODY_BYTES", default=2 * 1024 * 1024)
# An event's timestamp must lie within [now - past, now + future] by the server's clock: older
# reports would land in days already aggregated, later ones come from a client clock gone wrong.
EVENTS_PAST_WINDOW_SECONDS = env.int("EVENTS_PAST_WINDOW_SECONDS", default=7 * 24 * 3600)
EVENTS_FUTURE_WINDOW_SECONDS = env.int("EVENTS_FUTURE_WINDOW_SECONDS", default=300)
# Raw events are kept this many days (whole day partitions dropped on PostgreSQL); rollups stay.
EVENTS_RETENTION_DAYS = env.int("EVENTS_RETENTION_DAYS", default=90)
if EVENTS_RETENTION_DAYS * 86400 <= EVENTS_PAST_WINDOW_SECONDS:
    raise ImproperlyConfigured("EVENTS_RETENTION_DAYS must outlast EVENTS_PAST_WINDOW_SECONDS.")

# Frontend preview: where the admin sends editors, and how long a preview token lives.
WAGTAIL_HEADLESS_PREVIEW = {"CLIENT_URLS": {"default": env("PREVIEW_CLIENT_URL", default="http://localhost:3000/preview")}}
PREVIEW_TOKEN_MAX_AGE = env.int("PREVIEW_TOKEN_MAX_AGE", default=3600)
