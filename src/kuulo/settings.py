"""Kuulo settings, all taken from environment variables.

`KUULO_ENV` picks the profile: `development` (the default, what `make run` uses),
`test`, or `production`. Production refuses to start without the variables it
cannot safely guess (SECRET_KEY, ALLOWED_HOSTS) and turns on every transport and
cookie protection so that `manage.py check --deploy` is clean.

Scaling out is a matter of settings: point DATABASE_URL at PostgreSQL, CACHE_URL
at Redis and set TASK_BACKEND=rq; nothing is kept in process memory or local
files that another app server would need.
"""

import importlib.util
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("KUULO_VAR_DIR", BASE_DIR / "var"))

KUULO_ENV = os.environ.get("KUULO_ENV", "development")
if KUULO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"KUULO_ENV must be development, test or production, not {KUULO_ENV!r}")
PRODUCTION = KUULO_ENV == "production"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def require(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable (required in production).")
    return value


def development_secret_key() -> str:
    """A key generated once per checkout and kept in var/, so sessions survive restarts."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG", KUULO_ENV == "development") and not PRODUCTION
if PRODUCTION:
    SECRET_KEY = require("SECRET_KEY")
    require("ALLOWED_HOSTS")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
else:
    SECRET_KEY = os.environ.get("SECRET_KEY") or development_secret_key()
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# How many reverse proxies (load balancer, TLS terminator) stand in front of the app. Their
# X-Forwarded-For and X-Forwarded-Proto headers are trusted; nobody else's are. Zero unless
# set: without a proxy, a trusted header would let any client choose its own rate-limit key.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    "kuulo.core",
    "kuulo.accounts",
    "kuulo.organisations",
    "kuulo.audit",
    "kuulo.feedback",
    "kuulo.insights",
    "kuulo.improvements",
    "kuulo.followups",
    "kuulo.webhooks",
    "kuulo.privacy",
    "kuulo.pages",
    "kuulo.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kuulo.accounts.middleware.UserLanguageMiddleware",
    "kuulo.accounts.middleware.RequireMfaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "kuulo.urls"
WSGI_APPLICATION = "kuulo.wsgi.application"

FORM_RENDERER = "kuulo.core.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "src" / "kuulo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kuulo.pages.context_processors.navigation",
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kuulo.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes; synchronous=FULL
    # makes every commit durable before the respondent is thanked.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;"),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache backs login throttling and must be shared by every app server:
# the database by default, Redis when CACHE_URL says so.
CACHE_URL = os.environ.get("CACHE_URL", "db")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kuulo_cache",
        }
    }

# Background work: django.tasks on the database by default, on Redis (RQ) when scaled out.
TASK_BACKEND = os.environ.get("TASK_BACKEND", "db")
if TASK_BACKEND == "rq":
    if importlib.util.find_spec("django_tasks_rq") is None:
        raise ImproperlyConfigured(
            "TASK_BACKEND=rq needs the Redis task backend: "
            "pip install --require-hashes -r requirements/rq.lock"
        )
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # Every app server and worker must share one Redis: production does not guess it.
    REDIS_URL = (
        require("REDIS_URL") if PRODUCTION else os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    # RQ stops a job after 3 minutes unless told otherwise; 5,000 invitations sent by SMTP or a
    # 200,000-row import can take longer, and the database worker never cuts a task short.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    # `manage.py rqworker` must load jobs as django-tasks-rq's Job, which calls the django.tasks
    # function; RQ's own Job cannot (every task would fail).
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Users and sessions ---------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "pages:home"

# Sessions end after this many seconds without a request (sliding expiry).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_TIMEOUT", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

ACCOUNT_ADAPTER = "kuulo.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Failed sign-ins: at most LOGIN_FAILURES per username per LOGIN_LOCKOUT seconds.
LOGIN_FAILURES = int(os.environ.get("LOGIN_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT", "900"))
ACCOUNT_RATE_LIMITS = {"login_failed": f"20/m/ip,{LOGIN_FAILURES}/{LOGIN_LOCKOUT_SECONDS}s/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kuulo"
MFA_RECOVERY_CODE_COUNT = 10

# --- Internationalisation -------------------------------------------------

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "kuulo" / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# --- E-mail -----------------------------------------------------------------

# Production sends real e-mail (password resets, later alerts): it needs an SMTP server.
_email_host = require("EMAIL_HOST") if PRODUCTION else os.environ.get("EMAIL_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
        if _email_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Kuulo <kuulo@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No inline scripts or styles anywhere: every script and stylesheet is a static file.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],  # the kiosk's service worker (/kiosk/sw.js)
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
else:
    LANGUAGE_COOKIE_SECURE = False
    CSRF_COOKIE_HTTPONLY = True

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Tests -------------------------------------------------------------------
if KUULO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if TASK_BACKEND != "rq":  # `make rq-tests` keeps Redis and runs the jobs on an RQ worker
        TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# --- Kuulo ------------------------------------------------------------------

KUULO_SITE_NAME = os.environ.get("KUULO_SITE_NAME", "Kuulo")
# Where respondents reach the app: links in invitation e-mails and text messages start with it.
KUULO_PUBLIC_URL = os.environ.get("KUULO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
KUULO_SMS_BACKEND = os.environ.get("SMS_BACKEND", "kuulo.feedback.sms.ConsoleSmsBackend")
# Public survey forms: the fastest plausible human answer, and answers counted per publication
# over a sliding window: per browser and per address, past which the browser must first do a
# short proof of work (RESPOND_PROOF_BITS leading zero bits of SHA-256), and per address, past
# which answers are refused for a while. A publication may set its own address limits.
KUULO_SURVEY_MIN_SECONDS = int(os.environ.get("SURVEY_MIN_SECONDS", "2"))
KUULO_RESPOND_RATE_WINDOW = 600
KUULO_RESPOND_RATE_DEVICE = int(os.environ.get("RESPOND_RATE_DEVICE", "10"))
KUULO_RESPOND_RATE_IP_SOFT = int(os.environ.get("RESPOND_RATE_IP", "60"))
KUULO_RESPOND_RATE_IP_HARD = int(os.environ.get("RESPOND_RATE_IP_HARD", "600"))
KUULO_RESPOND_PROOF_BITS = int(os.environ.get("RESPOND_PROOF_BITS", "14"))
# Webhooks may call addresses in private networks (an on-premises Jira) only when this is on;
# otherwise an admin could make Kuulo probe its own network.
KUULO_WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool(
    "WEBHOOKS_ALLOW_PRIVATE_NETWORKS", KUULO_ENV == "development"
)
