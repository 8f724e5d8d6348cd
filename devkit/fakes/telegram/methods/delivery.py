"""How updates reach the bot: getUpdates long polling or a webhook (never both, as in Telegram)."""

from __future__ import annotations

from typing import Any

from devkit.fakes.telegram.errors import bad_request, conflict
from devkit.fakes.telegram.methods.context import Answer, CallContext, Handler
from devkit.fakes.telegram.validation import secret_token
from devkit.fakes.telegram.webhook import WebhookConfig, WebhookDelivery

__all__ = ["HANDLERS"]

_WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)


def _int(ctx: CallContext, name: str, default: int, low: int, high: int) -> int:
    value = ctx.params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"invalid {name} specified")
    return max(low, min(high, value))


def _allowed(ctx: CallContext) -> list[str] | None:
    allowed = ctx.params.get("allowed_updates")
    if allowed is None:
        return None
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        raise bad_request("can't parse allowed_updates JSON object")
    return allowed


async def get_updates(ctx: CallContext) -> list[dict[str, Any]]:
    state = ctx.state
    if state.webhook is not None:
        raise conflict(_WEBHOOK_ACTIVE)
    offset = _int(ctx, "offset", 0, -(2**62), 2**62)
    limit = _int(ctx, "limit", 100, 1, 100)
    timeout = _int(ctx, "timeout", 0, 0, 600)
    state.updates.set_allowed(_allowed(ctx))
    return await state.updates.poll(offset, limit, timeout, ctx.disconnected)


async def set_webhook(ctx: CallContext) -> Answer:
    state = ctx.state
    url = ctx.params.get("url")
    if not isinstance(url, str):
        raise bad_request("invalid webhook URL specified")
    if url == "":
        return await delete_webhook(ctx)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    config = WebhookConfig(
        url=url,
        secret_token=secret_token(ctx.params.get("secret_token")),
        max_connections=_int(ctx, "max_connections", 40, 1, 100),
        ip_address=ctx.params.get("ip_address"),
    )
    allowed = _allowed(ctx)
    if ctx.params.get("drop_pending_updates"):
        state.updates.confirm(state.updates.next_update_id)
    await state.stop_webhook()
    state.updates.set_allowed(allowed)
    if ctx.execute is None:
        raise RuntimeError("webhook replies need an executor")
    state.webhook = WebhookDelivery(
        config, state.updates, ctx.execute, retry_delay=state.webhook_retry_delay
    )
    state.webhook.start()
    return Answer(True, "Webhook was set")


async def delete_webhook(ctx: CallContext) -> Answer:
    state = ctx.state
    if ctx.params.get("drop_pending_updates"):
        state.updates.confirm(state.updates.next_update_id)
    if state.webhook is None:
        return Answer(True, "Webhook is already deleted")
    await state.stop_webhook()
    return Answer(True, "Webhook was deleted")


async def get_webhook_info(ctx: CallContext) -> dict[str, Any]:
    state = ctx.state
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates.pending),
    }
    if state.webhook is not None:
        config = state.webhook.config
        info["url"] = config.url
        info["max_connections"] = config.max_connections
        if config.ip_address:
            info["ip_address"] = config.ip_address
        if config.last_error_date is not None:
            info["last_error_date"] = config.last_error_date
            info["last_error_message"] = config.last_error_message
    if state.updates.allowed_updates is not None:
        info["allowed_updates"] = sorted(state.updates.allowed_updates)
    return info


HANDLERS: dict[str, Handler] = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
