"""Settings the gateway keeps itself (docs/behaviour.md §2 "/settings"), shared by every worker.

Accessor API (what other features use)::

    store: GatewaySettingsStore = data["gateway_settings"]     # handlers: a parameter by that name
    current = await store.get()                                 # GatewaySettings, cached briefly
    current.default_language        # "ru" | "uz": the last step of the locale order
    current.maintenance_mode        # bool: when on, non-admins get only the maintenance text
    current.maintenance_text(locale, gettext)   # the admin's RU/UZ text, else the built-in one
    current.support_contact         # str, "" when not set (shown in /help and apologies)
    current.quiet_hours             # (start, end) minutes of the day in Asia/Tashkent, or None
    current.in_quiet_hours(now)     # bool: non-urgent notifications wait until the end

    await store.set("maintenance_mode", True, actor_user_id=1, actor_telegram_id=100001)
    await store.history(10)         # the newest changes first, who and when

Storage: one Redis hash ``<prefix>:gateway_settings`` (field per setting, absent = default) and a
capped list ``<prefix>:gateway_settings:log`` of the changes (JSON: setting, value, actor, time).
Every change also writes a ``gateway_setting_changed`` log line naming the setting and the actor
(never the value: a support contact may be a phone number). Redis rather than a table: the data is
five small values read on nearly every update, and Redis is already on that path.

Each worker process keeps what it read for ``WORKER_GATEWAY_SETTINGS_CACHE_SECONDS`` (≤ 30), so a
change reaches every worker within that time and costs one HGETALL per worker per interval; the
worker that made the change sees it at once.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, Literal, get_args

from redis.asyncio import Redis

from shared.logs import get_logger
from workers.bot.locales import DEFAULT_LOCALE, LOCALES, N_

__all__ = [
    "DEFAULT_MAINTENANCE_MESSAGE",
    "MAINTENANCE_MESSAGE_LIMIT",
    "SUPPORT_CONTACT_LIMIT",
    "GatewaySettings",
    "GatewaySettingsStore",
    "InvalidSetting",
    "SettingChange",
    "SettingName",
    "store_from",
]

log = get_logger(__name__)

SettingName = Literal[
    "default_language",
    "maintenance_mode",
    "maintenance_message_ru",
    "maintenance_message_uz",
    "support_contact",
    "quiet_hours",
]
SETTING_NAMES: Final[tuple[SettingName, ...]] = get_args(SettingName)
MAINTENANCE_MESSAGE_LIMIT: Final = 500
SUPPORT_CONTACT_LIMIT: Final = 100
DEFAULT_QUIET_HOURS: Final = "22:00-08:00"
_QUIET_RE: Final = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
TASHKENT: Final = timezone(timedelta(hours=5), "Asia/Tashkent")  # no DST since 1992
HISTORY_LIMIT: Final = 200

DEFAULT_MAINTENANCE_MESSAGE: Final = N_(
    "Бот на техническом обслуживании. Пожалуйста, попробуйте позже."
)


class InvalidSetting(ValueError):
    """A value the setting does not accept; ``limit`` is the length limit when that was broken."""

    def __init__(self, name: str, reason: str, limit: int | None = None) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
        self.limit = limit


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    default_language: str = DEFAULT_LOCALE
    maintenance_mode: bool = False
    maintenance_message_ru: str = ""
    maintenance_message_uz: str = ""
    support_contact: str = ""
    # "HH:MM-HH:MM" in Asia/Tashkent (may wrap midnight), or "off".
    quiet_hours_text: str = DEFAULT_QUIET_HOURS

    @property
    def quiet_hours(self) -> tuple[int, int] | None:
        """``(start, end)`` in minutes after midnight, Asia/Tashkent; ``None`` when off."""
        match = _QUIET_RE.match(self.quiet_hours_text)
        if match is None:
            return None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        return None if start == end else (start, end)

    def in_quiet_hours(self, now: datetime) -> bool:
        return self.quiet_end(now) is not None

    def quiet_end(self, now: datetime) -> datetime | None:
        """When the quiet hours around ``now`` end (UTC), or ``None`` outside them."""
        window = self.quiet_hours
        if window is None:
            return None
        start, end = window
        local = now.astimezone(TASHKENT)
        minute = local.hour * 60 + local.minute
        inside = start <= minute < end if start < end else (minute >= start or minute < end)
        if not inside:
            return None
        end_today = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
        if end_today <= local:
            end_today += timedelta(days=1)
        return end_today.astimezone(UTC)

    def maintenance_message(self, locale: str) -> str:
        """The admin's text for ``locale`` ("" when none was set)."""
        return self.maintenance_message_uz if locale == "uz" else self.maintenance_message_ru

    def maintenance_text(self, locale: str, gettext: Callable[[str], str]) -> str:
        """What a user in maintenance sees: the admin's text, else the built-in one translated.

        The admin's text is their own writing for this language, shown as it is: escape it
        before putting it into HTML.
        """
        return self.maintenance_message(locale) or gettext(DEFAULT_MAINTENANCE_MESSAGE)


@dataclass(frozen=True, slots=True)
class SettingChange:
    setting: str
    value: str
    actor_user_id: int | None
    actor_telegram_id: int | None
    at: datetime


