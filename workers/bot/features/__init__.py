"""The bot's features: one package per feature, each with its own router, states, keyboards,
texts and renderers (``workers/bot/features/<name>/``).

Routers are registered in :mod:`workers.bot.runtime.routers` in a fixed order: common, onboarding,
requests, acceptance (``requests/acceptance``), executor, shifts, admin, fallback. ``common`` goes
first so /cancel, the Cancel button and the maintenance gate run before any flow's state handlers;
``fallback`` goes last and answers whatever nobody else handled. :mod:`workers.bot.core.ui` is the
toolkit every feature renders with; what two features need lives in :mod:`workers.bot.core`.
"""
