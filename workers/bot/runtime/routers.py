"""Where feature routers plug in: one import each, listed in priority order.

The routers are imported when the runtime is built (before any connection opens), so a broken
feature module fails start-up loudly rather than at the first update. The runtime's middlewares
(logging, rate limit, i18n, auth, access) apply to every router listed here; handlers receive
``auth``, ``i18n``, ``locale``, ``sessions``, ``clients``, ``state`` (FSM) and ``update_context``
by name.
"""

from __future__ import annotations

from aiogram import Router

__all__ = ["feature_routers", "release_router"]


def feature_routers() -> list[Router]:
    """The features' routers in the order the dispatcher tries them: ``common`` first, so /cancel
    and the maintenance gate come before any flow's state handlers; ``fallback`` last.

    Imported here, when a runtime is built with them, not with this module: a runtime built with
    other routers (tests, benches) does not load the features.
    """
    from workers.bot.features.admin.router import router as admin
    from workers.bot.features.broadcast.router import router as broadcast
    from workers.bot.features.comments.router import router as comments
    from workers.bot.features.common.router import router as common
    from workers.bot.features.executor.router import router as executor
    from workers.bot.features.fallback.router import router as fallback
    from workers.bot.features.notifications.router import router as notifications
    from workers.bot.features.onboarding.router import router as onboarding
    from workers.bot.features.requests.acceptance.router import router as acceptance
    from workers.bot.features.requests.router import router as requests
    from workers.bot.features.shifts.router import router as shifts

    return [
        common,
        broadcast,
        onboarding,
        requests,
        acceptance,
        executor,
        shifts,
        admin,
        notifications,
        comments,
        fallback,
    ]


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