def _validate(name: str, value: str | bool) -> str:
    """The stored form of ``value`` (always a string) or :class:`InvalidSetting`."""
    if name == "maintenance_mode":
        if isinstance(value, bool):
            return "on" if value else "off"
        if value in ("on", "off"):
            return value
        raise InvalidSetting(name, "on or off")
    if not isinstance(value, str):
        raise InvalidSetting(name, "text expected")
    if name == "default_language":
        if value not in LOCALES:
            raise InvalidSetting(name, "ru or uz")
        return value
    if name == "quiet_hours":
        text = value.strip().replace(" ", "").replace("–", "-")
        if text == "off" or _QUIET_RE.match(text):
            return text
        raise InvalidSetting(name, "HH:MM-HH:MM or off")
    text = value.strip()
    if name in ("maintenance_message_ru", "maintenance_message_uz"):
        limit = MAINTENANCE_MESSAGE_LIMIT
    elif name == "support_contact":
        limit = SUPPORT_CONTACT_LIMIT
    else:
        raise InvalidSetting(name, "unknown setting")
    if len(text) > limit:
        raise InvalidSetting(name, f"at most {limit} characters", limit)
    return text


def _parse(raw: Mapping[bytes | str, bytes | str]) -> GatewaySettings:
    values = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in raw.items()
    }
    language = values.get("default_language", DEFAULT_LOCALE)
    return GatewaySettings(
        default_language=language if language in LOCALES else DEFAULT_LOCALE,
        maintenance_mode=values.get("maintenance_mode") == "on",
        maintenance_message_ru=values.get("maintenance_message_ru", ""),
        maintenance_message_uz=values.get("maintenance_message_uz", ""),
        support_contact=values.get("support_contact", ""),
        quiet_hours_text=values.get("quiet_hours", DEFAULT_QUIET_HOURS),
    )


class GatewaySettingsStore:
    def __init__(self, redis: Redis, *, key_prefix: str, cache_seconds: float = 10.0) -> None:
        self._redis = redis
        self.key = f"{key_prefix}:gateway_settings"
        self.log_key = f"{key_prefix}:gateway_settings:log"
        self._cache_seconds = cache_seconds
        self._cached: GatewaySettings | None = None
        self._read_at = 0.0

    async def get(self) -> GatewaySettings:
        """The current settings; read from Redis at most once per cache interval."""
        now = time.monotonic()
        if self._cached is not None and now - self._read_at < self._cache_seconds:
            return self._cached
        current = _parse(await self._redis.hgetall(self.key))  # type: ignore[misc]
        self._cached, self._read_at = current, now
        return current

    def invalidate(self) -> None:
        self._cached = None

    async def set(
        self,
        name: SettingName,
        value: str | bool,
        *,
        actor_user_id: int | None,
        actor_telegram_id: int | None = None,
    ) -> GatewaySettings:
        """Validate, store and record one change; the new settings as this worker now sees them.

        An empty text (messages, support contact) clears the setting back to its default.
        """
        if name not in SETTING_NAMES:
            raise InvalidSetting(name, "unknown setting")
        stored = _validate(name, value)
        entry = json.dumps(
            {
                "setting": name,
                "value": stored,
                "actor_user_id": actor_user_id,
                "actor_telegram_id": actor_telegram_id,
                "at": datetime.now(UTC).isoformat(),
            },
            ensure_ascii=False,
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            if stored == "" and name not in ("default_language", "maintenance_mode", "quiet_hours"):
                pipe.hdel(self.key, name)
            else:
                pipe.hset(self.key, name, stored)
            pipe.lpush(self.log_key, entry)
            pipe.ltrim(self.log_key, 0, HISTORY_LIMIT - 1)
            pipe.hgetall(self.key)
            results = await pipe.execute()
        log.info(
            "gateway_setting_changed",
            setting=name,
            actor_user_id=actor_user_id,
            actor_telegram_id=actor_telegram_id,
        )
        current = _parse(results[-1])
        self._cached, self._read_at = current, time.monotonic()
        return current

    async def history(self, limit: int = 20) -> list[SettingChange]:
        """The newest ``limit`` changes first."""
        rows = await self._redis.lrange(self.log_key, 0, max(limit, 1) - 1)  # type: ignore[misc]
        changes: list[SettingChange] = []
        for row in rows:
            try:
                item = json.loads(row)
                changes.append(
                    SettingChange(
                        setting=str(item["setting"]),
                        value=str(item["value"]),
                        actor_user_id=item.get("actor_user_id"),
                        actor_telegram_id=item.get("actor_telegram_id"),
                        at=datetime.fromisoformat(item["at"]),
                    )
                )
            except (ValueError, KeyError, TypeError):
                log.warning("gateway_setting_log_entry_unreadable")
        return changes


def store_from(data: Mapping[str, Any]) -> GatewaySettingsStore:
    """The store the runtime put into the handler/middleware ``data`` as ``gateway_settings``."""
    store = data.get("gateway_settings")
    if not isinstance(store, GatewaySettingsStore):
        raise RuntimeError("gateway_settings is not wired into the dispatcher")
    return store
