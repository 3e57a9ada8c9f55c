"""Process settings, read once from the environment (``TWOFOLD_*``)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from twofold.core.messaging_settings import (
    DEFAULT_CAPS,
    DEFAULT_QUIET_HOURS,
    HttpProviderSettings,
    SendingPolicy,
    SmtpSettings,
    check_timezone,
    parse_caps,
    parse_provider,
    parse_quiet_hours,
    parse_smtp_url,
)
from twofold.core.money import parse_currency

DEFAULT_HOME = ".twofold-data"
DEFAULT_PORT = 8000
DEFAULT_BASE_CURRENCY = "USD"
DEFAULT_RENEWAL_LEAD_DAYS = 90
DEFAULT_ACCOUNT_JOBS_SECONDS = 3600
DEFAULT_QUOTE_APPROVAL_DISCOUNT_PERCENT = Decimal(20)
DEFAULT_QUOTE_VALIDITY_DAYS = 30


@dataclass(frozen=True)
class Settings:
    """Where data lives, which database to use, and how the server listens."""

    home: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    secret_key: str = field(default="", repr=False)
    secure_cookies: bool = False
    max_body_bytes: int = 1_000_000
    events_retention_days: int = 0  # 0 keeps events for ever
    lake_directory: Path | None = None  # where the Parquet lake is exported, hourly
    maintenance_seconds: float = 3600.0
    # How often the flow worker enters people and runs due steps; 0 stops it (decision 0018).
    flow_worker_seconds: float = 1.0
    # How often every segment is re-evaluated in full (time-relative conditions move with it).
    segment_refresh_seconds: int = 3600
    # How often the predictions are refitted on the CRM's orders (0: only on demand).
    predictions_refresh_seconds: int = 86400
    # The company currency: forecasts, quotas and exchange rates are expressed in it.
    base_currency: str = DEFAULT_BASE_CURRENCY
    # Days before a contract's end its renewal deal is made (a contract may override it).
    renewal_lead_days: int = DEFAULT_RENEWAL_LEAD_DAYS
    # How often the server runs renewals and the daily health snapshot; 0 leaves it to
    # the CLI and the API (the default of a bare Settings, as tests build them).
    account_jobs_seconds: int = 0
    # Quotes (decision 0019): a discount off list prices above this percentage needs the
    # approval of the deal owner's manager (or an admin) before the quote can be sent.
    quote_approval_discount_percent: Decimal = DEFAULT_QUOTE_APPROVAL_DISCOUNT_PERCENT
    quote_validity_days: int = DEFAULT_QUOTE_VALIDITY_DAYS
    # Messaging (decision 0017): where email goes, who it is from, the address links in
    # messages point to, frequency caps and quiet hours, SMS and push providers.
    smtp: SmtpSettings | None = None
    email_from: str = "Twofold <no-reply@localhost>"
    public_url: str = ""  # empty: http://{host}:{port}
    unsubscribe_mailto: str | None = None
    sending: SendingPolicy = field(default_factory=SendingPolicy)
    sms_provider: HttpProviderSettings | None = None
    push_provider: HttpProviderSettings | None = None
    webhook_timeout_seconds: float = 10.0

    @property
    def link_base(self) -> str:
        """The public base URL of links in messages (unsubscribe, tracking), no final slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        """True when the records live in the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def sqlite_url_for(home: Path) -> str:
    """The embedded database inside a data directory."""
    return f"sqlite:///{home / 'twofold.sqlite3'}"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from ``environ`` (default: the process environment)."""
    env = dict(os.environ if environ is None else environ)
    home = Path(env.get("TWOFOLD_HOME", DEFAULT_HOME)).resolve()
    database_url = env.get("TWOFOLD_DATABASE_URL") or sqlite_url_for(home)
    settings = Settings(
        home=home,
        database_url=normalise_database_url(database_url),
        host=env.get("TWOFOLD_HOST", "127.0.0.1"),
        port=int(env.get("TWOFOLD_PORT", str(DEFAULT_PORT))),
        secret_key=env.get("TWOFOLD_SECRET_KEY") or _secret_from_home(home),
        secure_cookies=env.get("TWOFOLD_SECURE_COOKIES", "").lower() in {"1", "true", "yes"},
        events_retention_days=_whole_number(env, "TWOFOLD_EVENTS_RETENTION_DAYS", 0),
        lake_directory=Path(env["TWOFOLD_LAKE_DIR"]).resolve()
        if env.get("TWOFOLD_LAKE_DIR")
        else None,
        flow_worker_seconds=_seconds(env, "TWOFOLD_FLOW_WORKER_SECONDS", 1.0),
        segment_refresh_seconds=_whole_number(
            env, "TWOFOLD_SEGMENT_REFRESH_SECONDS", 3600, unit="seconds", minimum=1
        ),
        predictions_refresh_seconds=_whole_number(
            env, "TWOFOLD_PREDICTIONS_REFRESH_SECONDS", 86400, unit="seconds"
        ),
        renewal_lead_days=_whole_number(
            env, "TWOFOLD_RENEWAL_LEAD_DAYS", DEFAULT_RENEWAL_LEAD_DAYS, minimum=0
        ),
        account_jobs_seconds=_whole_number(
            env, "TWOFOLD_ACCOUNT_JOBS_SECONDS", DEFAULT_ACCOUNT_JOBS_SECONDS, unit="seconds"
        ),
        quote_approval_discount_percent=_percent(
            env, "TWOFOLD_QUOTE_APPROVAL_DISCOUNT_PERCENT", DEFAULT_QUOTE_APPROVAL_DISCOUNT_PERCENT
        ),
        quote_validity_days=_whole_number(
            env, "TWOFOLD_QUOTE_VALIDITY_DAYS", DEFAULT_QUOTE_VALIDITY_DAYS, minimum=1
        ),
        base_currency=parse_currency(
            env.get("TWOFOLD_BASE_CURRENCY", DEFAULT_BASE_CURRENCY), field="TWOFOLD_BASE_CURRENCY"
        ),
    )
    return _with_messaging(settings, env)


