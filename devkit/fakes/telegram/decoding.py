"""Turn a Bot API request (query string + JSON, urlencoded or multipart body) into typed params.

Telegram accepts every parameter as a string in form bodies (aiogram sends forms, with nested
objects such as ``reply_markup`` as JSON strings), so values are coerced by parameter name the way
the real server does: integers, booleans, floats and JSON-serialized objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from devkit.fakes.telegram.errors import ApiError, bad_request
from devkit.fakes.telegram.multipart import MultipartError, Upload, header_params, parse_multipart

__all__ = ["DecodedRequest", "coerce_params", "decode_request"]

_INT_FIELDS = frozenset(
    {
        "message_id",
        "from_chat_id",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "cache_time",
        "user_id",
        "until_date",
        "width",
        "height",
        "duration",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "show_alert",
        "drop_pending_updates",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
        "allow_paid_broadcast",
        "for_channels",
        "only_if_banned",
        "revoke_messages",
    }
)
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "media",
        "commands",
        "scope",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
        "menu_button",
        "rights",
    }
)
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0", ""})


@dataclass(slots=True)
class DecodedRequest:
    params: dict[str, Any]
    uploads: dict[str, Upload] = field(default_factory=dict)


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            if name == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object") from None
            raise bad_request(f"can't parse {name} JSON object") from None
    if name in _INT_FIELDS or name == "chat_id":
        try:
            return int(value)
        except ValueError:
            if name == "chat_id":
                return value  # "@channelusername" is a valid chat_id
            raise bad_request(f"invalid {name} specified") from None
    if name in _BOOL_FIELDS:
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise bad_request(f"invalid {name} specified")
    if name in _FLOAT_FIELDS:
        try:
            return float(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None
    return value


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise bad_request("can't parse JSON object") from None
    if not isinstance(data, dict):
        raise bad_request("JSON object expected")
    return data


def decode_request(query: str, content_type: str, body: bytes) -> DecodedRequest:
    """Decode parameters; a body parameter overrides a query one of the same name."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    uploads: dict[str, Upload] = {}
    kind, ct_params = header_params(content_type) if content_type else ("", {})
    if body:
        if kind == "application/json":
            raw.update(_json_object(body))
        elif kind == "multipart/form-data":
            try:
                fields, uploads = parse_multipart(body, ct_params.get("boundary", ""))
            except MultipartError as exc:
                raise ApiError(400, f"Bad Request: can't parse multipart body: {exc}") from None
            raw.update(fields)
        elif kind in {"application/x-www-form-urlencoded", ""}:
            raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            raise bad_request(f"unsupported Content-Type {kind!r}")
    return DecodedRequest(params=coerce_params(raw), uploads=uploads)


def coerce_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Typed parameters from strings (form bodies) or JSON values; raises 400 on bad values."""
    return {name: _coerce(name, value) for name, value in raw.items()}
