"""Settings from the environment with some variables replaced, without touching ``os.environ``.

The tools start fakes on free ports and then need settings pointing at them; several systems may
run in one process (tests), so the overrides travel as constructor values (which pydantic-settings
ranks above the environment) instead of being written into the process environment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, get_origin

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from shared.settings import Settings, SettingsError

__all__ = ["load_settings_with", "setting_names"]


def _sections() -> dict[str, type[BaseSettings]]:
    out: dict[str, type[BaseSettings]] = {}
    for name, field in Settings.model_fields.items():
        section = field.annotation
        assert isinstance(section, type) and issubclass(section, BaseSettings)
        out[name] = section
    return out


def _env_name(section: type[BaseSettings], field: str) -> str:
    prefix = section.model_config.get("env_prefix") or ""
    return f"{prefix}{field}".upper()


def setting_names() -> dict[str, tuple[str, str]]:
    """Every settings variable name → (section, field)."""
    return {
        _env_name(cls, field): (section, field)
        for section, cls in _sections().items()
        for field in cls.model_fields
    }


def _value(section: type[BaseSettings], field: str, value: str) -> Any:
    """Complex fields arrive as JSON in the environment; accept them the same way here."""
    annotation = section.model_fields[field].annotation
    if get_origin(annotation) in (tuple, list, dict, set) and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise SettingsError(f"{_env_name(section, field)}: not valid JSON") from None
    return value


def load_settings_with(overrides: Mapping[str, str]) -> Settings:
    """Like :func:`shared.settings.load_settings`, with ``overrides`` (variable → value) on top.

    Raises :class:`SettingsError` naming the variable on an unknown name or a bad value.
    """
    names = setting_names()
    per_section: dict[str, dict[str, Any]] = {}
    for name, value in overrides.items():
        if name not in names:
            raise SettingsError(f"{name}: not a setting")
        section, field = names[name]
        per_section.setdefault(section, {})[field] = _value(_sections()[section], field, value)
    built: dict[str, BaseSettings] = {}
    for section, cls in _sections().items():
        try:
            built[section] = cls(**per_section.get(section, {}))
        except ValidationError as exc:
            err = exc.errors(include_input=False, include_url=False)[0]
            field = str(err["loc"][0]) if err["loc"] else "?"
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "is required but not set"
            raise SettingsError(f"{_env_name(cls, field)}: {msg}") from None
    try:
        return Settings(**built)
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        raise SettingsError(str(err["msg"]).removeprefix("Value error, ")) from None
