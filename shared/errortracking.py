"""Error tracking with Sentry, when ``SENTRY_DSN`` is set; nothing is imported or done otherwise.

What is sent: error-level lines of our own loggers (with their exception and stack, but no local
variables) and error records of library loggers (aiogram, arq, uvicorn), each tagged with the
service, and with ``update_id`` / ``chat_id`` / ``user_id`` / ``update_type`` when the line was
written while an update was being handled. Every event passes :func:`before_send`, which runs
the logs' redaction plus personal-data scrubbing (:func:`shared.logs.redact_for_export`), and
library records are sent as their message template without its arguments: no bot token, JWT,
API key, phone number, name or message text leaves the process. Performance tracing
and the SDK's automatic integrations (which would record Redis commands and HTTP bodies as
breadcrumbs) stay off.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from shared.logs import redact_for_export, set_error_hook

if TYPE_CHECKING:
    from shared.settings import Settings

__all__ = ["TAG_KEYS", "before_send", "init_error_tracking", "shutdown_error_tracking"]

# Identifiers of the update being handled, copied from the log line's context to tags.
TAG_KEYS = ("update_id", "chat_id", "user_id", "update_type", "attempt", "worker_id")
_METHOD_LEVEL = {"critical": "fatal", "fatal": "fatal"}


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Scrub the whole event; the ids kept as tags are numbers, put back untouched."""
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        # A library's log record: its template only. The arguments (a user's name, a chat's
        # text) cannot be told from harmless ones, so neither they nor the text formatted
        # with them leave.
        event["logentry"] = {"message": logentry.get("message", ""), "params": []}
        event.pop("message", None)
    tags = event.get("tags") or {}
    ids = {k: tags[k] for k in TAG_KEYS if k in tags}
    sdk = event.pop("sdk", None)
    scrubbed: dict[str, Any] = redact_for_export(event)
    if ids:
        scrubbed.setdefault("tags", {}).update(ids)
    if sdk is not None:
        scrubbed["sdk"] = sdk
    return scrubbed


def _capture_log_line(event_dict: MutableMapping[str, Any], method: str) -> None:
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        for key in TAG_KEYS:
            value = event_dict.get(key)
            if value is not None:
                scope.set_tag(key, str(value))
        scope.set_tag("logger", str(event_dict.get("logger", "")))
        extra = {
            k: v
            for k, v in event_dict.items()
            if k not in TAG_KEYS and k not in ("event", "exc_info", "timestamp", "level", "logger")
        }
        if extra:
            scope.set_context("log", extra)
        scope.level = _METHOD_LEVEL.get(method, "error")
        exc_info = event_dict.get("exc_info")
        error: BaseException | None = None
        if isinstance(exc_info, BaseException):
            error = exc_info
        elif isinstance(exc_info, tuple) and len(exc_info) == 3:
            error = exc_info[1]
        elif exc_info:
            error = sys.exc_info()[1]
        if error is not None:
            scope.fingerprint = ["{{ default }}", str(event_dict.get("event", ""))]
            sentry_sdk.capture_exception(error)
        else:
            sentry_sdk.capture_message(str(event_dict.get("event", "error")))


def init_error_tracking(settings: Settings, service: str) -> bool:
    """Start the Sentry client for ``service`` if ``SENTRY_DSN`` is set; True when started."""
    config = settings.sentry
    if config.dsn is None:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=config.dsn.get_secret_value(),
        release=config.release or f"bot-gateway@{_version()}",
        environment=config.environment or settings.app.environment,
        sample_rate=config.sample_rate,
        server_name=service,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        auto_enabling_integrations=False,
        traces_sample_rate=None,
        before_send=before_send,  # type: ignore[arg-type]
        integrations=[LoggingIntegration(level=None, event_level=logging.ERROR)],
    )
    sentry_sdk.set_tag("service", service)
    set_error_hook(_capture_log_line)
    return True


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bot-gateway")
    except PackageNotFoundError:
        return "0+unknown"


def shutdown_error_tracking(timeout: float = 2.0) -> None:
    """Send what is queued (at exit; the SDK also does this on its own atexit hook)."""
    if "sentry_sdk" not in sys.modules:
        return
    import sentry_sdk

    client = sentry_sdk.get_client()
    if client.is_active():
        client.flush(timeout=timeout)
