"""Callback data of acceptance (all ≤ 64 bytes).

- ``al:<page>`` — a page of the requests awaiting acceptance (edited in place).
- ``rt:<number>:<version>:<rating>`` — the rating 1..5 that accepts a request (R9); ``version``
  is the ``status_version`` the rating keyboard was made for.
- ``rr:<act>:<draft>`` — the return flow's media Done/Skip (``md`` + ``val``) and its summary
  (``ok`` send, ``no`` cancel); ``draft`` is the draft's tag, like /create_request's.

Accept and Return themselves are buttons of the request card (``rq:acc`` / ``rq:ret``, see
:mod:`workers.bot.features.requests.keyboards`).
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from workers.bot.features.requests.keyboards import NUMBER_PATTERN

__all__ = ["AcceptListCb", "RatingCb", "ReturnCb"]


class AcceptListCb(CallbackData, prefix="al"):
    page: int = Field(default=1, ge=1, le=99_999)


class RatingCb(CallbackData, prefix="rt"):
    number: str = Field(pattern=NUMBER_PATTERN)
    ver: int = Field(ge=0, lt=2**31)
    rating: int = Field(ge=1, le=5)


class ReturnCb(CallbackData, prefix="rr"):
    act: Literal["md", "ok", "no"]
    draft: int = Field(ge=0, lt=2**53)
    val: str = Field(default="", pattern=r"^[a-z0-9_]{0,8}$")
