"""Settings, all read from the environment (see .env.example); safe defaults for local use."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from frontend.base_maps import tile_origins

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # written by scripts/bootstrap; the environment wins

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (scripts/bootstrap writes one into .env).")
    SECRET_KEY = "insecure-local-development-only"  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies stand in front of gunicorn. 0: the client is REMOTE_ADDR and
# X-Forwarded-For is ignored; N: the client is the Nth address from the right of X-Forwarded-For
# (map_portal.security.client_ip), which the lockout and the rate limits count by.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "pgtrigger",
    "pghistory",
    "geodata",
    "layers",
    "frontend",
    "governance",
    "inspections",
    "certificates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "frontend.middleware.RequestNonceMiddleware",
    "map_portal.middleware.SecurityHeadersMiddleware",
    # Before anything reads a body (the CSRF check reads POST): refused unread when too large.
    "map_portal.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale (its 503 speaks the visitor's language), before anything queries.
    "map_portal.middleware.DatabaseUnavailableMiddleware",
    "map_portal.replica_middleware.ReplicaMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it answers a locked-out sign-in
]

# Every registry change records who made it and through which address (django-pghistory, see
# docs/DECISIONS.md); reads write no registry record, so GET and HEAD carry no history context.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

ROOT_URLCONF = "map_portal.urls"
WSGI_APPLICATION = "map_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.base_map",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgis://127.0.0.1:5432/map_portal")}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30000)
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"
    # JIT compiling costs more than it saves on the short queries of a web request (80 ms on a
    # 100 ms nearest-sites query, measured by make bench).
    " -c jit=off"
)
# The public API's queries are cut off sooner: a request that cannot answer in this time is a
# 503 that says so, not a worker held for half a minute.
PUBLIC_STATEMENT_TIMEOUT_MS = env.int("PUBLIC_STATEMENT_TIMEOUT_MS", default=5000)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A kept connection is checked before each request reuses it, so the workers recover by
# themselves when PostgreSQL restarts; a server that does not answer fails the request within
# seconds (a 503, map_portal.middleware.DatabaseUnavailableMiddleware) instead of holding it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["OPTIONS"]["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
# Streaming replicas (scripts/replica) that public reads of a request may use (map_portal.routers).
# They run with hot_standby_feedback = on: without it, vacuum on the primary removes rows a long
# public query on the replica still reads, and the replica cancels that query.
for number, replica_url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica_{number}"] = {
        **DATABASES["default"],
        **env.db_url_config(replica_url),
        "ENGINE": DATABASES["default"]["ENGINE"],
        "OPTIONS": DATABASES["default"]["OPTIONS"],
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["map_portal.routers.ReplicaRouter"]
# After a browser's successful write, its reads stay on the primary this long: a replica replays
# the primary's changes a little later (replication lag), and the editor must see what they saved.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: Redis in production (CACHE_URL=redis://127.0.0.1:6379/1), shared by the workers;
# a request does without it while it is away (map_portal.cache). Memory of each process otherwise.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "map_portal.cache.ForgivingRedisCache"
    # The front door (map_portal.front_door) answers a stored published response from Redis
    # before Django runs: the workers' time goes to what is not stored yet.
    FRONT_DOOR = env.bool("FRONT_DOOR", default=True)
else:
    FRONT_DOOR = False  # each process has its own cache: only Django checks the version
# Published answers (layers.caching): any cache may keep them CACHE_MAX_AGE seconds, a shared one
# (a CDN) CACHE_S_MAXAGE, and serve them CACHE_STALE_WHILE_REVALIDATE more while it asks again
# with their ETag (a 304 costs little); 0 leaves the directive out.
CACHE_MAX_AGE = env.int("CACHE_MAX_AGE", default=60)
CACHE_S_MAXAGE = env.int("CACHE_S_MAXAGE", default=60)
CACHE_STALE_WHILE_REVALIDATE = env.int("CACHE_STALE_WHILE_REVALIDATE", default=30)

# Mail to proposers about the decision on their change request: printed to the console unless
# EMAIL_URL names a server ("smtp+tls://user:password@host:587").
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")

# Permissions are django-rules predicates (governance/rules.py); the password backend grants none.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out sign-in never reaches a password
    "rules.permissions.ObjectPermissionBackend",
    "governance.backends.PasswordBackend",
]

# Sign-in lockout (django-axes, docs/SECURITY.md): after AXES_FAILURE_LIMIT failures from one
# address, or for one user name whatever the address, signing in is refused for the cool-off,
# which every further failure starts again. Attempts are kept in the database.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_CLIENT_IP_CALLABLE = "map_portal.security.client_ip"
AXES_LOCKOUT_CALLABLE = "map_portal.security.locked_out"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / ".local" / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".local" / "media")
# The largest document file accepted (geodata.documents.check_pdf), in bytes: 20 MB.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)

# Issued certificates: the private signing keys (PEM files, mode 0600; keep them out of backups of
# the database and back them up apart), and the public address QR codes point to.
CERTIFICATE_KEYS_DIR = env.path("CERTIFICATE_KEYS_DIR", default=BASE_DIR / ".local" / "keys")
PUBLIC_URL = env.str("PUBLIC_URL", default="http://127.0.0.1:8000")

# Field-visit planning: road distances from an OSRM server when OSRM_URL is set (its table
# service); otherwise straight-line distances × PLANNER_DETOUR, driven at PLANNER_SPEED_KMH.
OSRM_URL = env.str("OSRM_URL", default="")
OSRM_TIMEOUT = env.float("OSRM_TIMEOUT", default=10.0)
PLANNER_DETOUR = env.float("PLANNER_DETOUR", default=1.3)
PLANNER_SPEED_KMH = env.float("PLANNER_SPEED_KMH", default=35.0)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
# Uploaded files (documents, visit attachments, imported files) in an S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set, so that every app server reads the same files; otherwise in
# MEDIA_ROOT. The bucket stays private: files are only served through the application's views,
# which decide who may read them. boto3 reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY itself.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,  # None: AWS
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "file_overwrite": False,  # as on disk: a name already taken gets a suffix
        },
    }
WHITENOISE_USE_FINDERS = DEBUG

# The base maps offered, the first shown first: a JSON list of {"name", "url", "attribution",
# "max_zoom"} (frontend.base_maps checks it at start-up). Tiles are an outside service; the map
# draws the province boundaries itself, so it keeps its shape when no tile loads.
OPENSTREETMAP = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
try:
    BASE_MAPS = env.json(
        "BASE_MAPS",
        default=[
            {
                "name": "OpenStreetMap",
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "attribution": f"{OPENSTREETMAP} contributors",
                "max_zoom": 19,
            },
            {
                "name": "OpenStreetMap Humanitarian",
                "url": "https://{s}.tile.openstreetmap.fr/hot/{z}/{x}/{y}.png",
                "attribution": f"{OPENSTREETMAP} contributors, tiles style by "
                '<a href="https://www.hotosm.org/">Humanitarian OpenStreetMap Team</a> hosted by '
                '<a href="https://openstreetmap.fr/">OpenStreetMap France</a>',
                "max_zoom": 19,
            },
        ],
    )
except ValueError:  # not JSON: kept as written, for the system check to say so
    BASE_MAPS = env.str("BASE_MAPS")
BOUNDARY_ATTRIBUTION = "Boundaries: geoBoundaries (CC BY 4.0)"

# Geocoding of imported addresses that have no coordinates: off unless GEOCODER_URL names a
# self-hosted service, "nominatim+https://host/path" or "photon+http://host:2322".
GEOCODER_URL = env.str("GEOCODER_URL", default="")
GEOCODER_USER_AGENT = env.str("GEOCODER_USER_AGENT", default="vn-quality-map")
GEOCODER_TIMEOUT_SECONDS = env.float("GEOCODER_TIMEOUT_SECONDS", default=5.0)
GEOCODER_MIN_DELAY_SECONDS = env.float("GEOCODER_MIN_DELAY_SECONDS", default=1.0)
GEOCODER_CACHE_SECONDS = env.int("GEOCODER_CACHE_SECONDS", default=30 * 24 * 60 * 60)

REST_FRAMEWORK = {
    # Machine clients send an API key (governance.authentication); the browser its session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Every API and OGC view is rate-limited (map_portal.security); the exports more tightly.
    "DEFAULT_THROTTLE_CLASSES": ["map_portal.security.ApiThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # DRF's own client address: X-Forwarded-For as trusted
    "EXCEPTION_HANDLER": "map_portal.security.exception_handler",
}
# Requests per client (a signed-in user, or else an address): "number/period", period one of
# s, min, hour, day; empty: no limit. Answers served from the cache or as 304 are not counted.
# The map asks several questions per pan: 600 a minute is far above one person's use.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
EXPORT_RATE_LIMIT = env.str("EXPORT_RATE_LIMIT", default="30/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Viet Nam quality-infrastructure map API",
    "DESCRIPTION": "Organisations, sites and credentials of standards, metrology and quality "
    "services in Viet Nam.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default
        "governance.api.declare_unauthorized",  # whatever accepts an API key may answer 401
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    # Certificates have a kind too (verification, calibration, test report): named apart.
    "ENUM_NAME_OVERRIDES": {"CertificateKindEnum": "certificates.models.Certificate.Kind"},
    "SWAGGER_UI_DIST": "SIDECAR",  # served from the project: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge image from validator.swagger.io: nothing leaves the site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Content Security Policy (django-csp): scripts from the site only, and the inline import map
# by the request's nonce; inline styles are allowed (docs/DECISIONS.md says why).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *tile_origins(BASE_MAPS)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The map asks for the visitor's position (sites near me); nothing asks for camera or microphone.
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=()"
# No other site may embed the responses (images, scripts, JSON) in its pages; the API is read
# by programs and by this site's own pages, which this does not affect.
CROSS_ORIGIN_RESOURCE_POLICY = env.str("CROSS_ORIGIN_RESOURCE_POLICY", default="same-origin")
X_FRAME_OPTIONS = "DENY"

# Served over HTTPS (behind TLS): on unless DEBUG=1. `make run` serves plain http on 127.0.0.1,
# so scripts/bootstrap writes HTTPS=0 into its .env. Each setting it decides can be set alone.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
if TRUSTED_PROXY_COUNT:
    # The proxy says whether the visitor came over HTTPS; it must set this header itself,
    # replacing any the visitor sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Request sizes. A body longer than MAX_REQUEST_BYTES is refused unread (413, map_portal.
# middleware); it must stay above the largest upload accepted: a 50 MB import file
# (geodata.admin.MAX_IMPORT_MB) and its form.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=60 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)  # no file
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)  # then disk
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=100)

SILENCED_SYSTEM_CHECKS = [
    # Debian 12 ships GDAL 3.6, which cannot block file and network access while parsing a
    # spatial reference. The application never hands GDAL a spatial reference that a user wrote
    # (coordinate systems are fixed EPSG codes, transformed with pyproj): it does not apply.
    "gis.W001",
    # HSTS preloading is asked for a whole registrable domain, by its owner, at hstspreload.org;
    # anyone may submit a domain that sends `preload`, binding every subdomain to HTTPS for
    # years. It is the domain owner's decision, not a default: SECURE_HSTS_PRELOAD=1 opts in.
    "security.W021",
]
