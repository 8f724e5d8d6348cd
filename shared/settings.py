"""The gateway's settings: read once from the environment (and an optional ``.env``), validated.

Every value has an environment variable; no file is required.  Sections group variables by prefix
(``TELEGRAM_*``, ``REDIS_*``, ``DATABASE_*`` …) and compose into one frozen :class:`Settings`.
A missing or malformed value raises :class:`SettingsError` whose message names the variable and what
is wrong but never echoes the value, so a mistyped token cannot leak through an error message.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cached_property
from typing import Any, ClassVar, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEV_BOT_TOKEN",
    "DEV_SERVICE_API_KEY",
    "WEBHOOK_SECRET_MIN_LENGTH",
    "DatabaseSettings",
    "Settings",
    "SettingsError",
    "default_of",
    "load_database_settings",
    "load_section",
    "load_settings",
    "mask_url",
]

TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{35}$")
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# The values the dev stack and the fakes use; anywhere but development and test they mean
# "nobody configured this", so the process refuses to start with them.
DEV_BOT_TOKEN = "1000000001:" + "DevToken" * 4 + "Dev"
DEV_SERVICE_API_KEY = "dev-service-key"
# A webhook secret is the only proof that an update comes from Telegram: outside development
# and test it must be long enough not to be guessed (Telegram allows 1-256 of A-Z a-z 0-9 _ -).
WEBHOOK_SECRET_MIN_LENGTH = 32
LOCAL_ENVIRONMENTS = frozenset({"development", "test"})
# Query parameters whose value is a credential (``?password=``, ``?token=``, ``?api_key=`` …).
_SECRET_QUERY_RE = re.compile(
    r"(?i)((?:^|&)[^=&]*(?:pass|pwd|secret|token|key|auth|credential)[^=&]*=)[^&]*"
)


class SettingsError(Exception):
    """A setting is missing or malformed; ``str()`` is one line naming the variable."""


def _check_url(value: str, schemes: tuple[str, ...], name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise ValueError(f"must be a URL with scheme {' or '.join(schemes)}")
    if not parts.netloc and "host=" not in parts.query:
        raise ValueError("must name a host")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError("has an invalid port") from None
    return value


def mask_url(url: str) -> str:
    """The URL with any password replaced, for printing: the one in the user part
    (``redis://:pw@host``) and credential-named query parameters (``?password=pw``)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not a URL we can take apart: print nothing of it
        return "***"
    if password is not None:
        netloc = parts.netloc.rsplit("@", 1)[1]
        user = parts.username or ""
        parts = parts._replace(netloc=f"{user}:***@{netloc}")
    if parts.query:
        parts = parts._replace(query=_SECRET_QUERY_RE.sub(r"\1***", parts.query))
    return urlunsplit(parts)


class _Section(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )


class TelegramSettings(_Section):
    model_config = SettingsConfigDict(env_prefix="TELEGRAM_")

    bot_token: SecretStr
    use_webhook: bool = True
    polling_timeout: int = Field(default=30, ge=0, le=50)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    api_url: str = "https://api.telegram.org"
    set_webhook: bool = False
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    drop_pending_updates: bool = False
    # Outgoing pacing, shared by all workers through Redis (``limits`` notation, moving window;
    # "off" disables one).
    pace_private: str = "3 per 3 seconds"
    pace_group: str = "20 per minute"
    pace_global: str = "30 per second"
    # Waits (429 retry_after or pacing) up to this long happen in the worker; longer ones hand
    # the update back to the pipeline, which parks the chat without using up an attempt.
    retry_after_cap: float = Field(default=5.0, ge=0)
    api_retries: int = Field(default=3, ge=0, le=10)
    request_timeout: float = Field(default=10.0, gt=0)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, v: SecretStr) -> SecretStr:
        if not TOKEN_RE.match(v.get_secret_value()):
            raise ValueError("is not of the form <digits>:<35 characters of A-Z a-z 0-9 _ ->")
        return v

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _empty_secret(cls, v: Any) -> Any:
        # An empty variable (compose's ``${TELEGRAM_WEBHOOK_SECRET:-}``) means "no secret".
        return None if v == "" else v

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not SECRET_TOKEN_RE.match(v.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return v

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, v: str | None) -> str | None:
        return None if not v else _check_url(v, ("https", "http"), "webhook_url")

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, v: str) -> str:
        return _check_url(v, ("https", "http"), "api_url").rstrip("/")

    @field_validator("pace_private", "pace_group", "pace_global")
    @classmethod
    def _pace(cls, v: str) -> str:
        from limits import parse

        if v.strip().lower() in ("", "off", "none", "0"):
            return "off"
        try:
            parse(v)
        except ValueError:
            raise ValueError("is not a rate such as '30 per second' (or 'off')") from None
        return v

    @property
    def bot_id(self) -> int:
        return int(self.bot_token.get_secret_value().split(":", 1)[0])


