"""The fake over plain HTTP: body encodings, exact answer shapes, the ``__fake__`` endpoints."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from devkit.fakes.telegram import FakeTelegramServer, FakeTelegramState, fake_telegram_server

TOKEN = "42424242:AAHttpClientTokenHttpClientToken_xyz"
CHAT = 9001


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with fake_telegram_server(FakeTelegramState(), tokens={TOKEN}) as running:
        yield running


@pytest.fixture
async def client(server: FakeTelegramServer) -> AsyncIterator[httpx.AsyncClient]:
    await server.state.reset()
    server.state.user(CHAT, "Anvar")
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        yield http


@pytest.fixture
def state(server: FakeTelegramServer, client: httpx.AsyncClient) -> FakeTelegramState:
    return server.state


def api(method: str) -> str:
    return f"/bot{TOKEN}/{method}"


MARKUP = {"inline_keyboard": [[{"text": "Ok", "callback_data": "ok"}]]}


async def test_json_urlencoded_multipart_and_query_bodies(
    client: httpx.AsyncClient, state: FakeTelegramState
) -> None:
    as_json = await client.post(
        api("sendMessage"), json={"chat_id": CHAT, "text": "json", "reply_markup": MARKUP}
    )
    as_form = await client.post(
        api("sendMessage"),
        data={"chat_id": str(CHAT), "text": "form", "reply_markup": json.dumps(MARKUP)},
    )
    as_multipart = await client.post(
        api("sendMessage"),
        data={"chat_id": str(CHAT), "text": "multipart", "disable_notification": "true"},
        files={"unused": ("a.txt", b"x", "text/plain")},
    )
    as_query = await client.get(api("sendMessage"), params={"chat_id": CHAT, "text": "query"})
    bodies = [r.json() for r in (as_json, as_form, as_multipart, as_query)]
    assert all(r.status_code == 200 for r in (as_json, as_form, as_multipart, as_query))
    assert [b["result"]["text"] for b in bodies] == ["json", "form", "multipart", "query"]
    assert bodies[0]["result"]["reply_markup"] == MARKUP
    assert bodies[1]["result"]["reply_markup"] == MARKUP
    calls = state.calls_to("sendMessage")
    assert calls[1].params["reply_markup"] == MARKUP  # JSON string decoded
    assert calls[2].params["disable_notification"] is True
    assert calls[2].params["chat_id"] == CHAT
    assert [c.seq for c in calls] == sorted(c.seq for c in calls)


async def test_method_names_are_case_insensitive(
    client: httpx.AsyncClient, state: FakeTelegramState
) -> None:
    response = await client.post(api("SENDMESSAGE"), json={"chat_id": CHAT, "text": "hi"})
    assert response.json()["ok"] is True
    assert state.calls[-1].method == "sendMessage"


async def test_error_shapes_match_telegram(client: httpx.AsyncClient) -> None:
    wrong_token = await client.post("/bot1:AAwrongwrongwrong/getMe")
    assert (wrong_token.status_code, wrong_token.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    unknown = await client.post(api("sendTelepathy"))
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    malformed = await client.get("/botnotatoken/getMe")
    assert malformed.status_code == 404
    no_chat = await client.post(api("sendMessage"), json={"chat_id": 1, "text": "x"})
    assert no_chat.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }
    empty = await client.post(api("sendMessage"), json={"chat_id": CHAT, "text": "  "})
    assert empty.json()["description"] == "Bad Request: message text is empty"


async def test_flood_answer_carries_retry_after(
    client: httpx.AsyncClient, state: FakeTelegramState
) -> None:
    knob = await client.post("/__fake__/flood", json={"count": 1, "retry_after": 5})
    assert knob.json() == {"ok": True, "result": True}
    flooded = await client.post(api("getMe"))
    assert (flooded.status_code, flooded.json()) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        },
    )
    assert (await client.post(api("getMe"))).status_code == 200
    await client.post(
        "/__fake__/fail", json={"count": 1, "error_code": 502, "description": "Bad Gateway"}
    )
    failed = await client.post(api("getMe"))
    assert (failed.status_code, failed.json()["description"]) == (502, "Bad Gateway")
    assert [c.status for c in state.calls_to("getMe")] == [429, 200, 502]


@pytest.mark.parametrize(
    ("text", "parse_mode", "fragment"),
    [
        ("a < b", "HTML", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "HTML", 'expected "</i>", found "</b>"'),
        ("text</b>", "HTML", "Unexpected end tag at byte offset 4"),
        ("<script>x</script>", "HTML", 'Unsupported start tag "script"'),
        ("Narx: 100.50", "MarkdownV2", "Character '.' is reserved"),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
        ("_open", "Markdown", "Can't find end of the entity starting at byte offset 0"),
    ],
)
async def test_broken_formatting_cannot_be_parsed(
    client: httpx.AsyncClient, text: str, parse_mode: str, fragment: str
) -> None:
    response = await client.post(
        api("sendMessage"), json={"chat_id": CHAT, "text": text, "parse_mode": parse_mode}
    )
    assert response.status_code == 400
    description = response.json()["description"]
    assert description.startswith("Bad Request: can't parse entities: ")
    assert fragment in description


async def test_well_formed_formatting_yields_entities(client: httpx.AsyncClient) -> None:
    html = '<b>Ariza</b> №12 — <a href="https://x.uz/r?a=1&amp;b=2">ochish</a> &lt;ok&gt;'
    response = await client.post(
        api("sendMessage"), json={"chat_id": CHAT, "text": html, "parse_mode": "HTML"}
    )
    result = response.json()["result"]
    assert result["text"] == "Ariza №12 — ochish <ok>"
    assert result["entities"] == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "text_link", "offset": 12, "length": 6, "url": "https://x.uz/r?a=1&b=2"},
    ]
    v2 = await client.post(
        api("sendMessage"),
        json={"chat_id": CHAT, "text": "*Narx:* 100\\.50 so'm 😀 _x_", "parse_mode": "MarkdownV2"},
    )
    v2_result = v2.json()["result"]
    assert v2_result["text"] == "Narx: 100.50 so'm 😀 x"
    assert v2_result["entities"][1] == {"type": "italic", "offset": 21, "length": 1}


async def test_inline_keyboard_shape_is_validated(client: httpx.AsyncClient) -> None:
    cases = {
        "Text buttons are unallowed": {"inline_keyboard": [[{"text": "no action"}]]},
        "must be an Array of Arrays": {"inline_keyboard": [{"text": "x", "callback_data": "x"}]},
        "BUTTON_DATA_INVALID": {"inline_keyboard": [[{"text": "x", "callback_data": ""}]]},
        "BUTTON_URL_INVALID": {"inline_keyboard": [[{"text": "x", "url": "not a url"}]]},
    }
    for fragment, markup in cases.items():
        response = await client.post(
            api("sendMessage"), json={"chat_id": CHAT, "text": "t", "reply_markup": markup}
        )
        assert response.status_code == 400
        assert fragment in response.json()["description"]
    broken = await client.post(
        api("sendMessage"), data={"chat_id": str(CHAT), "text": "t", "reply_markup": "{oops"}
    )
    assert (
        broken.json()["description"] == "Bad Request: can't parse reply keyboard markup JSON object"
    )


async def test_transcript_and_simulation_over_http(
    client: httpx.AsyncClient, state: FakeTelegramState
) -> None:
    sent = await client.post(
        api("sendMessage"), json={"chat_id": CHAT, "text": "Tanlang", "reply_markup": MARKUP}
    )
    message_id = sent.json()["result"]["message_id"]
    pressed = await client.post(
        f"/__fake__/users/{CHAT}/press", json={"message_id": message_id, "button": "Ok"}
    )
    query = pressed.json()["result"]["callback_query"]
    assert query["data"] == "ok"
    await client.post(api("answerCallbackQuery"), json={"callback_query_id": query["id"]})
    typed = await client.post(f"/__fake__/users/{CHAT}/text", json={"text": "salom"})
    assert typed.json()["result"]["message"]["text"] == "salom"

    transcript = (await client.get("/__fake__/transcript", params={"chat_id": CHAT})).json()
    rows = [(e["direction"], e["kind"], e["text"]) for e in transcript["result"]]
    assert rows == [
        ("out", "message", "Tanlang"),
        ("in", "callback_query", "Ok"),
        ("out", "callback_answer", None),
        ("in", "message", "salom"),
    ]
    assert transcript["result"][0]["buttons"] == MARKUP["inline_keyboard"]
    calls = (await client.get("/__fake__/calls", params={"method": "answerCallbackQuery"})).json()
    assert [c["status"] for c in calls["result"]] == [200]


async def test_transcript_long_poll_waits_for_new_entries(
    client: httpx.AsyncClient, state: FakeTelegramState
) -> None:
    last = state.entries[-1].seq if state.entries else 0
    waiting = asyncio.create_task(
        client.get(
            "/__fake__/transcript",
            params={"chat_id": CHAT, "after_seq": last, "timeout": 5, "direction": "out"},
        )
    )
    await client.post(api("sendMessage"), json={"chat_id": CHAT, "text": "late reply"})
    entries = (await asyncio.wait_for(waiting, 5)).json()["result"]
    assert [e["text"] for e in entries] == ["late reply"]


async def test_block_and_reset_knobs(client: httpx.AsyncClient, state: FakeTelegramState) -> None:
    await client.post("/__fake__/block", json={"chat_id": CHAT})
    blocked = await client.post(api("sendMessage"), json={"chat_id": CHAT, "text": "x"})
    assert (blocked.status_code, blocked.json()["description"]) == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    await client.post("/__fake__/chats", json={"chat_id": -100500, "type": "supergroup"})
    await client.post("/__fake__/block", json={"chat_id": -100500})
    kicked = await client.post(api("sendMessage"), json={"chat_id": -100500, "text": "x"})
    assert kicked.json()["description"] == "Forbidden: bot was kicked from the supergroup chat"
    assert (await client.post("/__fake__/reset")).json()["result"] is True
    assert state.calls == [] and state.chats == {}
    assert (await client.get("/__fake__/transcript")).json() == {"ok": True, "result": []}


async def test_latency_knob_delays_answers(client: httpx.AsyncClient) -> None:
    await client.post("/__fake__/latency", json={"seconds": 0.2, "method": "getMe"})
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await client.post(api("getMe"))).status_code == 200
    assert loop.time() - started >= 0.2
    await client.post("/__fake__/latency", json={"seconds": 0, "method": "getMe"})
