"""The dependency pins that keep aiogram 3 (and not 2) installed next to arq."""

from __future__ import annotations

from importlib.metadata import version

import aiogram
import arq
import redis


def test_aiogram_3_is_what_is_imported() -> None:
    assert aiogram.__version__.startswith("3."), aiogram.__version__
    from aiogram.fsm.storage.redis import RedisStorage  # aiogram 3 only

    assert RedisStorage is not None


def test_redis_py_satisfies_arq_pin() -> None:
    assert redis.__version__.startswith("5."), redis.__version__
    assert version("arq").startswith("0.28"), arq.VERSION
