"""Settings: every variable from the environment alone, one clear line on a bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.settings import SettingsError, load_database_settings, load_settings, mask_url

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


def test_production_webhook_requires_a_secret(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret_value")
    assert load_settings().telegram.webhook_secret is not None


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
        "INGEST_PORT": "9999",
    }
    proc = run_cli("check-config", env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "INGEST_PORT=9999" in out
    assert "TELEGRAM_BOT_TOKEN=***" in out
    for leaked in (GOOD_TOKEN, secret, "service-key-value", "dbpassword"):
        assert leaked not in out
