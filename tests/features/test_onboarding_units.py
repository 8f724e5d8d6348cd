"""Onboarding's pure parts and its join-attempt limit (on real Redis)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from workers.bot.core.phone import normalize_contact_phone, normalize_typed_phone
from workers.bot.features.onboarding.invites import consume_key, parse_invite
from workers.bot.features.onboarding.limits import JoinLimiter


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+998901234567", "+998901234567"),
        ("998901234567", "+998901234567"),
        ("901234567", "+998901234567"),
        ("+998 (90) 123-45-67", "+998901234567"),
        ("90 123 45 67", "+998901234567"),
        ("+7 999 1234567", None),
        ("8901234567", None),
        ("12345", None),
        ("+99890123456a", None),
        ("", None),
    ],
)
def test_typed_phones(typed: str, expected: str | None) -> None:
    assert normalize_typed_phone(typed) == expected


def test_contact_phones() -> None:
    assert normalize_contact_phone("998901234567") == "+998901234567"
    assert normalize_contact_phone("+7 999 123-45-67") == "+79991234567"
    assert normalize_contact_phone("901234567") == "+998901234567"
    assert normalize_contact_phone("12") is None


def test_invite_inputs() -> None:
    token = "k3Vd9Qm2xTz7LwPa"
    assert parse_invite(token) == token
    assert parse_invite(f"join_{token}") == token
    assert parse_invite(f"  https://t.me/uk_bot?start=join_{token} ") == token
    assert parse_invite("short") is None
    assert parse_invite("join_has spaces in it!") is None
    assert parse_invite("x" * 60) is None
    key = consume_key(token, 42)
    assert token not in key and key.startswith("join:") and key.endswith(":42")
    assert consume_key(token, 42) == key != consume_key(token, 43)


async def test_join_limit_is_five_per_window(redis: Redis, key_prefix: str) -> None:
    limiter = JoinLimiter(redis, key_prefix)
    assert [await limiter.hit(100) for _ in range(5)] == [None] * 5
    wait = await limiter.hit(100)
    assert wait is not None and 890 < wait <= 900
    assert await limiter.hit(101) is None  # per Telegram user
    assert all(k.decode().startswith(key_prefix) for k in await redis.keys(f"{key_prefix}*"))
    short = JoinLimiter(redis, f"{key_prefix}:short", limit=1, window=0.2)
    assert await short.hit(1) is None
    assert await short.hit(1) is not None
