"""JWTs of the fakes: HS256 with one shared test secret (``FAKE_JWT_SECRET``, docs/contracts.md §3).

Expiry is checked against the fakes' clock, not the wall clock, so tests that move the clock see
tokens expire.  The contract's default secret is shorter than PyJWT's recommended 32 bytes; that is
fine for a test double, so the length warning is silenced here and only here.
"""

from __future__ import annotations

import os
import uuid
import warnings
from typing import Any

import jwt

from devkit.fakes.entities import UserRec
from devkit.fakes.state import FakeWorld

__all__ = ["ACCESS_TTL", "REFRESH_TTL", "decode", "issue", "secret"]

ACCESS_TTL = 3600
REFRESH_TTL = 7 * 24 * 3600


def secret() -> str:
    return os.environ.get("FAKE_JWT_SECRET", "test-jwt-secret")


def issue(world: FakeWorld, user: UserRec, session_id: str, kind: str) -> tuple[str, str]:
    """A signed token of ``kind`` (``access`` or ``refresh``) and its ``jti``."""
    now = int(world.now().timestamp())
    jti = uuid.uuid4().hex
    claims = {
        "user_id": user.id,
        "telegram_id": user.telegram_id,
        "roles": list(user.roles),
        "session_id": session_id,
        "type": kind,
        "jti": jti,
        "iat": now,
        "exp": now + (ACCESS_TTL if kind == "access" else REFRESH_TTL),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode(claims, secret(), algorithm="HS256"), jti


def decode(world: FakeWorld, token: str, kind: str) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token of ``kind``; ``None`` otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
            claims: dict[str, Any] = jwt.decode(
                token,
                secret(),
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False},
            )
    except jwt.PyJWTError:
        return None
    if claims.get("type") != kind or not isinstance(claims.get("user_id"), int):
        return None
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= world.now().timestamp():
        return None
    session = world.sessions.get(str(claims.get("session_id")))
    if session is None or session.revoked:
        return None
    return claims
