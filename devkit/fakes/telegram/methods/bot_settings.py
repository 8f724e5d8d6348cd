"""The bot's identity and settings: getMe, commands, names, descriptions, menu button."""

from __future__ import annotations

from typing import Any

from devkit.fakes.telegram.errors import bad_request
from devkit.fakes.telegram.methods.context import CallContext, Handler
from devkit.fakes.telegram.profile import scope_key
from devkit.fakes.telegram.validation import bot_commands

__all__ = ["HANDLERS"]

_TEXT_LIMITS = {"name": 64, "description": 512, "short_description": 120}


async def get_me(ctx: CallContext) -> dict[str, Any]:
    return {
        **ctx.state.bot_user(),
        "id": ctx.bot_id or ctx.state.bot_user()["id"],
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def log_out(ctx: CallContext) -> bool:
    return True


def _scope(ctx: CallContext) -> tuple[str, str]:
    scope = ctx.params.get("scope")
    if scope is not None and (not isinstance(scope, dict) or "type" not in scope):
        raise bad_request("can't parse BotCommandScope JSON object")
    language = ctx.params.get("language_code")
    if language not in (None, "") and (not isinstance(language, str) or len(language) != 2):
        raise bad_request("invalid language code specified")
    return scope_key(scope, language)


async def set_my_commands(ctx: CallContext) -> bool:
    commands = bot_commands(ctx.params.get("commands"))
    key = _scope(ctx)
    if commands:
        ctx.state.profile.commands[key] = commands
    else:
        ctx.state.profile.commands.pop(key, None)
    return True


async def get_my_commands(ctx: CallContext) -> list[dict[str, str]]:
    return list(ctx.state.profile.commands.get(_scope(ctx), []))


async def delete_my_commands(ctx: CallContext) -> bool:
    ctx.state.profile.commands.pop(_scope(ctx), None)
    return True


def _text_setter(field: str) -> Handler:
    async def setter(ctx: CallContext) -> bool:
        value = ctx.params.get(field)
        if isinstance(value, str) and len(value) > _TEXT_LIMITS[field]:
            raise bad_request(f"bot {field.replace('_', ' ')} is too long")
        ctx.state.profile.set_text(field, ctx.params.get("language_code"), value)
        return True

    return setter


def _text_getter(field: str) -> Handler:
    async def getter(ctx: CallContext) -> dict[str, str]:
        value = ctx.state.profile.get_text(field, ctx.params.get("language_code"))
        if field == "name" and not value:
            value = ctx.state.bot_first_name
        return {field: value}

    return getter


async def set_chat_menu_button(ctx: CallContext) -> bool:
    button = ctx.params.get("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or "type" not in button:
        raise bad_request("can't parse MenuButton JSON object")
    chat_id = ctx.params.get("chat_id")
    ctx.state.profile.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
    return True


async def get_chat_menu_button(ctx: CallContext) -> dict[str, Any]:
    chat_id = ctx.params.get("chat_id")
    buttons = ctx.state.profile.menu_buttons
    key = chat_id if isinstance(chat_id, int) else None
    return buttons.get(key) or buttons.get(None) or {"type": "commands"}


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "logOut": log_out,
    "close": log_out,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    **{
        f"setMy{''.join(p.capitalize() for p in f.split('_'))}": _text_setter(f)
        for f in _TEXT_LIMITS
    },
    **{
        f"getMy{''.join(p.capitalize() for p in f.split('_'))}": _text_getter(f)
        for f in _TEXT_LIMITS
    },
}
