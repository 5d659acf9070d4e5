"""Settings, read from the environment.

With nothing set, Placefund runs on its embedded default: a SQLite file under ``instance/``,
email written to the console and the outbox table, background work run inline.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PLACEFUND_INSTANCE", BASE_DIR / "instance"))

DEFAULT_SECRET_KEY = "placefund-development-secret-not-for-production"  # noqa: S105 (refused in production)
# The key that encrypts bank details on a development machine; refused in production.
DEFAULT_BANK_DETAILS_KEY = "Y6Lj7v-PyQyRNXu5TOMGXaRFKbtA9lsMkhHaxxX3gOc="


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _keys(name: str, default: str) -> list[str]:
    """A list of keys from a comma-separated setting (the first encrypts; all decrypt)."""
    given = [key.strip() for key in os.environ.get(name, "").split(",") if key.strip()]
    return given or ([default] if default else [])


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'placefund.sqlite3'}"
    # Hosting platforms often hand out postgres:// addresses; psycopg 3 is the driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """The embedded default, for running on one machine."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    # Fernet keys for bank details, newest first: the first encrypts, every one decrypts, so a
    # new key goes first and `flask bank rotate-key` re-encrypts every row with it.
    BANK_DETAILS_KEYS = _keys("BANK_DETAILS_KEYS", DEFAULT_BANK_DETAILS_KEY)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "placefund")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Placefund <hello@placefund.local>")

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

    # The address people use to reach the site, for links in emails sent from commands.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")

    # Identifiers for open data: grants are published as 360G-<prefix>-<id>.
    THREESIXTYGIVING_PREFIX = os.environ.get("THREESIXTYGIVING_PREFIX", "placefund")

    BABEL_DEFAULT_LOCALE = "en_GB"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    # The languages people may choose, each named in its own words (see giving/languages.py).
    LANGUAGES = {"en": "English", "cy": "Cymraeg", "pl": "Polski"}

    # Limits on failed tries (see giving/throttles.py). Counts are kept in Redis when
    # REDIS_URL is set, which production needs so that every worker shares them; this
    # overrides the store (empty: Redis when there is one, else this process's memory).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "placefund")
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Wrong passwords for one account from one client, and for any accounts from one client.
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "5 per 15 minutes")
    LOGIN_CLIENT_FAILURE_LIMIT = os.environ.get("LOGIN_CLIENT_FAILURE_LIMIT", "30 per 15 minutes")
    # Wrong voting codes from one client (right codes are never limited: a kiosk works).
    VOTE_CODE_FAILURE_LIMIT = os.environ.get("VOTE_CODE_FAILURE_LIMIT", "20 per 15 minutes")
    # Emails asked for from one client: registering, sending a link again, resetting a password.
    EMAIL_REQUEST_LIMIT = os.environ.get("EMAIL_REQUEST_LIMIT", "20 per hour")
    # Wrong tries at verifying where one lives, per person.
    VERIFY_FAILURE_LIMIT = os.environ.get("VERIFY_FAILURE_LIMIT", "5 per 15 minutes")
    # Giving statements a person may have emailed to themselves.
    STATEMENT_EMAIL_LIMIT = os.environ.get("STATEMENT_EMAIL_LIMIT", "3 per hour")
    # How many proxies (load balancers) stand in front of the app and add X-Forwarded-For:
    # the client's real address is read from them. 0 trusts no header.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Reminders sent by `flask tick`: days before a check-in, payment or scoring deadline (and
    # after it, for a check-in not done); hours before a vote closes; days an offered grant
    # waits before its group is reminded to accept it; most reminders of each kind per run.
    REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", "7"))
    REMINDER_VOTE_HOURS = int(os.environ.get("REMINDER_VOTE_HOURS", "48"))
    REMINDER_AGREEMENT_DAYS = int(os.environ.get("REMINDER_AGREEMENT_DAYS", "7"))
    REMINDER_BATCH = int(os.environ.get("REMINDER_BATCH", "500"))
    # HMRC's Gift Aid limits, in pence (HMRC changes them): gifts up to the first may share
    # one aggregated line of the claim schedule, each line up to the second; the Small
    # Donations Scheme takes cash and contactless gifts up to the third, up to the fourth in
    # a tax year, and never more than GASDS_MATCHING_TIMES the Gift Aid gifts that year.
    GIFT_AID_AGGREGATE_MAX_PENCE = int(os.environ.get("GIFT_AID_AGGREGATE_MAX_PENCE", "2000"))
    GIFT_AID_AGGREGATE_LINE_MAX_PENCE = int(
        os.environ.get("GIFT_AID_AGGREGATE_LINE_MAX_PENCE", "100000")
    )
    GASDS_GIFT_MAX_PENCE = int(os.environ.get("GASDS_GIFT_MAX_PENCE", "3000"))
    GASDS_YEAR_CAP_PENCE = int(os.environ.get("GASDS_YEAR_CAP_PENCE", "800000"))
    GASDS_MATCHING_TIMES = int(os.environ.get("GASDS_MATCHING_TIMES", "10"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 4

    # Files groups attach to applications: kept outside the web root, under the instance folder
    # unless UPLOAD_FOLDER says where. Requests bigger than MAX_CONTENT_LENGTH are refused
    # before they are read (with a friendly page); files bigger than MAX_UPLOAD_BYTES are
    # refused with a message next to the field.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", "")
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 512 * 1024
    MAX_ATTACHMENTS = 5

    # How long applying should take, for the estimate shown to groups (see
    # giving.services.rounds.estimate_minutes): minutes to read the round and check you can
    # apply, minutes to think about each question, and words a person writes in a minute.
    APPLY_BASE_MINUTES = 10
    APPLY_MINUTES_PER_QUESTION = 5
    APPLY_WORDS_PER_MINUTE = 10
    # The proportionate guide: minutes of a group's time a round may ask for each £1,000 of
    # its largest grant, never less than the floor or more than the ceiling. A £500 grant
    # should not take as long to apply for as a £50,000 one.
    APPLY_GUIDE_MINUTES_PER_1000_POUNDS = 6
    APPLY_GUIDE_FLOOR_MINUTES = 45
    APPLY_GUIDE_CEILING_MINUTES = 8 * 60

    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24 * 3
    PASSWORD_RESET_MAX_AGE = 60 * 60
    PER_PAGE = 25
    HSTS = False


class ProductionConfig(Config):
    """PostgreSQL, Redis and SMTP from the environment; refuses a default secret."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True
    # No development key: the app refuses to start until BANK_DETAILS_KEYS is set.
    BANK_DETAILS_KEYS = _keys("BANK_DETAILS_KEYS", "")


class TestConfig(Config):
    """Used by the test suite: its own database, CSRF on, email to a local SMTP server."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "placefund-test-secret"  # noqa: S105
    BANK_DETAILS_KEYS = ["chmWZe9ykVa3FL1mnpCaD_ft4Dybl083YGyWsFeCs4U="]
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "") or "sqlite://"
    REDIS_URL = ""
    MAIL_SERVER = ""
    RATELIMIT_STORAGE_URI = ""
    TRUSTED_PROXIES = 0
    SERVER_NAME = None
    # Cheap password hashing keeps hundreds of log-ins in the tests quick; the real settings
    # are the library's defaults (3 passes over 64 MiB).
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


CONFIGS = {"development": Config, "production": ProductionConfig, "test": TestConfig}


def config_for(name: str | None) -> type[Config]:
    """The settings class for PLACEFUND_ENV (default: the embedded development setup)."""
    key = (name or os.environ.get("PLACEFUND_ENV") or "development").lower()
    if key not in CONFIGS:
        raise RuntimeError(f"PLACEFUND_ENV must be one of {', '.join(CONFIGS)}, not {key!r}")
    return CONFIGS[key]
