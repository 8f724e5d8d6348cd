"""One answer to a permanent service error, for the feature routers that ask for it.

A handler of such a feature calls the services and lets a :class:`ServiceError` go. The error
handler registered here (aiogram's ``router.errors`` with ``ExceptionTypeFilter``) turns a
permanent one into its one localized sentence, with the support contact where it helps: an alert
for a button, a message for text (:func:`workers.bot.core.replies.report_failure`). A transient
one is not handled here: it goes on to the pipeline, which retries the update and, after the last
attempt, the runtime says the service is unavailable.

aiogram offers an error event to every router in turn, whichever router's handler failed, so the
handler answers only errors raised by a handler of the package that registered it: the other
features keep the runtime's generic apology for what they do not catch themselves. The error
event is raised inside the logging step (:class:`workers.bot.middlewares.gateway.GatewayMiddleware`
offers errors to the error handlers innermost, as an ``ErrorsMiddleware`` would), so an answered
error is logged as a handled update.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter, Filter
from aiogram.types import ErrorEvent

from shared.clients.errors import ServiceError
from workers.bot.core.context import UpdateContext
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import report_failure
from workers.bot.core.ui import is_transient

__all__ = ["report_service_errors"]


class _PermanentFrom(Filter):
    """The failing handler lives in ``package`` and the error is not worth a retry."""

    def __init__(self, package: str) -> None:
        self.prefix = package + "."

    async def __call__(
        self, event: ErrorEvent, update_context: UpdateContext | None = None
    ) -> bool:
        handler = update_context.handler if update_context is not None else None
        return (
            handler is not None
            and handler.startswith(self.prefix)
            and not is_transient(event.exception)
        )


async def _report(event: ErrorEvent, gateway_settings: GatewaySettingsStore | None = None) -> None:
    update = event.update
    target = update.callback_query or update.message
    if target is None:  # not an update these features handle: leave it to the runtime
        raise event.exception
    await report_failure(target, event.exception, gateway_settings)


def report_service_errors(router: Router, package: str) -> None:
    """Answer the permanent service errors of ``package``'s handlers (``__package__``)."""
    router.errors.register(_report, ExceptionTypeFilter(ServiceError), _PermanentFrom(package))