class RedisSection(_Section):
    model_config = SettingsConfigDict(env_prefix="REDIS_")

    url: str = "redis://127.0.0.1:6379/0"
    fsm_ttl: int = Field(default=3600, gt=0)
    session_ttl: int = Field(default=86400, gt=0)
    # Every key the gateway writes starts with this, so several deployments (or test runs) can
    # share one Redis without touching each other's data.
    key_prefix: str = Field(default="bgw", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    # Redis Sentinel: "host:port,host:port,..." of the sentinels. When set, every process asks
    # them for the current primary of REDIS_SENTINEL_MASTER (and again after a failover);
    # REDIS_URL then only supplies the database number, user and password (its host is ignored).
    sentinels: str = ""
    sentinel_master: str = Field(default="mymaster", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    # Password of the sentinels themselves (their requirepass), if they have one.
    sentinel_password: SecretStr | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _check_url(v, ("redis", "rediss", "unix", "valkey"), "url")

    @field_validator("sentinels")
    @classmethod
    def _sentinels(cls, v: str) -> str:
        parse_sentinels(v)
        return v.strip()

    @field_validator("sentinel_password", mode="before")
    @classmethod
    def _empty_password(cls, v: Any) -> Any:
        return None if v == "" else v

    @property
    def sentinel_addresses(self) -> tuple[tuple[str, int], ...]:
        """The sentinels as (host, port); empty when Sentinel is not used."""
        return parse_sentinels(self.sentinels)


def parse_sentinels(value: str) -> tuple[tuple[str, int], ...]:
    """``"a:26379, b:26379"`` -> ``(("a", 26379), ("b", 26379))``; the port defaults to 26379."""
    out: list[tuple[str, int]] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        if item.startswith("["):  # [IPv6]:port
            host, _, rest = item[1:].partition("]")
            sep, port = rest[:1], rest[1:]
        elif item.count(":") == 1:
            host, sep, port = item.partition(":")
        else:  # a name, or a bare IPv6 address
            host, sep, port = item, "", ""
        if not host or (sep and not port.isdigit()) or (port and not 0 < int(port) < 65536):
            raise ValueError("must be a comma-separated list of host:port")
        out.append((host, int(port) if port else 26379))
    return tuple(out)


class DatabaseSettings(_Section):
    model_config = SettingsConfigDict(env_prefix="DATABASE_")

    url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/bot_gateway"
    pool_size: int = Field(default=20, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    pool_recycle: int = Field(default=3600, ge=1)
    # Bounds on every wait for PostgreSQL, so an outage costs a bounded delay, never a stuck
    # worker: opening a connection, waiting for a pooled one, and one statement.
    connect_timeout: float = Field(default=5.0, gt=0)
    pool_timeout: float = Field(default=5.0, gt=0)
    statement_timeout: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        _check_url(v, ("postgresql+asyncpg", "postgresql", "postgres"), "url")
        # Accept the plain libpq spelling too; the engine always needs the asyncpg driver.
        scheme, rest = v.split("://", 1)
        return "postgresql+asyncpg://" + rest if scheme != "postgresql+asyncpg" else v


class ServicesSettings(_Section):
    auth_service_url: str = "http://127.0.0.1:8101"
    user_service_url: str = "http://127.0.0.1:8102"
    request_service_url: str = "http://127.0.0.1:8103"
    shift_service_url: str = "http://127.0.0.1:8104"
    analytics_service_url: str = "http://127.0.0.1:8105"
    service_api_key: SecretStr = SecretStr(DEV_SERVICE_API_KEY)
    service_name: str = "bot-gateway"
    # Fernet keys (comma-separated; the first encrypts, all decrypt) for the users' tokens
    # cached in Redis. Unset: a key derived from SERVICE_API_KEY.
    token_encryption_key: SecretStr | None = None

    @field_validator("token_encryption_key", mode="before")
    @classmethod
    def _empty_key(cls, v: Any) -> Any:
        return None if v == "" else v

    @field_validator("token_encryption_key")
    @classmethod
    def _fernet_keys(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None:
            return v
        for key in v.get_secret_value().split(","):
            try:
                raw = base64.urlsafe_b64decode(key.strip().encode())
            except (ValueError, binascii.Error):
                raw = b""
            if len(raw) != 32:
                raise ValueError("must be Fernet keys (32 bytes, url-safe base64), comma-separated")
        return v

    def token_keys(self) -> list[bytes]:
        """The configured token encryption keys, first one first; empty when unset."""
        if self.token_encryption_key is None:
            return []
        return [k.strip().encode() for k in self.token_encryption_key.get_secret_value().split(",")]

    @field_validator(
        "auth_service_url",
        "user_service_url",
        "request_service_url",
        "shift_service_url",
        "analytics_service_url",
    )
    @classmethod
    def _url(cls, v: str) -> str:
        return _check_url(v, ("http", "https"), "url").rstrip("/")


class HttpSettings(_Section):
    model_config = SettingsConfigDict(env_prefix="HTTP_")

    timeout: float = Field(default=10.0, gt=0)
    connect_timeout: float = Field(default=2.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    breaker_threshold: int = Field(default=5, ge=1)
    breaker_ttl: float = Field(default=30.0, gt=0)
    # One client call, retries and backoff included, never takes longer than this.
    deadline: float = Field(default=15.0, gt=0)
    retry_wait_initial: float = Field(default=0.2, ge=0)
    retry_wait_max: float = Field(default=2.0, ge=0)
    # A Retry-After up to this long is waited out inside the call; a longer one goes to the caller.
    retry_after_max: float = Field(default=5.0, ge=0)
    max_connections: int = Field(default=100, ge=1)
    max_keepalive_connections: int = Field(default=20, ge=0)


class AppSection(_Section):
    environment: Literal["development", "test", "staging", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    # Development and test only: follow the fake services' clock (shared.clock), e.g.
    # http://127.0.0.1:8102/__fake__/clock; unset: the system clock.
    clock_url: str | None = None

    @field_validator("clock_url", mode="before")
    @classmethod
    def _empty_clock(cls, v: Any) -> Any:
        return None if v == "" else v

    @field_validator("clock_url")
    @classmethod
    def _clock_url(cls, v: str | None) -> str | None:
        return None if v is None else _check_url(v, ("http", "https"), "url")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v


class IngestSettings(_Section):
    model_config = SettingsConfigDict(env_prefix="INGEST_")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    redis_timeout: float = Field(default=2.0, gt=0)
    record: bool = False
    record_maxlen: int = Field(default=100_000, ge=1)
    # Long polling: how long the active poller's lease lives without renewal; a standby takes
    # over about this long after the active replica dies.
    poller_lease_seconds: float = Field(default=5.0, ge=1.0, le=60.0)
    # The public port against slow clients: request line + headers, then the body, must each
    # arrive within these seconds; an idle kept-alive connection closes after keepalive_timeout.
    header_timeout: float = Field(default=10.0, gt=0, le=300)
    body_timeout: float = Field(default=10.0, gt=0, le=300)
    keepalive_timeout: float = Field(default=75.0, gt=0, le=3600)
    # Open connections per server process; past it a new one is answered 503 and closed.
    max_connections: int = Field(default=512, ge=1)
    # Before acknowledging, wait until this many Redis replicas hold the update (Redis WAIT;
    # 0 = answer as soon as the primary has it). With 1, a failover after the 200 cannot lose
    # the update, at the price of a 503 whenever no replica acknowledges within
    # INGEST_REPLICA_ACK_TIMEOUT (see README, "Redis high availability").
    replica_ack: int = Field(default=0, ge=0, le=10)
    replica_ack_timeout: float = Field(default=0.5, gt=0)


class SentrySettings(_Section):
    """Error tracking: off (nothing imported, nothing sent) unless SENTRY_DSN is set."""

    model_config = SettingsConfigDict(env_prefix="SENTRY_")

    dsn: SecretStr | None = None
    # Defaults: ENVIRONMENT and the installed package's version.
    environment: str | None = None
    release: str | None = None
    sample_rate: float = Field(default=1.0, ge=0, le=1)

    @field_validator("dsn", "environment", "release", mode="before")
    @classmethod
    def _empty(cls, v: Any) -> Any:
        return None if v == "" else v

    @field_validator("dsn")
    @classmethod
    def _dsn(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            _check_url(v.get_secret_value(), ("https", "http"), "dsn")
        return v


class InternalSettings(_Section):
    """The internal listener (``POST /internal/v1/events``, ``/metrics``): never the public port."""

    model_config = SettingsConfigDict(env_prefix="INTERNAL_")

    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=0, le=65535)
    # A batch of 100 events with full request objects stays well below this.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)


class EventsSettings(_Section):
    """Events from the services and the notifications made of them (contracts.md §10)."""

    model_config = SettingsConfigDict(env_prefix="EVENTS_")

    # How long an event_id is remembered: a redelivery within it is a duplicate.
    dedup_ttl: int = Field(default=7 * 24 * 3600, ge=3600)
    # Event lanes: events about one subject (a request, a user, a shift) keep their order.
    lanes: int = Field(default=8, ge=1, le=256)


class RateLimitSettings(_Section):
    model_config = SettingsConfigDict(env_prefix="RATE_LIMIT_")

    messages_per_minute: int = Field(default=20, ge=1)
    messages_per_hour: int = Field(default=100, ge=1)
    commands_per_minute: int = Field(default=5, ge=1)


def default_of(section: type[BaseSettings], name: str) -> Any:
    """The default of a setting, for the config objects that take their values from settings
    (their own defaults, which tests lean on, are these: each default is written once)."""
    return section.model_fields[name].get_default(call_default_factory=True)


class PipelineSettings(_Section):
    model_config = SettingsConfigDict(env_prefix="PIPELINE_")

    max_attempts: int = Field(default=5, ge=1)
    max_pending_per_chat: int = Field(default=10_000, ge=1)
    dedup_ttl: int = Field(default=48 * 3600, ge=24 * 3600)
    lease_ms: int = Field(default=15_000, ge=100)
    batch_size: int = Field(default=20, ge=1)
    batch_seconds: float = Field(default=2.0, gt=0)
    handler_timeout: float = Field(default=20.0, gt=0)
    reaper_grace_ms: int = Field(default=2_000, ge=0)
    # Seconds before retry n+1 of a failed update (the last value repeats); JSON list in the env.
    retry_backoff: tuple[float, ...] = Field(default=(1.0, 5.0, 30.0, 120.0), min_length=1)
    reaper_interval: int = Field(default=5, ge=1, le=30)
    reaper_scan_interval: int = Field(default=300, ge=1)
    # The longest a Retry-After (a peer's 429, a pacing window) parks a chat; longer (or
    # infinite) values are clamped: the update is simply tried again then.
    max_hold_seconds: float = Field(default=600.0, gt=0, le=86_400)
    # Bytes of update payloads pending in all chats together; past it ingest answers 503 (the
    # webhook) or holds its offset (polling) until workers drain. 0 = no budget.
    max_pending_bytes: int = Field(default=256 * 1024 * 1024, ge=0)
    # Dead letters kept; the oldest beyond it are trimmed (counted and logged). 0 = no cap.
    dlq_max_entries: int = Field(default=10_000, ge=0)
    # Ingest refuses new updates (503) while Redis used_memory is above this share of its
    # maxmemory, leaving the rest for the drain side that frees memory. 0 = no check.
    redis_memory_high_water: float = Field(default=0.9, ge=0, le=1)
    # Before each outgoing Bot API call a worker checks it still holds the chat's lease (free
    # while its last extension is recent) and drops the call if not. Off only to measure it.
    fence_side_effects: bool = True

    @field_validator("retry_backoff")
    @classmethod
    def _backoff(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(x < 0 for x in v):
            raise ValueError("must be non-negative seconds")
        return v


class WorkerSection(_Section):
    model_config = SettingsConfigDict(env_prefix="WORKER_")

    max_jobs: int = Field(default=100, ge=1)
    poll_delay: float = Field(default=0.05, gt=0)
    metrics_port: int = Field(default=9101, ge=0, le=65535)
    # All interfaces: Prometheus scrapes each worker container from outside.
    metrics_host: str = "0.0.0.0"
    shutdown_wait: float = Field(default=25.0, ge=0)
    health_check_interval: int = Field(default=10, ge=1)
    # 0 = automatic (20 x max_jobs). Claimed jobs are re-scored behind the due ones, so jobs in
    # progress on other replicas never fill it, however many replicas run.
    queue_read_limit: int = Field(default=0, ge=0)
    metrics_batch_size: int = Field(default=500, ge=1)
    metrics_flush_seconds: float = Field(default=5.0, gt=0)
    metrics_retention_days: int = Field(default=30, ge=3)
    session_batch_size: int = Field(default=500, ge=1)
    session_flush_seconds: float = Field(default=5.0, gt=0)
    # Role and status decisions read this cache: a demotion or a block takes effect within it.
    profile_cache_seconds: int = Field(default=5, ge=1, le=5)
    commands_refresh_seconds: float = Field(default=60.0, gt=0)
    # The product promises changes of gateway-kept settings reach every worker within 30 s.
    gateway_settings_cache_seconds: float = Field(default=10.0, ge=0, le=30)
    # The loop watchdog (workers.pipeline.watchdog): an event loop blocked this long hands its
    # chats to the other workers and dead-letters the update blocking it (0 = off); blocked
    # block_exit seconds, the process exits for its supervisor to restart it (0 = never).
    block_limit: float = Field(default=2.0, ge=0)
    block_exit: float = Field(default=60.0, ge=0)
    # A button press is answered within about 1 s (docs/behaviour.md §4): a handler that has not
    # answered its callback query this long after the worker took the update gets an empty
    # answer then, and a later alert of its goes to the chat as a message. 0: at once.
    callback_answer_seconds: float = Field(default=0.5, ge=0, le=0.9)


class BroadcastSection(_Section):
    model_config = SettingsConfigDict(env_prefix="BROADCAST_")

    # Below Telegram's ~30 messages/s for the whole bot, so that conversations keep their share.
    rate: float = Field(default=20.0, gt=0, le=10_000)
    # Sender jobs per broadcast, spread over the workers (each claims recipients one at a time).
    runners: int = Field(default=2, ge=1, le=32)
    # Sends one sender job keeps in flight (only matters when the rate is lifted).
    concurrency: int = Field(default=4, ge=1, le=64)
    # Seconds between a sender's heartbeats; a sender silent for 3 of them counts as dead.
    heartbeat: float = Field(default=1.0, gt=0, le=30)


class Settings(BaseModel):
    """Everything, composed once by :func:`load_settings` and passed down."""

    model_config = {"frozen": True}

    telegram: TelegramSettings
    redis: RedisSection
    database: DatabaseSettings
    services: ServicesSettings
    http: HttpSettings
    app: AppSection
    ingest: IngestSettings
    internal: InternalSettings
    events: EventsSettings
    rate_limit: RateLimitSettings
    pipeline: PipelineSettings
    worker: WorkerSection
    broadcast: BroadcastSection
    sentry: SentrySettings = Field(default_factory=SentrySettings)

    _ENV_NAMES: ClassVar[dict[str, str]] = {}

    @model_validator(mode="after")
    def _deployed_rules(self) -> Settings:
        if self.app.environment not in LOCAL_ENVIRONMENTS:
            self._check_deployed_secrets()
        if self.app.clock_url and self.app.environment not in LOCAL_ENVIRONMENTS:
            raise SettingsError(
                f"CLOCK_URL: follows a fake clock, refused in {self.app.environment}"
            )
        if self.telegram.set_webhook and not self.telegram.webhook_url:
            raise SettingsError("TELEGRAM_WEBHOOK_URL: required when TELEGRAM_SET_WEBHOOK=true")
        return self

    def _check_deployed_secrets(self) -> None:
        """Staging and production never run on a guessable or well-known secret."""
        env = self.app.environment
        secret = self.telegram.webhook_secret
        if self.telegram.use_webhook and (
            secret is None or len(secret.get_secret_value()) < WEBHOOK_SECRET_MIN_LENGTH
        ):
            raise SettingsError(
                f"TELEGRAM_WEBHOOK_SECRET: required in {env} webhook mode, at least "
                f"{WEBHOOK_SECRET_MIN_LENGTH} characters of A-Z a-z 0-9 _ -"
            )
        if self.services.service_api_key.get_secret_value() == DEV_SERVICE_API_KEY:
            raise SettingsError(f"SERVICE_API_KEY: the development key is refused in {env}")
        if self.telegram.bot_token.get_secret_value() == DEV_BOT_TOKEN:
            raise SettingsError(f"TELEGRAM_BOT_TOKEN: the development token is refused in {env}")

    @cached_property
    def secrets(self) -> tuple[str, ...]:
        """Secret values to scrub from any log line, whatever shape they appear in."""
        values = [
            self.telegram.bot_token.get_secret_value(),
            self.services.service_api_key.get_secret_value(),
        ]
        if self.telegram.webhook_secret is not None:
            values.append(self.telegram.webhook_secret.get_secret_value())
        values.extend(k.decode() for k in self.services.token_keys())
        if self.redis.sentinel_password is not None:
            values.append(self.redis.sentinel_password.get_secret_value())
        if self.sentry.dsn is not None:
            values.append(self.sentry.dsn.get_secret_value())
        return tuple(v for v in values if len(v) >= 6)

    def masked(self) -> dict[str, dict[str, Any]]:
        """The effective settings by section, secrets masked, as check-config prints them."""
        out: dict[str, dict[str, Any]] = {}
        for name in type(self).model_fields:
            section: BaseSettings = getattr(self, name)
            values: dict[str, Any] = {}
            for field in type(section).model_fields:
                value = getattr(section, field)
                if isinstance(value, SecretStr):
                    value = "***" if value.get_secret_value() else ""
                elif isinstance(value, str) and "://" in value:
                    value = mask_url(value)
                values[_env_name(type(section), field)] = value
            out[name] = values
        return out


def _env_name(section: type[BaseSettings], field: str) -> str:
    prefix = section.model_config.get("env_prefix") or ""
    return f"{prefix}{field}".upper()


S = TypeVar("S", bound=BaseSettings)


def load_section(cls: type[S]) -> S:
    try:
        return cls()
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "is required but not set"
        raise SettingsError(f"{_env_name(cls, field)}: {msg}") from None


def load_database_settings() -> DatabaseSettings:
    """Only the database section: migrations need nothing else."""
    return load_section(DatabaseSettings)


def load_settings() -> Settings:
    """Read and validate every section; raise :class:`SettingsError` on the first bad value."""
    sections = {
        name: load_section(field.annotation)  # type: ignore[arg-type]
        for name, field in Settings.model_fields.items()
    }
    try:
        return Settings(**sections)
    except ValidationError as exc:
        # A SettingsError raised inside a validator arrives wrapped; keep its one line.
        err = exc.errors(include_input=False, include_url=False)[0]
        raise SettingsError(str(err["msg"]).removeprefix("Value error, ")) from None
