"""prize-vote settings, read from the environment.

With nothing set, this is the embedded default for a local run: SQLite, a
local-memory cache, e-mail printed to the console and DEBUG on. Setting
``DJANGO_ENV=production`` switches to the production profile, which refuses to
start without its secrets. ``.env.example`` lists every variable, and
docker-compose passes each of them to every app service
(tests/test_configuration.py checks both against what this module reads).
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logs import log_format

BASE_DIR = Path(__file__).resolve().parent.parent


class Env(environ.Env):
    """django-environ's typed reads (``env.bool``, ``env.int``, ``env.list``,
    ``env.db``), by three rules of this app:

    - Unset and empty are the same, and give the default: docker-compose
      passes every variable it lists, empty where .env leaves it out, and the
      default is written here only.
    - A switch is true/false, 1/0, yes/no or on/off, in any case, the same for
      every switch; anything else stops the app instead of meaning "off".
    - A value is read as it is. django-environ would take one that starts
      with "$" for the name of another variable, and a password may.
    """

    SWITCHES = {
        **dict.fromkeys(("true", "1", "yes", "on"), True),
        **dict.fromkeys(("false", "0", "no", "off"), False),
    }

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        value = self.ENVIRON.get(var, "")
        if value == "":
            if default is self.NOTSET:
                raise ImproperlyConfigured(f"{var} must be set.")
            if not parse_default or default is None:
                return default
            value = default
        if cast is bool:
            switch = value.strip().lower()
            if switch not in self.SWITCHES:
                raise ImproperlyConfigured(
                    f"{var} must be true or false (or 1/0, yes/no, on/off), not {value!r}."
                )
            return self.SWITCHES[switch]
        if cast is None and default is not None and default is not self.NOTSET:
            cast = type(default)
        return self.parse_value(value, cast)

    def list(self, var, cast=None, default=environ.Env.NOTSET):
        """Comma-separated, each item trimmed, empty items left out."""
        items = [item.strip() for item in super().list(var, default=default) if item.strip()]
        return [cast(item) for item in items] if cast else items


env = Env()


def required(name: str) -> str:
    """A secret or a service production cannot start without."""
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return value


PRODUCTION = env.str("DJANGO_ENV", "local") == "production"


def base_url(name: str, value: str) -> str:
    """``value`` as scheme, host and port, without a trailing slash; anything
    else (another scheme, a user, a path, a query) stops the app."""
    parts = urlsplit(value.strip())
    try:
        port_ok = parts.port != 0
    except ValueError:  # a port that is not a number or out of range
        port_ok = False
    if not (
        port_ok
        and parts.scheme in ("http", "https")
        and parts.hostname
        and "@" not in parts.netloc
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
    ):
        raise ImproperlyConfigured(
            f"{name} must be the site's address, http or https with no path, "
            f"like https://stem.imdi.no (got {value!r})."
        )
    return f"{parts.scheme}://{parts.netloc}"


if PRODUCTION:
    DEBUG = False
    SECRET_KEY = required("DJANGO_SECRET_KEY")
    VOTE_HASH_SECRET = required("VOTE_HASH_SECRET")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")
else:
    DEBUG = env.bool("DJANGO_DEBUG", True)
    # Local-only fallbacks: the production branch above never uses these.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", "local-only-not-secret-secret-key-for-prize-vote")
    VOTE_HASH_SECRET = env.str("VOTE_HASH_SECRET", "local-only-not-secret-vote-hash-secret")
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
    )

if VOTE_HASH_SECRET == SECRET_KEY:
    raise ImproperlyConfigured("VOTE_HASH_SECRET must differ from DJANGO_SECRET_KEY.")

# Staff and jury log in to the admin with a one-time code (TOTP) after the
# password. Always on in production; the local run has it off by default so
# `make run` works with the printed password alone (true turns it on locally).
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", PRODUCTION)
if PRODUCTION and not ADMIN_REQUIRE_2FA:
    raise ImproperlyConfigured("ADMIN_REQUIRE_2FA cannot be turned off in production.")

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The site's public address. Every absolute link is built on it (config.links):
# the confirmation link in the e-mail, shared links and the alternate-language
# links. Never on the request's Host header, which the client chooses (a port
# is not checked against ALLOWED_HOSTS at all).
PUBLIC_BASE_URL = base_url(
    "PUBLIC_BASE_URL",
    required("PUBLIC_BASE_URL")
    if PRODUCTION
    else env.str("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
)

INSTALLED_APPS = [
    # Before the admin, as django-modeltranslation requires: translated
    # nominee texts (nynorsk, English) with bokmål as the fallback.
    "modeltranslation",
    # django.contrib.admin with the site that asks for the second factor.
    "config.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_ratelimit",
    "django_otp",
    "config.apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "config.apps.BackupCodesConfig",  # django_otp.plugins.otp_static
    "config.apps.LoginAttemptsConfig",  # axes
    "csp",
    "django_tasks",
    "config.apps.BackgroundTasksConfig",  # django_tasks_db
    "nominees",
    "voting",
    # The public pages (views, URLs and their template tags).
    "website",
    # The local run's demo data and admin (load_demo, create_local_admin).
    "demo",
]

MIDDLEWARE = [
    # Outermost: every log line of a request carries its id (config.logs).
    "config.logs.request_id",
    # So that every answer to HEAD, whoever made it, has no body.
    "config.middleware.head_without_body",
    # /healthz and /readyz, before the Host check, the HTTPS redirect,
    # sessions and CSRF: load balancers probe by address, in plain HTTP.
    "config.health.health_checks",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads the form: a form in another charset than
    # UTF-8 gets the 400 page, not a 500.
    "config.middleware.RefuseFormsNotInUtf8",
    # Before the CSRF check too: a method the view does not take is 405, not 403.
    "config.middleware.MethodNotAllowedFirst",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.explain_method_not_allowed",
    # A database outage answers 503 with a readable page, not a bare 500.
    "config.middleware.DatabaseUnavailable",
    # Last, as django-axes requires: turns a locked-out login into its page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files from the app server itself; locally runserver serves them.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.languages.switcher",
            ],
        },
    },
]

# Database: SQLite for the local run; PostgreSQL from DATABASE_URL in production.
# Persistent connections matter: a new connection per request caps the whole app
# at about 200 requests/s.
if PRODUCTION:
    required("DATABASE_URL")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several people voting at once on the embedded default: readers never wait
    # for the writer (WAL), a write transaction takes the write lock when it
    # begins instead of failing halfway with "database is locked" (IMMEDIATE),
    # and a writer waits up to 20 s for another to finish.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: rate-limit counters live here, so in production every app server must
# share it (Redis through django-redis, the backend django-ratelimit supports).
# The URL goes to redis-py as it is, query included (rediss://…?ssl_cert_reqs=…):
# django-environ's env.cache_url() would move the query into OPTIONS, which
# django-redis does not pass on to the connection.
REDIS_URL = required("REDIS_URL") if PRODUCTION else env.str("REDIS_URL", default=None)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A hung Redis must not hang the vote: give up fast, then the
                # rate limits fail open.
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    SILENCED_SYSTEM_CHECKS: list[str] = []
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # django-ratelimit rejects the local-memory cache (E003, W001) because its
    # counters are per process. The embedded default runs a single process, so
    # the counters are exact there. Only this branch silences the checks; any
    # other cache without REDIS_URL is never configured, and production must
    # set REDIS_URL.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time.
# Bokmål is the default; nynorsk is required alongside it (språklova § 14);
# English is a courtesy. Public URLs carry the language (/nb/, /nn/, /en/).
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("nn", _("Norsk nynorsk")), ("en", _("Engelsk"))]
# Nominee texts left empty in nynorsk or English show the bokmål text.
MODELTRANSLATION_DEFAULT_LANGUAGE = "nb"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("nb",)
# The switcher's choice is remembered for a year (an essential cookie: it only
# decides where "/" leads).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SECURE = PRODUCTION
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
TIME_ZONE = "Europe/Oslo"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(BASE_DIR / "media")))

# E-mail: printed to the console locally, SMTP in production.
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", "Bosettings- og integreringsprisen <ikke-svar@imdi.no>"
)
if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = required("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Seconds each step of an SMTP send (connect, every command, the message) may
# wait for the mail server. Without it a server that accepts and never answers
# holds the worker, and every e-mail behind it, forever; a timeout is a failed
# attempt, retried like any other (voting.mail).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 20)

# The confirmation e-mails are sent by a task (voting.mail), so the mail server
# never holds up a vote request. Production queues them in PostgreSQL for the
# worker (`manage.py db_worker`); the local run sends them at once.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND",
            "django_tasks_db.DatabaseBackend"
            if PRODUCTION
            else "django_tasks.backends.immediate.ImmediateBackend",
        )
    }
}
# Attempts per e-mail before it is given up (1, 2, 4 … minutes apart, at most
# an hour); each failed attempt shows as a failed task in the admin.
CONFIRMATION_EMAIL_MAX_ATTEMPTS = env.int("CONFIRMATION_EMAIL_MAX_ATTEMPTS", 8)
# Seconds after which an attempt still running is taken for dead (its worker
# was killed) and `manage.py recover_stuck_emails` retries it. A live attempt
# waits at most EMAIL_TIMEOUT at each of the ten or so steps of one send, so
# the default of ten timeouts leaves it time to finish; one that finishes even
# later sends at most one copy more, and queues no retry of its own.
CONFIRMATION_EMAIL_STUCK_AFTER = env.int("CONFIRMATION_EMAIL_STUCK_AFTER", 10 * EMAIL_TIMEOUT)
if CONFIRMATION_EMAIL_STUCK_AFTER <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured("CONFIRMATION_EMAIL_STUCK_AFTER must be longer than EMAIL_TIMEOUT.")

# Admin logins. django-axes counts failed logins per pair of user name and
# client address, and after AXES_FAILURE_LIMIT locks that user name out from
# that address only: nobody can lock a colleague out from elsewhere, and one
# person's typos at a shared office address lock out no one else there. A
# second, higher limit per address with any user names (config.login_throttle)
# stops one address from spraying guesses over many names. Tries during a
# lockout are refused without being counted, so they cannot extend it: it ends
# the cool-off after the last counted failure. A successful login clears its
# pair's failures. The address is the client IP the rate limits use, behind
# TRUSTED_PROXY_COUNT proxies. A wrong one-time code is throttled by django-otp
# on the device itself.
ADMIN_LOGIN_COOLOFF_MINUTES = env.int("ADMIN_LOGIN_COOLOFF_MINUTES", 30)
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", 5)
# By default six user names' lockouts (6 × 5) within one cool-off.
ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "config.login_throttle.LoginThrottle"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_COOLOFF_TIME = timedelta(minutes=ADMIN_LOGIN_COOLOFF_MINUTES)
AXES_CLIENT_IP_CALLABLE = "config.login_throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "config.login_throttle.locked_out"
AXES_RESET_ON_SUCCESS = True
# The name shown in staff's authenticator app.
OTP_TOTP_ISSUER = "Bosettings- og integreringsprisen"

# Sessions are for staff, and for a voter only between the start of an
# ID-porten login and the ballot (voting.idporten): short, and gone with the
# browser.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", 4 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy in every environment, so the local run shows any
# violation too: no inline scripts or styles, nothing from other sites.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

# Production hardening.
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    # The redirect to HTTPS goes to the public address, never to the host the
    # request named (as e-mailed links do, config.links).
    if PUBLIC_BASE_URL.startswith("https://"):
        SECURE_SSL_HOST = PUBLIC_BASE_URL.removeprefix("https://")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Seconds a public page (home, round, nominee) is served from the cache at
# most; content changes and schedule moments make it stale earlier. 0 = off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", 60)

# Memory PostgreSQL may use to sort a round's receipts for the tally's digest
# (work_mem of that one transaction): about 175 bytes a vote, so 512 MB sorts
# some 3M votes in memory; a larger round's sort goes partly to disk, which
# took a count of 5M votes about a second more here.
COUNT_WORK_MEM = env.str("COUNT_WORK_MEM", "512MB")

# ID-porten (README "ID-porten"): the login a round may use instead of the
# e-mail link (PrizeRound.verification), so that one person is one vote.
# Nothing here is needed until a round uses it: with IDPORTEN_ISSUER empty the
# admin refuses to set a round to ID-porten, and production starts without it.
# Once the issuer is set, the rest of the client's settings must be too.
IDPORTEN_ISSUER = env.str("IDPORTEN_ISSUER", "").strip()
IDPORTEN_CLIENT_ID = env.str("IDPORTEN_CLIENT_ID", "")
# How the app proves itself at the token endpoint: a JWT signed with its RSA
# key (private_key_jwt, Digdir's recommendation) or the secret Digdir gave.
IDPORTEN_CLIENT_AUTH = env.str("IDPORTEN_CLIENT_AUTH", "private_key_jwt")
IDPORTEN_PRIVATE_KEY_FILE = env.str("IDPORTEN_PRIVATE_KEY_FILE", "")
IDPORTEN_KEY_ID = env.str("IDPORTEN_KEY_ID", "")
IDPORTEN_CLIENT_SECRET = env.str("IDPORTEN_CLIENT_SECRET", "")
# The addresses registered with Digdir, on the public address by default.
IDPORTEN_REDIRECT_URL = env.str("IDPORTEN_REDIRECT_URL", f"{PUBLIC_BASE_URL}/idporten/callback/")
IDPORTEN_POST_LOGOUT_REDIRECT_URL = env.str(
    "IDPORTEN_POST_LOGOUT_REDIRECT_URL", f"{PUBLIC_BASE_URL}/idporten/logged-out/"
)
# The level of assurance asked for; the login's acr must be it or higher.
IDPORTEN_ACR_VALUES = env.str("IDPORTEN_ACR_VALUES", "idporten-loa-substantial")
if IDPORTEN_ISSUER:
    if not IDPORTEN_CLIENT_ID:
        raise ImproperlyConfigured("IDPORTEN_CLIENT_ID must be set with IDPORTEN_ISSUER.")
    if IDPORTEN_CLIENT_AUTH == "private_key_jwt":
        if not (IDPORTEN_PRIVATE_KEY_FILE and IDPORTEN_KEY_ID):
            raise ImproperlyConfigured(
                "IDPORTEN_PRIVATE_KEY_FILE and IDPORTEN_KEY_ID must be set for private_key_jwt."
            )
        if not Path(IDPORTEN_PRIVATE_KEY_FILE).is_file():
            raise ImproperlyConfigured(
                f"IDPORTEN_PRIVATE_KEY_FILE is not a file: {IDPORTEN_PRIVATE_KEY_FILE!r}."
            )
    elif IDPORTEN_CLIENT_AUTH == "client_secret_post":
        if not IDPORTEN_CLIENT_SECRET:
            raise ImproperlyConfigured("IDPORTEN_CLIENT_SECRET must be set for client_secret_post.")
    else:
        raise ImproperlyConfigured(
            "IDPORTEN_CLIENT_AUTH must be private_key_jwt or client_secret_post, "
            f"not {IDPORTEN_CLIENT_AUTH!r}."
        )
    if IDPORTEN_ACR_VALUES not in ("idporten-loa-substantial", "idporten-loa-high"):
        raise ImproperlyConfigured(
            "IDPORTEN_ACR_VALUES must be idporten-loa-substantial or idporten-loa-high, "
            f"not {IDPORTEN_ACR_VALUES!r}."
        )

# Where the accessibility statement tells visitors to report a problem.
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", "post@imdi.no")

# The vote.
# Days after a round's winner is announced until `purge_vote_metadata --due`
# removes its voter keys, network hashes and e-mail domains. The privacy page
# states this number; run the command hourly.
VOTE_METADATA_RETENTION_DAYS = env.int("VOTE_METADATA_RETENTION_DAYS", 30)
# How long a confirmation link is valid, in seconds.
VOTE_CONFIRMATION_MAX_AGE = env.int("VOTE_CONFIRMATION_MAX_AGE", 24 * 60 * 60)
# Per client IP. Generous on purpose: a town hall or a school may put hundreds of
# voters behind one address, and the e-mail confirmation, not the rate limit, is
# what makes one person one vote. Format: "<count>/<s|m|h|d>".
RATELIMIT_VOTE_REQUEST = env.str("RATELIMIT_VOTE_REQUEST", "20/m")
RATELIMIT_VOTE_CONFIRM = env.str("RATELIMIT_VOTE_CONFIRM", "20/m")
# Confirmation e-mails to one address (counted by its voter key, never the
# address), so the vote cannot be used to flood someone's inbox.
RATELIMIT_EMAILS_PER_ADDRESS = env.str("RATELIMIT_EMAILS_PER_ADDRESS", "3/h")
# The client IP behind the given number of trusted reverse proxies: 0 means
# REMOTE_ADDR (no proxy); N means the N-th X-Forwarded-For entry from the right.
# Set it to exactly the proxies in front of the app: too high lets clients
# choose their own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0)
# X-Forwarded-Proto says a request came over HTTPS only when a trusted proxy
# sets it (and overwrites what the client sent); with no proxy any client could
# send it and be taken for HTTPS.
if PRODUCTION and TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
RATELIMIT_IP_META_KEY = "voting.identity.client_ip"
# If the cache cannot count, let the request through (voting.ratelimits logs it).
RATELIMIT_FAIL_OPEN = True
# Checking a receipt: a guessed receipt must take many tries, a real one only one.
RATELIMIT_RECEIPT_CHECK = env.str("RATELIMIT_RECEIPT_CHECK", "30/m")
# A client IP in an active shared network (a town hall or a school staff have
# allow-listed in the admin) gets this many times each per-IP limit above.
# Never the limit per e-mail address: that one stops inbox flooding, whoever sends.
SHARED_NETWORK_RATE_FACTOR = env.int("SHARED_NETWORK_RATE_FACTOR", 10)
if SHARED_NETWORK_RATE_FACTOR < 1:
    raise ImproperlyConfigured("SHARED_NETWORK_RATE_FACTOR must be 1 or more.")

# Every handler redacts confirmation tokens and receipt codes (config.logs):
# Django logs the path of each 4xx and 5xx answer, and a confirmation link's
# path casts a vote. Django's own handlers for the "django" logger (an
# unfiltered console one while DEBUG is on) are replaced: its records go to
# the root's handler, and runserver's request lines to a filtered one.
# LOG_FORMAT "json" (the production default) writes one JSON object a line, with
# the request id; "text" (the local default) lines for people. gunicorn's logs
# follow the same variable (config.logs.GunicornLogger).
LOG_LEVEL = env.str("LOG_LEVEL", "INFO")
# The same rule as gunicorn's (config.logs.log_format), read here for the list of settings.
LOG_FORMAT = env.str("LOG_FORMAT", log_format())
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text (got {LOG_FORMAT!r}).")
# settings.LOGGING, and Python's warnings through it (config.logs.configure).
LOGGING_CONFIG = "config.logs.configure"
LOG_FILTERS = ["request", "redact"]  # in this order: the request's fields are redacted too
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request": {"()": "config.logs.RequestFields"},
        "redact": {"()": "config.logs.RedactSecrets"},
    },
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {
            "()": "logging.Formatter",
            "fmt": "[{asctime}] {levelname} {name} [{request_id}] {message}",
            "style": "{",
            "defaults": {"request_id": "-"},
        },
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": LOG_FILTERS,
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "django.server",
            "filters": LOG_FILTERS,
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
