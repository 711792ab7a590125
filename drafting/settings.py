"""Settings for drafting, read from the environment.

Only four variables matter for a laptop: DATABASE_URL, SECRET_KEY, DEBUG and
ALLOWED_HOSTS. Everything else has a sensible default.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from drafting.serving import trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=1 for development."
        )
    # Development only: never used when DEBUG is off.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
# Proxy, cookie and header settings are in the "Security" section at the end.

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "drafting",
]

MIDDLEWARE = [
    # First: forwarded headers from a peer that is not a trusted proxy are dropped.
    "drafting.security.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in person's profile, delegation and unread notifications: one query.
    "drafting.reads.notifications.PersonMiddleware",
    # Signed-in pages are never stored by a browser or proxy (security.py).
    "drafting.security.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "drafting.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "drafting.middleware.ContentSecurityPolicyMiddleware",
    "drafting.middleware.BadInputMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the logged-in user on every history row written during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a lock-out flagged during authentication into the cool-off page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "drafting.urls"
WSGI_APPLICATION = "drafting.wsgi.application"

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
                # Text kept from a form posted after the session expired (base.html).
                "drafting.kept_text.offers",
                # The header's "People" link for the secretariat (views/accounts.py).
                "drafting.views.accounts.account_links",
                # The header's unread notifications count (views/notifications.py).
                "drafting.views.notifications.unread_badge",
            ],
        },
    }
]


def database_from_env(url: str | None) -> dict:
    """DATABASE_URL -> Django DATABASES['default']; SQLite file by default.

    SQLite is tuned for several writers: WAL lets readers work while one
    process writes, IMMEDIATE transactions take the write lock up front (so two
    writers queue instead of failing on lock upgrade), and the timeout makes a
    writer wait for the lock rather than error out.
    """
    config = dj_database_url.parse(url or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        config.setdefault("CONN_MAX_AGE", 60)
        config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


DATABASES = {"default": database_from_env(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic gathers the files WhiteNoise serves (a writable path in containers).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
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

# The cache every process shares: a table in the database (created by migration
# 0007), so per-user rates (drafting.limits) hold across gunicorn workers and hosts
# without another service. drafting.cache adds an atomic, expiry-keeping incr to
# Django's DatabaseCache. MAX_ENTRIES is far above what the rate counters need
# (a few per active user): culling would forget counters early.
CACHES = {
    "default": {
        "BACKEND": "drafting.cache.DatabaseCache",
        "LOCATION": "drafting_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "drafting:home"
LOGOUT_REDIRECT_URL = "login"

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True
# Reconstruction asks "latest row of object X at or before time T": index both.
SIMPLE_HISTORY_DATE_INDEX = "composite"

# Everything goes to standard output, where the process manager collects it;
# security events (drafting.security) are one key=value line each.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "drafting.security": {"level": "INFO"},
        # axes repeats what drafting.security already says, in its own words.
        "axes": {"level": "WARNING"},
    },
}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto: https`` (or ``HTTP_X_FORWARDED_PROTO,https``) -> Django's tuple."""
    value = value.strip()
    if not value:
        return None
    name, sep, expected = value.replace(",", ":", 1).partition(":")
    name, expected = name.strip(), expected.strip()
    if not sep or not name or not expected:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https'."
        )
    meta = name.upper().replace("-", "_")
    return (meta if meta.startswith("HTTP_") else f"HTTP_{meta}", expected)


# --- Security ----------------------------------------------------------------
# Production is DEBUG off. Values an operator may need to change come from the
# environment; README "Deploying" lists them.

# Behind a TLS-terminating proxy: the header it sets, e.g. "X-Forwarded-Proto: https",
# and the origins the browser sees, e.g. "https://drafting.example.org".
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The reverse proxies in front of the application (addresses or networks, e.g.
# "127.0.0.1"). Only from these peers are X-Forwarded-For (the client address in
# logs and log-in throttling) and the https header believed; the same list is
# gunicorn's --forwarded-allow-ips (drafting.serving). Empty: the socket's peer.
TRUSTED_PROXIES = trusted_proxies(os.environ.get("TRUSTED_PROXIES", ""))
if env_int("TRUSTED_PROXY_COUNT", 0):
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is no longer read: set TRUSTED_PROXIES to your proxies' "
        "addresses instead (e.g. TRUSTED_PROXIES=127.0.0.1), and unset TRUSTED_PROXY_COUNT."
    )
