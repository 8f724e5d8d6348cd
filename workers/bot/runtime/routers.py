"""Where feature routers plug in: one ``"module:attribute"`` line each, in priority order.

Routers are imported when the worker starts, so a broken feature module fails start-up loudly
rather than at the first update. The runtime's middlewares (logging, rate limit, i18n, auth,
access) apply to every router listed here; handlers receive ``auth``, ``i18n``, ``locale``,
``sessions``, ``clients``, ``state`` (FSM) and ``update_context`` by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Final

from aiogram import Router

__all__ = ["FEATURE_ROUTERS", "load_routers", "release_router"]

FEATURE_ROUTERS: Final[tuple[str, ...]] = (
    # "workers.handlers.start:router",
    "workers.bot.features.common.router:router",
    "workers.bot.features.broadcast.router:router",
    "workers.bot.features.onboarding.router:router",
    "workers.bot.features.requests.router:router",
    "workers.bot.features.acceptance.router:router",
    "workers.bot.features.executor.router:router",
    "workers.bot.features.shifts.router:router",
    "workers.bot.features.admin.router:router",
    "workers.bot.features.fallback.router:router",
)


def load_routers(paths: Iterable[str] = FEATURE_ROUTERS) -> list[Router]:
    routers: list[Router] = []
    for path in paths:
        module_name, _, attribute = path.partition(":")
        router = getattr(importlib.import_module(module_name), attribute or "router")
        if not isinstance(router, Router):
            raise TypeError(f"{path} is not an aiogram Router")
        routers.append(router)
    return routers


def release_router(router: Router) -> Router:
    """Free a module-level router from the dispatcher of an earlier runtime, so it can be included
    again: aiogram lets a router have one parent for life, and several runtimes are built in one
    process in tests and ``bot-gateway replay``."""
    parent = router.parent_router
    if parent is not None:
        if router in parent.sub_routers:
            parent.sub_routers.remove(router)
        router._parent_router = None
    return router
