"""Reading chats, members and files; pinning. Answers are plausible, shaped like the Bot API's."""

from __future__ import annotations

from typing import Any

from devkit.fakes.telegram.errors import bad_request
from devkit.fakes.telegram.methods.context import CallContext, Handler
from devkit.fakes.telegram.validation import chat_ref, int_param

__all__ = ["HANDLERS"]


async def get_chat(ctx: CallContext) -> dict[str, Any]:
    chat = ctx.state.find_chat(chat_ref(ctx.params))
    if chat is None:
        raise bad_request("chat not found")
    info = chat.to_json()
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if chat.pinned_message_id is not None:
        info["pinned_message"] = chat.messages.get(chat.pinned_message_id)
    return info


async def get_chat_member(ctx: CallContext) -> dict[str, Any]:
    chat = ctx.state.find_chat(chat_ref(ctx.params))
    if chat is None:
        raise bad_request("chat not found")
    user_id = int_param(ctx.params, "user_id", "user not found")
    bot = ctx.state.bot_user()
    if user_id in {bot["id"], ctx.bot_id}:
        status = "kicked" if chat.blocked else "member"
        member: dict[str, Any] = {"status": status, "user": bot}
        if status == "kicked":
            member["until_date"] = 0
        return member
    person = ctx.state.users.get(user_id)
    if person is None:
        raise bad_request("user not found")
    status = "member" if user_id in chat.member_ids or chat.id == user_id else "left"
    return {"status": status, "user": person.to_json()}


async def get_chat_member_count(ctx: CallContext) -> int:
    chat = ctx.state.find_chat(chat_ref(ctx.params))
    if chat is None:
        raise bad_request("chat not found")
    return len(chat.member_ids) + 1


async def get_file(ctx: CallContext) -> dict[str, Any]:
    file_id = ctx.params.get("file_id")
    stored = ctx.state.files.get(file_id) if isinstance(file_id, str) else None
    if stored is None and isinstance(file_id, str) and file_id[-1:] in {"s", "m"}:
        stored = ctx.state.files.get(file_id[:-1])  # thumbnails share the original's file
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.to_json()


async def pin_chat_message(ctx: CallContext) -> bool:
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    message_id = int_param(ctx.params, "message_id", "message identifier is not specified")
    if message_id not in chat.messages:
        raise bad_request("message to pin not found")
    chat.pinned_message_id = message_id
    return True


async def unpin_chat_message(ctx: CallContext) -> bool:
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    chat.pinned_message_id = None
    return True


async def leave_chat(ctx: CallContext) -> bool:
    chat = ctx.state.find_chat(chat_ref(ctx.params))
    if chat is None:
        raise bad_request("chat not found")
    return True


HANDLERS: dict[str, Handler] = {
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatMemberCount": get_chat_member_count,
    "getFile": get_file,
    "pinChatMessage": pin_chat_message,
    "unpinChatMessage": unpin_chat_message,
    "unpinAllChatMessages": unpin_chat_message,
    "leaveChat": leave_chat,
}
