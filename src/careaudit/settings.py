"""Care Audit settings: one module, every value from the environment.

Every variable is documented in the README ("Deploying on PostgreSQL"). The helpers below
fail loudly on a value they cannot read, so a typo never becomes a silent default.
"""

import secrets
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

PACKAGE_DIR = Path(__file__).resolve().parent

# The data folder holds the SQLite database, collected static files and the demo key.
DATA_DIR = Path(env.str("CAREAUDIT_DATA_DIR", default="var")).resolve()

# `careaudit demo` serves plain HTTP on localhost with generated secrets; nothing else may.
DEMO = env.bool("CAREAUDIT_DEMO", default=False)
DEBUG = env.bool("DEBUG", default=False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; the demo keeps a generated one in the data folder.

    A later command run in the same data folder (say `careaudit export`) finds the demo's
    key there, so demo data stays readable without any set-up.
    """
    if key := env.str("SECRET_KEY", default=""):
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if DEMO:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment (a long random string), "
        "or run `careaudit demo` to try Care Audit with a generated one."
    )


SECRET_KEY = _secret_key()
# Keyed hash for pseudonymised exports. Set it separately so that it can be kept when the
# SECRET_KEY is rotated (pseudonyms then stay comparable across exports).
PSEUDONYMISATION_KEY = env.str("PSEUDONYMISATION_KEY", default=f"pseudonym:{SECRET_KEY}")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# HTTPS protections are on whenever DEBUG is off; only the demo and the tests, which
# talk plain HTTP to localhost, turn them off.
HTTPS = env.bool("CAREAUDIT_HTTPS", default=not (DEBUG or DEMO))
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Preloading binds every subdomain of the council's own domain for years: a council must
# opt in for its domain deliberately, so it is off by default (and check W021 silenced).
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# How many reverse proxies of our own stand in front (each appends to X-Forwarded-For): the
# client's address is that many entries from the right (`core/client_address.py`). The
# older BEHIND_PROXY=true means one. With none, forwarded headers are not believed at all.
TRUSTED_PROXIES = env.int(
    "TRUSTED_PROXIES", default=1 if env.bool("BEHIND_PROXY", default=False) else 0
)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES is a number of proxies: 0 or more.")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "careaudit.portal.views.csrf_failure"

# Content Security Policy: scripts and styles only from our own static files (no
# 'unsafe-inline'); a nonce is available for an inline script should one ever be needed.
_OIDC_ORIGIN = env.str("OIDC_SERVER_URL", default="").split("/", 3)[:3]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # Single sign-on redirects the sign-in form to the identity provider.
        "form-action": [SELF, *(["/".join(_OIDC_ORIGIN)] if len(_OIDC_ORIGIN) == 3 else [])],
    }
}

INSTALLED_APPS = [
    "careaudit.accounts",
    "careaudit.core",
    "careaudit.organisation",
    "careaudit.standards",
    "careaudit.cases",
    "careaudit.programme",
    "careaudit.audits",
    "careaudit.improvement",
    "careaudit.insights",
    "careaudit.api",
    "ninja",  # the API's documentation page and its static files
    "careaudit.portal",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page Django renders (not the static files above) is kept by no cache.
    "careaudit.core.middleware.never_stored",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "careaudit.accounts.middleware.require_two_factor",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "careaudit.accounts.middleware.absolute_session_timeout",
    "careaudit.core.client_address.ChangeLogMiddleware",  # auditlog's, with our address
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: is this an htmx request?
    # A GET of a POST-only address goes back to its page instead of a blank 405.
    "careaudit.core.middleware.back_from_post_only",
]

ROOT_URLCONF = "careaudit.portal.urls"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"  # form templates in templates/forms
WSGI_APPLICATION = "careaudit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "careaudit.portal.context_processors.shell",
            ],
        },
    },
]


def _database() -> dict:
    default_url = f"sqlite:///{DATA_DIR / 'careaudit.sqlite3'}"
    config = env.db_url("DATABASE_URL", default=default_url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers and the one writer work together; IMMEDIATE takes the write lock
        # at the start of a transaction so two writers queue instead of failing midway.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    else:
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Failed sign-ins are counted in the cache: it must be shared by every server worker,
# so it lives in the database rather than in process memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "careaudit_cache",
    }
}

# Background work (a board report…) leaves the request through the Django Tasks API: the
# database backend queues it in the same database, and `careaudit worker` runs it (`demo`
# and `serve` start one beside the web server; docs/operations.md, "Background work").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Length and a common-password list, no composition rules (NCSC, OWASP ASVS 2.1).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "careaudit.accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "careaudit.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "careaudit.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
# Accounts are made by administrators: a reset asked for an unknown address sends nothing,
# rather than an invitation to a sign-up page that is closed.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    # Five failures for one account lock it for 15 minutes, whatever the source address.
    # "ip" is the client's address as our trusted proxies give it (TRUSTED_PROXIES), so
    # people behind the same proxy are counted apart.
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="20/15m/ip,5/15m/key"),
    "reset_password": "5/h/ip,3/h/key",
}

# The API: requests per token (e.g. "600/m", "10000/h"); more gets 429 with Retry-After.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/m")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Accounts are created by administrators, who vouch for the address; a password reset must
# not leave someone unable to set up the two-factor sign-in their role requires.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Care Audit")
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True


def _oidc_providers() -> dict:
    """Single sign-on through OpenID Connect (Microsoft Entra ID, Google Workspace, Okta…).

    Set OIDC_SERVER_URL (for Entra ID: https://login.microsoftonline.com/<tenant>/v2.0),
    OIDC_CLIENT_ID and OIDC_CLIENT_SECRET; OIDC_NAME labels the sign-in button.
    """
    server_url = env.str("OIDC_SERVER_URL", default="")
    if not server_url:
        return {}
    app = {
        "provider_id": env.str("OIDC_PROVIDER_ID", default="sso"),
        "name": env.str("OIDC_NAME", default="your organisation's account"),
        "client_id": env.str("OIDC_CLIENT_ID"),
        "secret": env.str("OIDC_CLIENT_SECRET"),
        "settings": {"server_url": server_url},
    }
    return {"openid_connect": {"APPS": [app], "OAUTH_PKCE_ENABLED": True}}


SOCIALACCOUNT_PROVIDERS = _oidc_providers()

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # every request renews the cookie: an idle timeout
# However active, a session ends this long after sign-in (OWASP ASVS 3.3.4).
SESSION_ABSOLUTE_TIMEOUT_HOURS = env.int("SESSION_ABSOLUTE_TIMEOUT_HOURS", default=10)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Largest accepted upload; bigger requests are refused before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Email: SMTP when EMAIL_HOST is set; otherwise messages are written to the log, with
# every working link and key redacted (so password reset cannot work). `careaudit serve`
# refuses to start that way unless EMAIL_BACKEND=console says it is on purpose.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_TO_LOG_ON_PURPOSE = env.str("EMAIL_BACKEND", default="") == "console"
if env.str("EMAIL_BACKEND", default="") not in ("", "console", "smtp"):
    raise ImproperlyConfigured(
        "EMAIL_BACKEND must be `smtp` (set EMAIL_HOST too) or `console` (emails are written "
        "to the log, with links and keys redacted)."
    )
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "careaudit.core.mail.LogEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Care Audit <careaudit@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUDITLOG_INCLUDE_ALL_MODELS = False

# Retention (UK GDPR storage limitation), applied by the daily `run_cycle`: the free text
# of the person's feedback is anonymised this long after the audit was submitted, and
# whole audits' free text this long after. Scores and ratings stay for trends.
RETENTION_FEEDBACK_DAYS = env.int("RETENTION_FEEDBACK_DAYS", default=2 * 365)
RETENTION_AUDIT_DAYS = env.int("RETENTION_AUDIT_DAYS", default=8 * 365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A refusal (403, 404) is one line saying who was refused what and why; 500s keep
    # their tracebacks.
    # No working link or key (a feedback link, a password reset link) reaches the log.
    "filters": {
        "one_line_refusals": {"()": "careaudit.core.log_filters.OneLineRefusals"},
        "redact_secrets": {"()": "careaudit.core.log_filters.RedactSecrets"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["one_line_refusals"]},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}

# Shown in the header instead of the crown: this is not a GOV.UK service.
SERVICE_NAME = "Care Audit"
