"""compose.yaml and the Dockerfile, checked structurally (no Docker engine on CI machines)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from shared.settings import Settings, _env_name

ROOT = Path(__file__).resolve().parents[1]


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def setting_names() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        section = field.annotation
        assert isinstance(section, type)
        names.update(_env_name(section, f) for f in section.model_fields)
    return names


def test_services_and_no_obsolete_version_key() -> None:
    data = load()
    assert "version" not in data
    assert {"redis", "postgres", "migrate", "ingest", "worker", "fakes"} <= set(data["services"])


def test_stateful_services_have_healthchecks_and_dependents_wait_for_them() -> None:
    services = load()["services"]
    for name in ("redis", "postgres", "ingest", "worker", "fakes"):
        assert "healthcheck" in services[name], name
    assert services["ingest"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["worker"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("ingest", "worker"):
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
    assert services["migrate"]["command"] == ["migrate"]


def test_redis_keeps_an_append_only_file() -> None:
    command = load()["services"]["redis"]["command"]
    assert "--appendonly" in command
    assert command[command.index("--appendonly") + 1] == "yes"
    assert "--appendfsync" in command


def test_worker_scales_without_fixed_names_or_ports() -> None:
    worker = load()["services"]["worker"]
    assert worker["deploy"]["replicas"] == 2
    assert "container_name" not in worker
    assert "ports" not in worker
    grace = int(str(worker["stop_grace_period"]).rstrip("s"))
    assert grace > float(worker["environment"]["WORKER_SHUTDOWN_WAIT"])


HA = {"redis-primary", "redis-replica", "sentinel-1", "sentinel-2", "sentinel-3"}


def test_fakes_and_redis_ha_only_in_their_profiles() -> None:
    services = load()["services"]
    assert services["fakes"]["profiles"] == ["fakes"]
    assert set(services) >= HA
    assert all(services[n]["profiles"] == ["ha"] for n in HA)
    assert all("profiles" not in s for n, s in services.items() if n not in HA | {"fakes"})


HA_NET = "${REDIS_HA_NET:-172.16.53}"
PRIMARY = f"{HA_NET}.11"


def test_the_ha_profile_is_a_primary_a_replica_and_three_sentinels() -> None:
    services = load()["services"]
    replica = services["redis-replica"]["command"]
    assert replica[replica.index("--replicaof") + 1 :][:2] == [PRIMARY, "6379"]
    for name in ("sentinel-1", "sentinel-2", "sentinel-3"):
        script = services[name]["command"][0]
        assert f"sentinel monitor ${{REDIS_SENTINEL_MASTER:-gateway}} {PRIMARY} 6379 2" in (
            script.replace("$$", "$")
        )
        assert script.rstrip().endswith("--sentinel")
    env = load()["x-gateway-env"]
    assert env["REDIS_SENTINELS"] == "${REDIS_SENTINELS:-}"


def test_the_ha_nodes_know_each_other_by_fixed_addresses_not_names() -> None:
    """Docker's DNS has no entry for a stopped container: a sentinel resolving the killed
    primary's name stalls into TILT mode and does not fail over (seen in compose-smoke)."""
    data = load()
    services = data["services"]
    (pool,) = data["networks"]["redis-ha"]["ipam"]["config"]
    assert pool["subnet"] == f"{HA_NET}.0/24" and pool["ip_range"] == f"{HA_NET}.128/25"
    fixed = {n: services[n]["networks"]["redis-ha"]["ipv4_address"] for n in HA}
    assert len(set(fixed.values())) == len(HA)
    for address in fixed.values():  # in the subnet, outside the range Docker hands out
        prefix, last = address.rsplit(".", 1)
        assert prefix == HA_NET and 1 < int(last) < 128, address
    assert fixed["redis-primary"] == PRIMARY
    for node in ("redis-primary", "redis-replica"):
        command = services[node]["command"]
        assert command[command.index("--replica-announce-ip") + 1] == fixed[node]
    for name in ("sentinel-1", "sentinel-2", "sentinel-3"):
        script = services[name]["command"][0]
        assert "sentinel resolve-hostnames no" in script
        assert "sentinel announce-hostnames no" in script
        assert "redis-primary" not in script and "redis-replica" not in script
    # The sentinels hand out those addresses: the gateway's Redis clients are on that network.
    for name in ("ingest", "worker"):
        assert set(services[name]["networks"]) == {"default", "redis-ha"}, name


