"""Settings: every variable from the environment alone, one clear line on a bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.settings import (
    DEV_BOT_TOKEN,
    DEV_SERVICE_API_KEY,
    SettingsError,
    load_database_settings,
    load_settings,
    mask_url,
)

GOOD_TOKEN = "123456789:" + "b" * 35


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_SET_WEBHOOK", "TELEGRAM_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.chdir("/")  # no stray .env is read


def test_defaults_match_the_documented_values(clean_env: None) -> None:
    s = load_settings()
    assert s.database.pool_size == 20
    assert s.database.max_overflow == 10
    assert s.redis.fsm_ttl == 3600
    assert s.redis.session_ttl == 86400
    assert s.http.timeout == 10
    assert s.http.max_retries == 3
    assert (s.rate_limit.messages_per_minute, s.rate_limit.messages_per_hour) == (20, 100)
    assert s.rate_limit.commands_per_minute == 5
    assert s.pipeline.max_attempts == 5
    assert s.telegram.bot_id == 123456789


def test_environment_overrides_every_section(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INGEST_PORT", "18080")
    monkeypatch.setenv("TELEGRAM_USE_WEBHOOK", "false")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/x")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("AUTH_SERVICE_URL", "http://auth.internal:8000/")
    s = load_settings()
    assert s.ingest.port == 18080
    assert s.telegram.use_webhook is False
    assert s.database.url == "postgresql+asyncpg://u:p@db:5432/x"
    assert s.app.log_level == "DEBUG"
    assert s.services.auth_service_url == "http://auth.internal:8000"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TELEGRAM_BOT_TOKEN", "12345:short", "TELEGRAM_BOT_TOKEN: is not of the form"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL: must be a URL"),
        ("USER_SERVICE_URL", "not a url", "USER_SERVICE_URL: must be a URL"),
        ("HTTP_TIMEOUT", "soon", "HTTP_TIMEOUT:"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT:"),
        ("TELEGRAM_WEBHOOK_SECRET", "has spaces!", "TELEGRAM_WEBHOOK_SECRET:"),
    ],
)
def test_bad_value_names_the_variable(
    clean_env: None, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value).startswith(expected)
    assert value not in str(info.value)


def test_missing_token_is_reported(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN: is required"):
        load_settings()


STRONG_SECRET = "S" * 16 + "_-0123456789abcd"  # 32 characters of Telegram's alphabet


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_deployed_environments_refuse_weak_or_development_secrets(
    clean_env: None, monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.setenv("SERVICE_API_KEY", "a-real-key")
    with pytest.raises(SettingsError, match=r"^TELEGRAM_WEBHOOK_SECRET: required"):
        load_settings()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", STRONG_SECRET[:31])
    with pytest.raises(SettingsError, match=r"^TELEGRAM_WEBHOOK_SECRET: .*at least 32"):
        load_settings()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", STRONG_SECRET[:31] + "!")
    with pytest.raises(SettingsError, match=r"^TELEGRAM_WEBHOOK_SECRET:"):
        load_settings()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", STRONG_SECRET)
    assert load_settings().telegram.webhook_secret is not None
    monkeypatch.setenv("SERVICE_API_KEY", DEV_SERVICE_API_KEY)
    with pytest.raises(SettingsError, match=r"^SERVICE_API_KEY: the development key"):
        load_settings()
    monkeypatch.delenv("SERVICE_API_KEY")  # the default is the development key too
    with pytest.raises(SettingsError, match=r"^SERVICE_API_KEY:"):
        load_settings()
    monkeypatch.setenv("SERVICE_API_KEY", "a-real-key")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEV_BOT_TOKEN)
    with pytest.raises(SettingsError, match=r"^TELEGRAM_BOT_TOKEN: the development token"):
        load_settings()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("CLOCK_URL", "http://127.0.0.1:8102/__fake__/clock")
    with pytest.raises(SettingsError, match=r"^CLOCK_URL: follows a fake clock, refused"):
        load_settings()


@pytest.mark.parametrize("environment", ["development", "test"])
def test_local_environments_accept_development_values(
    clean_env: None, monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEV_BOT_TOKEN)
    monkeypatch.delenv("SERVICE_API_KEY", raising=False)
    settings = load_settings()
    assert settings.telegram.webhook_secret is None
    assert settings.services.service_api_key.get_secret_value() == DEV_SERVICE_API_KEY


def test_polling_needs_no_webhook_secret_in_production(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SERVICE_API_KEY", "a-real-key")
    monkeypatch.setenv("TELEGRAM_USE_WEBHOOK", "false")
    assert load_settings().telegram.use_webhook is False


def test_production_start_without_secret_exits_2_with_one_line() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "ENVIRONMENT": "production",
        "SERVICE_API_KEY": "a-real-key",
        "TELEGRAM_WEBHOOK_SECRET": "short",
    }
    for command in (("check-config",), ("ingest",), ("worker",)):
        proc = run_cli(*command, env=env)
        assert proc.returncode == 2, (command, proc.stderr)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert lines[0].startswith("configuration error: TELEGRAM_WEBHOOK_SECRET:")
        assert "short" not in lines[0]


def test_database_section_loads_without_a_token(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@/db?host=/tmp/sock")
    assert load_database_settings().url.endswith("host=/tmp/sock")


def test_mask_url_hides_only_the_password() -> None:
    assert mask_url("redis://:pw@h:1/0") == "redis://:***@h:1/0"
    assert mask_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert mask_url("http://h:1") == "http://h:1"
    assert mask_url("redis://h:1/0?password=pw&db=2") == "redis://h:1/0?password=***&db=2"
    assert (
        mask_url("postgresql://u@/db?host=/tmp&PASSWORD=pw&sslkey=k&application_name=x")
        == "postgresql://u@/db?host=/tmp&PASSWORD=***&sslkey=***&application_name=x"
    )
    assert mask_url("redis://:pw@[::1/0") == "***"  # unparsable: nothing of it printed


def test_check_config_bad_token_exits_2_without_echoing_it(tmp_path) -> None:
    bad = "987654321:this-is-not-valid-but-secret"
    proc = run_cli("check-config", env={"TELEGRAM_BOT_TOKEN": bad, "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert bad not in proc.stdout + proc.stderr
    assert "this-is-not-valid" not in proc.stdout + proc.stderr


def test_check_config_prints_effective_settings_with_secrets_masked() -> None:
    secret = "webhook_Secret_123"
    env = {
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": secret,
        "SERVICE_API_KEY": "service-key-value",
        "DATABASE_URL": "postgresql://gw:dbpassword@db/gw",
        "REDIS_URL": "redis://:redispass@cache:6379/0?password=querypass",
        "INGEST_PORT": "9999",
    }
    proc = run_cli("check-config", env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "INGEST_PORT=9999" in out
    assert "TELEGRAM_BOT_TOKEN=***" in out
    assert "REDIS_URL=redis://:***@cache:6379/0?password=***" in out
    for leaked in (GOOD_TOKEN, secret, "service-key-value", "dbpassword", "redispass", "querypass"):
        assert leaked not in out


def test_every_configured_secret_is_scrubbed_and_masked(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fernet = "A" * 43 + "="  # 32 bytes, url-safe base64
    values = {
        "TELEGRAM_WEBHOOK_SECRET": "hook_Secret-0123456789",
        "SERVICE_API_KEY": "service-key-value",
        "TOKEN_ENCRYPTION_KEY": fernet,
        "REDIS_SENTINELS": "sentinel-a:26379",
        "REDIS_SENTINEL_PASSWORD": "sentinel-pass",
        "SENTRY_DSN": "https://publickey@sentry.example/42",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    # The logger scrubs these values wherever they appear (shared.logs): each one is listed.
    assert set(settings.secrets) == {GOOD_TOKEN, *values.values()} - {"sentinel-a:26379"}
    masked = {k: v for section in settings.masked().values() for k, v in section.items()}
    for name in ("TELEGRAM_WEBHOOK_SECRET", "SERVICE_API_KEY", "REDIS_SENTINEL_PASSWORD"):
        assert masked[name] == "***", name
    assert not {str(v) for v in masked.values()} & set(settings.secrets)
    # Values too short to scrub without mangling ordinary words are left out, not matched.
    monkeypatch.setenv("SERVICE_API_KEY", "abc")
    monkeypatch.delenv("SENTRY_DSN")
    monkeypatch.delenv("REDIS_SENTINEL_PASSWORD")
    assert "abc" not in load_settings().secrets