def _with_messaging(settings: Settings, env: dict[str, str]) -> Settings:
    """The messaging settings (decision 0017), each checked here so a wrong one stops start."""
    smtp_url = env.get("TWOFOLD_SMTP_URL", "").strip()
    return replace(
        settings,
        smtp=parse_smtp_url(smtp_url) if smtp_url else None,
        email_from=env.get("TWOFOLD_EMAIL_FROM") or settings.email_from,
        public_url=env.get("TWOFOLD_PUBLIC_URL", "").strip(),
        unsubscribe_mailto=env.get("TWOFOLD_UNSUBSCRIBE_MAILTO") or None,
        sending=SendingPolicy(
            caps=parse_caps(env.get("TWOFOLD_FREQUENCY_CAPS", DEFAULT_CAPS)),
            quiet_hours=parse_quiet_hours(env.get("TWOFOLD_QUIET_HOURS", DEFAULT_QUIET_HOURS)),
            default_timezone=check_timezone(env.get("TWOFOLD_TIMEZONE", "UTC")),
        ),
        sms_provider=parse_provider(env, "TWOFOLD_SMS_PROVIDER"),
        push_provider=parse_provider(env, "TWOFOLD_PUSH_PROVIDER"),
        webhook_timeout_seconds=_whole_number(
            env, "TWOFOLD_WEBHOOK_TIMEOUT_SECONDS", 10, unit="seconds", minimum=1
        ),
    )


def _whole_number(
    env: dict[str, str], name: str, default: int, *, unit: str = "days", minimum: int = 0
) -> int:
    """A non-negative integer setting; anything else stops the start with a clear message."""
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < minimum:
        raise ValueError(
            f"{name} must be a whole number of {unit} (at least {minimum}), not {text!r}"
        )
    return int(text)


def _percent(env: dict[str, str], name: str, default: Decimal) -> Decimal:
    """A percentage from 0 to 100; anything else stops the start with a clear message."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(f"{name} must be a percentage from 0 to 100, not {text!r}")
    return value


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    """A non-negative number of seconds; anything else stops the start with a clear message."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:  # NaN fails this comparison too
        raise ValueError(f"{name} must be a number of seconds from 0 to 86400, not {text!r}")
    return value


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_from_home(home: Path) -> str:
    """A per-installation secret kept in the data directory, created on first use."""
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