if SECURE_PROXY_SSL_HEADER and not TRUSTED_PROXIES:
    # The header is believed only from trusted proxies (security.ForwardedHeadersMiddleware);
    # without any, every request would look like plain HTTP (a redirect loop behind TLS).
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER is set but TRUSTED_PROXIES is not: set TRUSTED_PROXIES to "
        "the address of the proxy that sets the header (e.g. 127.0.0.1)."
    )

# Off by default so that plain-HTTP test clients and health checks work; the
# production environment sets it (or the proxy redirects port 80 itself).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Sent only on HTTPS responses, so harmless until the site is served over TLS.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Asking browsers to preload the domain is its owner's decision, made once
    # for the whole domain, not the application's; the check would nag forever.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cookies: HTTPS-only in production. Django's test client ignores the flag and
# Chromium accepts Secure cookies from http://localhost, so tests run as in production.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "drafting.views.errors.csrf_failure"

# Sessions live in the database (shared by every process). Idle for
# SESSION_IDLE_MINUTES -> logged out; never longer than SESSION_MAX_HOURS in all.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 60) * 60
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 12) * 3600

# Login throttling (django-axes, records in the database): after
# LOGIN_FAILURE_LIMIT failures for one username from one address, that pair
# waits LOGIN_COOLOFF_MINUTES, counted from the failure that caused it (further
# attempts meanwhile do not extend it); then it may try again. Never a permanent
# lock-out, and one attacker cannot lock a colleague out from elsewhere.
# A browser someone has logged in from holds a signed device cookie (OWASP's
# "device cookies"): that person's attempts from it are counted for that browser
# alone, so failures by someone else at the same address (meeting Wi-Fi) do not
# lock them out (drafting.security.DeviceAwareAxesHandler).
AUTHENTICATION_BACKENDS = [
    "drafting.security.ThrottledLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "drafting.security.DeviceAwareAxesHandler"
AXES_LOCKOUT_CALLABLE = "drafting.security.locked_out"
AXES_CLIENT_IP_CALLABLE = "drafting.security.client_ip"
AXES_USERNAME_CALLABLE = "drafting.security.login_username"
AXES_VERBOSE = False
LOGIN_DEVICE_COOKIE_NAME = "drafting_device"
LOGIN_DEVICE_COOKIE_AGE = env_int("LOGIN_DEVICE_DAYS", 180) * 86400

# --- Limits (drafting.limits; README "Configuration") -------------------------
# Per-user rates for the requests that create things, counted in the shared cache
# above: "N/period" with period s, m, h or d (e.g. "60/h", "120/m", "500/2h"), or
# "off". Far above a real drafting day; the secretariat's bulk work gets
# DRAFTING_SECRETARIAT_RATE_FACTOR times as much.
_RATE = re.compile(r"^\d+/\d*[smhd]$")


def env_rate(name: str, default: str) -> str | None:
    value = os.environ.get(name, "").strip() or default
    if value.lower() == "off":
        return None
    if not _RATE.match(value):
        raise ImproperlyConfigured(
            f"{name} must look like '60/h' (a number, '/', then s, m, h or d) or 'off', "
            f"not {value!r}."
        )
    return value


DRAFTING_RATES = {
    "practices": env_rate("DRAFTING_RATE_PRACTICES", "60/h"),
    "sections": env_rate("DRAFTING_RATE_SECTIONS", "30/h"),
    "amendments": env_rate("DRAFTING_RATE_AMENDMENTS", "60/h"),
    "comments": env_rate("DRAFTING_RATE_COMMENTS", "120/h"),
    "previews": env_rate("DRAFTING_RATE_PREVIEWS", "120/m"),
    "meetings": env_rate("DRAFTING_RATE_MEETINGS", "30/h"),
    "versions": env_rate("DRAFTING_RATE_VERSIONS", "30/h"),
    # Saves of practice and section texts and practice moves: each is a history row
    # kept for ever, so a script saving 20,000-character bodies in a loop is stopped.
    "edits": env_rate("DRAFTING_RATE_EDITS", "300/h"),
    # People (issue 12): invitations the secretariat sends (times the factor below), and
    # "forgot password" e-mails asked for, counted per client address and per address typed.
    "invitations": env_rate("DRAFTING_RATE_INVITATIONS", "30/h"),
    "password_resets": env_rate("DRAFTING_RATE_PASSWORD_RESETS", "5/h"),
}
DRAFTING_SECRETARIAT_RATE_FACTOR = env_int("DRAFTING_SECRETARIAT_RATE_FACTOR", 10)
# Size of one document, refused in words by the actions that add to it.
DRAFTING_MAX_PRACTICES_PER_DOCUMENT = env_int("DRAFTING_MAX_PRACTICES_PER_DOCUMENT", 1000)
DRAFTING_MAX_SECTIONS_PER_DOCUMENT = env_int("DRAFTING_MAX_SECTIONS_PER_DOCUMENT", 200)
# Characters in all headings, texts, titles and introductions of one document.
DRAFTING_MAX_DOCUMENT_CHARACTERS = env_int("DRAFTING_MAX_DOCUMENT_CHARACTERS", 2_000_000)
# The largest Word or Markdown draft the import accepts (drafting/imports/reader.py).
DRAFTING_MAX_UPLOAD_BYTES = env_int("DRAFTING_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# pandoc reading an import is stopped past these (crafted files can take pathological
# time and memory; pandoc's manual, "A note on security"); below gunicorn's timeout.
DRAFTING_IMPORT_TIMEOUT_SECONDS = env_int("DRAFTING_IMPORT_TIMEOUT_SECONDS", 30)
DRAFTING_IMPORT_PANDOC_MEMORY_MB = env_int("DRAFTING_IMPORT_PANDOC_MEMORY_MB", 1024)

# --- Exports -----------------------------------------------------------------
# A PDF is typeset in a child process (its memory leaves with it) at lower CPU
# priority, within a time limit; PDFs and large Word files are made by jobs
# (drafting/export/jobs.py), at most EXPORT_MAX_RUNNING at once on the whole
# site, while the person waits on a page that shows progress. Finished files are
# kept in the "exports" cache, keyed by a digest of the text they hold, so the
# same text is never typeset twice. README "Deploying" explains the figures.
EXPORT_TYPESET_IN_CHILD = True
EXPORT_TIMEOUT_SECONDS = env_int("EXPORT_TIMEOUT_SECONDS", 300)
EXPORT_NICE = env_int("EXPORT_NICE", 10)
EXPORT_MAX_RUNNING = env_int("EXPORT_MAX_RUNNING", max(1, (os.cpu_count() or 2) // 2))
# Word files of more practices than this are made by a job too (PDFs always are).
EXPORT_DIRECT_MAX_PRACTICES = env_int("EXPORT_DIRECT_MAX_PRACTICES", 200)
# A running job that has not shown a sign of life for this long lost its process.
EXPORT_JOB_STALE_SECONDS = env_int("EXPORT_JOB_STALE_SECONDS", 30)
# ... and goes back to the queue until it has been started this many times.
EXPORT_JOB_ATTEMPTS = env_int("EXPORT_JOB_ATTEMPTS", 2)
# Exports one person may have waiting or being made at once (others are refused in words).
EXPORT_JOBS_PER_USER = env_int("EXPORT_JOBS_PER_USER", 3)
# "thread": a job runs in a thread of the web process that starts it (the typesetting
# in its child process); "inline": within the request (tests, where threads cannot
# see the test's transaction).
EXPORT_JOBS_RUN = os.environ.get("EXPORT_JOBS_RUN", "thread")
EXPORT_CACHE_DIR = Path(os.environ.get("EXPORT_CACHE_DIR") or BASE_DIR / "export-cache")
CACHES["exports"] = {
    # Files on disk: shared by every process on the host and bounded in number
    # (a 400-practice PDF is about 1 MB). Several hosts: a shared directory.
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(EXPORT_CACHE_DIR),
    "TIMEOUT": env_int("EXPORT_CACHE_SECONDS", 7 * 86400),
    "OPTIONS": {"MAX_ENTRIES": env_int("EXPORT_CACHE_MAX_FILES", 200), "CULL_FREQUENCY": 4},
}

# --- E-mail (issue 12: invitations and password links) -----------------------------------------
# Development (DEBUG, `make run`) prints every message on the console, so a newcomer sees
# the invitation; production sends through SMTP configured here. EMAIL_BACKEND overrides
# either (e.g. django.core.mail.backends.filebased.EmailBackend with EMAIL_FILE_PATH).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both set: choose one (TLS for port 587, SSL for 465)."
    )
# A mail server that does not answer must not hold a web worker for long.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
if os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "drafting@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# How long an invitation's or a reset's set-password link works (Django's token).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_LINK_HOURS", 72) * 3600

# --- Notifications (issue 15) ------------------------------------------------------------------
# Queued by the actions, sent by `manage.py send_notifications` (README "Notifications").
# Links in e-mails start with SITE_URL: the address people reach the site at.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/") or (
    f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS and not DEBUG else "http://127.0.0.1:8000"
)
# The daily digest leaves at the first run of the sender from this hour (TIME_ZONE).
NOTIFICATION_DIGEST_HOUR = env_int("NOTIFICATION_DIGEST_HOUR", 7)