def test_base_images_are_public_by_default_and_overridable() -> None:
    services = load()["services"]
    assert services["redis"]["image"] == "${REDIS_IMAGE:-redis:7-alpine}"
    assert services["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:15-alpine}"
    build = services["ingest"]["build"]
    assert build["args"]["PYTHON_IMAGE"] == "${PYTHON_IMAGE:-python:3.11-slim}"
    assert services["fakes"]["build"]["target"] == "fakes"
    text = (ROOT / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text


def test_environment_names_are_real_settings() -> None:
    known = setting_names()
    for name, service in load()["services"].items():
        env = service.get("environment") or {}
        if name in ("postgres",):
            continue
        unknown = set(env) - known
        assert not unknown, (name, unknown)
        if name in ("ingest", "worker", "migrate"):
            assert {"REDIS_URL", "DATABASE_URL", "TELEGRAM_BOT_TOKEN"} <= set(env), name


def test_dockerfile_is_multistage_non_root_with_an_init_as_entrypoint() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, flags=re.MULTILINE)
    names = [name for _, name in stages]
    assert {"build", "runtime", "fakes", "production"} <= set(names)
    assert names[-1] == "production"  # the default target carries no dev kit
    final = text.rsplit("\nFROM ", 1)[1]
    assert "devkit" not in final and "venv-production" in final
    assert "build-essential" not in text
    assert re.search(r"^USER\s+(?!root)\w+", final, flags=re.MULTILINE)
    runtime = text.split("AS runtime", 1)[1].split("\nFROM ", 1)[0]
    assert 'ENTRYPOINT ["dumb-init", "--", "bot-gateway"]' in runtime
    assert "HEALTHCHECK" in runtime


_INTERPOLATION = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")
TOKEN = "123456789:" + "A" * 35


def env_file(path: Path) -> dict[str, str]:
    """A compose ``--env-file``: NAME=value lines, ``#`` comments."""
    lines = path.read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


# The demo of README's Compose section (`--env-file deploy/demo.env --profile fakes`): the fake
# services and the fake Bot API.
DEMO = env_file(ROOT / "deploy" / "demo.env")


def test_the_demo_env_file_is_the_readme_s_and_development() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "--env-file deploy/demo.env --profile fakes up" in readme
    assert DEMO["ENVIRONMENT"] == "development"
    assert DEMO["TELEGRAM_API_URL"] == "http://fakes:8081"


def interpolate(value: Any, given: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` against ``given``."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.groups()
        if given.get(name):
            return given[name]
        if op == "?":
            raise AssertionError(f"compose would stop: {name} is required ({arg})")
        return arg if op == "-" else ""

    return _INTERPOLATION.sub(one, str(value))


def service_env(name: str, given: dict[str, str]) -> dict[str, str]:
    env = load()["services"][name].get("environment") or {}
    return {key: interpolate(value, given) for key, value in env.items()}


def test_every_service_environment_loads_as_settings() -> None:
    from devkit.tools.overrides import load_settings_with

    production = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": "s" * 32,
        "SERVICE_API_KEY": "a-real-service-key",
    }
    for given in (production, DEMO):
        for name in ("migrate", "ingest", "worker", "fakes"):
            settings = load_settings_with(service_env(name, given))
            assert settings.redis.url == "redis://redis:6379/0", name
    # Without a secret, production webhook mode refuses to start, naming the variable.
    from shared.settings import SettingsError

    try:
        no_secret = {k: v for k, v in production.items() if k != "TELEGRAM_WEBHOOK_SECRET"}
        load_settings_with(service_env("ingest", no_secret))
    except SettingsError as exc:
        assert str(exc).startswith("TELEGRAM_WEBHOOK_SECRET")
    else:
        raise AssertionError("production webhook mode started without a secret")
    # Nor with the development service key (the demo's), which compose never falls back to: an
    # unset SERVICE_API_KEY stops compose itself.
    dev_key = {**production, "SERVICE_API_KEY": DEMO["SERVICE_API_KEY"]}
    try:
        load_settings_with(service_env("ingest", dev_key))
    except SettingsError as exc:
        assert str(exc).startswith("SERVICE_API_KEY")
    else:
        raise AssertionError("production started with the development service key")
    try:
        service_env("ingest", {**production, "SERVICE_API_KEY": ""})
    except AssertionError as exc:
        assert "SERVICE_API_KEY is required" in str(exc)
    else:
        raise AssertionError("compose started without SERVICE_API_KEY")


def test_the_fakes_profile_serves_the_bot_api_to_the_others() -> None:
    from devkit.fakes.cli import fake_ports
    from devkit.tools.overrides import load_settings_with

    fakes = load_settings_with(service_env("fakes", DEMO))
    assert fake_ports(fakes)["telegram"] == 8081  # `bot-gateway fakes` starts the Bot API fake
    assert "${FAKES_PUBLISH:-8081}:8081" in load()["services"]["fakes"]["ports"]
    ingest = load_settings_with(service_env("ingest", DEMO))
    assert ingest.telegram.api_url == "http://fakes:8081"
    assert ingest.services.user_service_url == "http://fakes:8102"
