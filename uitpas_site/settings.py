"""Settings of the UiTPAS back-office, read from the environment.

Production is the default: without ``DJANGO_DEBUG=1`` debug pages are off and a
``DJANGO_SECRET_KEY`` is required. Development is explicit: ``make run`` sets
``DJANGO_DEBUG=1``, which also allows a built-in development secret key and local hosts.

Environment variables:

- ``DATABASE_URL``: any URL dj-database-url understands; default a SQLite file
  ``db.sqlite3`` in the project root.
- ``DJANGO_SECRET_KEY``: required unless ``DJANGO_DEBUG=1``; also seals the OAuth secrets
  in the database (``uitid.sealing``).
- ``DJANGO_SECRET_KEY_FALLBACKS``: comma-separated earlier secret keys, during a rotation.
- ``DJANGO_DEBUG``: ``1``/``true``/``yes`` turns debug on; default off.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names; default none in production,
  ``localhost,127.0.0.1,[::1]`` in development.
- ``DJANGO_HTTPS``: the site is served over HTTPS (default on in production): redirect
  HTTP to HTTPS, secure cookies, HSTS. ``0`` only for serving plain HTTP on a trusted
  network (the tests and the benchmark on 127.0.0.1).
- ``DJANGO_PROXY_SSL_HEADER``: ``1`` when a proxy in front terminates TLS and sets
  ``X-Forwarded-Proto`` (and strips it from clients).
- ``DJANGO_API_RATE_USER``: the API throttle rate per user (DRF syntax, default
  ``1200/min``).
- ``DJANGO_CACHE``: ``locmem`` (default; throttle counts per process) or ``database``
  (shared by all processes; ``make serve`` runs ``manage.py createcachetable``).
"""

import datetime
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from uitpas_site.environment import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for a development run).")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

# Earlier keys, still accepted while they are rotated out (sessions, and the OAuth
# secrets sealed with them: uitid.sealing).
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [],
)

INSTALLED_APPS = [
    "uitpas_site.apps.BackOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "guardian",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "uitpas_site.apps.LoginAttemptsConfig",
    "cardsystems",
    "passholders",
    "uitid",
]

MIDDLEWARE = [
    "uitpas_site.middleware.health_check",
    "uitpas_site.middleware.api_body_limit",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "uitpas_site.middleware.acting_request",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "uitpas_site.urls"
# A form sent from an expired page gets the admin's frame and what to do (not Django's bare page).
CSRF_FAILURE_VIEW = "uitpas_site.views.csrf_failure"

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
]

WSGI_APPLICATION = "uitpas_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two clerks writing at once wait for each other instead of failing with
    # "database is locked": WAL lets readers go on, IMMEDIATE takes the write lock
    # at BEGIN, so no transaction has to upgrade a read lock half-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The test database is a file too (not Django's in-memory default), so the tests
    # run the same journal mode and other processes (gunicorn) can open it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool of connections per process, shared by its threads (gunicorn.conf.py runs 64
    # a worker): a connection of its own per thread would exhaust PostgreSQL's
    # max_connections. At most DJANGO_DB_POOL_SIZE connections a process; a request
    # waits up to 10 s for one.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 2, "max_size": int(env_str("DJANGO_DB_POOL_SIZE") or "8"), "timeout": 10}
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a login that is locked out before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian "anonymous user" row: anonymous visitors have no rights at all.
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in the domain (kansenstatuut end dates, "today") follow the Belgian calendar.
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The project's own static files (the apps' are found in their static/ folders).
STATICFILES_DIRS = [BASE_DIR / "static"]
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
# Tests and development serve static files from the apps' folders without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "uitpas_site.authentication.OAuthAuthentication",
        "uitpas_site.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
        "uitpas_site.xml_format.SafeXMLParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["uitpas_site.xml_format.UitpasXMLRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "uitpas_site.xml_format.AlwaysXMLNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "uitpas_site.xml_api.xml_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per user; every endpoint needs a token, and DRF checks it before the throttle.
    "DEFAULT_THROTTLE_CLASSES": ["uitpas_site.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("DJANGO_API_RATE_USER") or "1200/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "UiTPAS back-office API",
    "DESCRIPTION": (
        "The XML API of the UiTPAS back-office, a successor of the UiTPAS v3 API. Authenticate with "
        "OAuth 1.0a (a consumer and a user access token, as the v3 clients do) or with "
        "`Authorization: Token <key>`. Every path also answers under `/uitid/rest/uitpas/…` (the "
        "endpoint the v3 clients are configured with), and a request signed by a balie's own OAuth "
        "consumer acts for that balie when it names no `balieConsumerKey`. Responses are XML with root "
        "`response` (a passholder: root `passHolder`); a failure carries `code`, `message` and, for "
        "ACCESS_DENIED, `requiredPermission`. Read the code, not the message."
    ),
    "PREPROCESSING_HOOKS": ["uitpas_site.api_docs.without_v3_aliases"],
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # The documentation page works offline: its assets come from drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# An API request body above this size is refused (413, XML) before anything reads it;
# the API's requests are a few hundred bytes.
API_MAX_BODY_BYTES = 64 * 1024

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "uitpas_cache"}
        if env_str("DJANGO_CACHE") == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "uitpas": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# HTTPS: on by default in production (``manage.py check --deploy`` is clean then).
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Browsers' preload lists are a decision of the deployment, hard to undo: opt in with
# DJANGO_HSTS_PRELOAD=1 (then `check --deploy`'s reminder about it is moot).
SECURE_HSTS_PRELOAD = HTTPS and env_bool("DJANGO_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
BEHIND_PROXY = env_bool("DJANGO_PROXY_SSL_HEADER", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True

# Login guessing (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user
# name from one address, that pair is locked out for DJANGO_LOGIN_LOCKOUT_MINUTES (or
# until a superuser unlocks it: Axes › Access attempts, delete). Counted in the database,
# so every process sees the same count; lockouts and unlocks are in the audit log. Per
# pair, so that guessing one clerk's password cannot lock out her colleagues at the
# library's shared address, nor the clerk herself at another one.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env_str("DJANGO_LOGIN_LOCKOUT_MINUTES") or "30"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "uitpas_site.views.login_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
if BEHIND_PROXY:
    # The proxy (docs/operations.md: nginx) sets X-Forwarded-For to the client's address.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Content-Security-Policy (Django's own): the back-office runs only its own scripts and
# styles, from its static files; no inline code, no other site, no framing. The OAuth
# approval page may send its form on to the application's callback (uitid.views).
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
