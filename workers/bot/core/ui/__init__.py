"""The shared UI toolkit of the bot's features: ``from workers.bot.core import ui``.

Text and HTML (``parse_mode=HTML``; untrusted values are truncated first, escaped second)
    ``escape(value) -> str`` · ``truncate(text, limit, ellipsis="…") -> str`` ·
    ``safe(value, limit=None) -> str`` (None → "", truncate, escape) ·
    ``preview(value, limit=60) -> str`` (one line, for lists) ·
    ``split_html(text, limit=TEXT_LIMIT) -> list[str]`` (parts ≤ limit, tags re-opened per part;
    ``TEXT_LIMIT`` 4096, ``CAPTION_LIMIT`` 1024) ·
    ``tr(msgid, locale=None, /, **values) -> str`` (translate + format; escape values yourself) ·
    ``variants(msgid) -> frozenset[str]`` (the text in every locale).

Numbers and dates per locale (:mod:`.numbers`, the one place they are formatted; dates in
Asia/Tashkent, naive = UTC; ``locale`` defaults to the update's)
    ``fmt_number(x, digits=1) -> "4,7"`` · ``fmt_count(n) -> "12 345"`` ·
    ``fmt_datetime(dt) -> "DD.MM.YYYY HH:MM"`` · ``fmt_date(dt_or_date) -> "DD.MM.YYYY"`` ·
    ``fmt_day(dt_or_date) -> "DD.MM"`` · ``fmt_time(dt) -> "HH:MM"`` (``"—"`` for None) ·
    ``to_local(dt)`` · ``local_now()`` · ``TASHKENT`` · ``current_locale()``.

Enum labels (docs/behaviour.md §3; ``locale`` defaults to the update's)
    ``label(kind, key, locale=None)`` with kind in category, urgency, status, role, user_status,
    specialization, shift_status; shortcuts ``category_label``, ``urgency_label``,
    ``status_label``, ``role_label``, ``user_status_label``, ``specialization_label``,
    ``shift_status_label``; ``MENU_CATEGORIES`` (the 9 offered, in order); ``LABELS``.

Menus (reply keyboards)
    ``MenuButton`` (enum) · ``menu_button(*buttons)`` — a message filter matching the buttons'
    texts in both languages, badge ignored; passes ``menu_button`` to the handler ·
    ``match_button(text, *candidates) -> MenuButton | None`` · ``FlowInput()`` (a message
    filter: anything but a /command or a menu button, what a flow's step takes as input) ·
    ``BUTTON_COMMANDS`` (the ``bot_commands`` entry a button shares: use it as
    ``flags={"command": …}``) ·
    ``await main_menu(auth, clients, locale=None)`` → the active role's keyboard with badges
    (``ReplyKeyboardRemove`` unless approved) · ``build_main_menu(MenuState, locale=None)`` ·
    ``await load_menu_state(auth, clients) -> MenuState`` · ``cancel_keyboard(locale=None)``
    (Cancel only, for flows) · ``button_text(button, locale=None, count=None)`` ·
    ``role_groups(roles)`` · ``text_button(*msgids)`` (the same matching for a feature's own
    reply buttons; passes ``button_text``) · ``await send_main_menu(bot, chat_id, auth,
    clients, text=None, locale=None)`` (what a flow sends when it ends: the menu comes back).

Inline keyboards and callbacks
    ``pager_row(page, pages, data: page -> CallbackData | str, locale=None)`` → ◀ ``n / N`` ▶;
    ``PageCB(scope, page)`` (``pg:``), ``NoopCB`` (``noop``, answered silently by common) ·
    ``await page_or_last(read: page -> Page, page)`` (the last page when the list shrank) ·
    ``KeyboardCache(sessionmaker)``: ``store(chat_id, items, context=…, entity_type=…,
    entity_id=…, message_id=None) -> CachedKeyboard`` (``.button(i)`` → ``"kc:<key>:<i>"``),
    ``attach(entry, message_id)``, ``replace(chat_id, message_id, items, …)`` (invalidates the
    message's old rows), ``resolve(data, chat_id) -> CachedChoice | None`` (None = stale),
    ``invalidate_message(chat_id, message_id)``, ``purge_expired()``; ``KeyboardCacheCB``
    (``kc:``) to filter presses. Handlers get the sessionmaker as ``sessionmaker``.

Messages
    ``await edit_or_send(query_or_message, text, reply_markup=None) -> Message | None`` (edits in
    place, ignores "message is not modified", sends when it cannot edit; does not answer the
    query) · ``await send_long(bot, chat_id, text, reply_markup=None)`` (split, markup on the
    last) · ``await answer_stale(query, locale=None)`` (the "button is outdated" alert) ·
    ``is_not_modified(exc)`` · ``await answer_query(query, text=None, show_alert=False) -> bool``
    (gives the query's one answer a text: the callback-answer middleware answers every query
    within ``WORKER_CALLBACK_ANSWER_SECONDS``, so handlers call this only for an alert or a toast;
    an alert that comes after the answer is sent to the chat instead, see :mod:`.answers`) ·
    ``is_query_too_old(exc)``.

Errors
    ``error_message(exc, support=None, locale=None) -> str`` (transient → "temporarily
    unavailable, try again in a minute" + support; known ``code`` → its own text; never
    ``detail``) · ``error_text(exc) -> (msgid, mentions_support)`` · ``is_transient(exc)`` ·
    ``error_code(exc)`` · ``CODE_TEXTS`` · ``await apology(exc, gateway_settings, locale=None)``
    (the same, with the support contact read from the gateway settings store) ·
    ``await blocked_notice(gateway_settings, locale=None)`` (the "access blocked" notice with
    the support contact).

Texts of the toolkit itself are in :mod:`workers.bot.core.ui.texts` (``OUTDATED`` …), catalog
``ui.po``.
"""

from __future__ import annotations

from workers.bot.core.ui.address import address_text, link_status
from workers.bot.core.ui.dates import TASHKENT, local_now, to_local
from workers.bot.core.ui.errors import (
    CODE_TEXTS,
    SupportSource,
    apology,
    blocked_notice,
    error_code,
    error_message,
    error_text,
    is_transient,
    support_contact,
)
from workers.bot.core.ui.html import ELLIPSIS, escape, preview, safe, truncate
from workers.bot.core.ui.i18n import tr, variants
from workers.bot.core.ui.kbcache import (
    CachedChoice,
    CachedKeyboard,
    KeyboardCache,
    KeyboardCacheCB,
)
from workers.bot.core.ui.labels import (
    LABELS,
    MENU_CATEGORIES,
    category_label,
    label,
    role_label,
    shift_status_label,
    specialization_label,
    status_label,
    urgency_label,
    user_status_label,
)
from workers.bot.core.ui.menu import (
    BUTTON_COMMANDS,
    FlowInput,
    MenuButton,
    MenuState,
    build_main_menu,
    button_text,
    cancel_keyboard,
    match_button,
    menu_button,
    role_groups,
    text_button,
)
from workers.bot.core.ui.menu_state import load_menu_state, main_menu, send_main_menu
from workers.bot.core.ui.messages import (
    answer_query,
    answer_stale,
    edit_or_send,
    is_not_modified,
    is_query_too_old,
    send_long,
)
from workers.bot.core.ui.numbers import (
    current_locale,
    fmt_count,
    fmt_date,
    fmt_datetime,
    fmt_day,
    fmt_number,
    fmt_time,
)
from workers.bot.core.ui.pager import NoopCB, PageCB, page_or_last, pager_row
from workers.bot.core.ui.split import CAPTION_LIMIT, TEXT_LIMIT, split_html

__all__ = [
    "BUTTON_COMMANDS",
    "CAPTION_LIMIT",
    "CODE_TEXTS",
    "ELLIPSIS",
    "LABELS",
    "MENU_CATEGORIES",
    "TASHKENT",
    "TEXT_LIMIT",
    "CachedChoice",
    "CachedKeyboard",
    "FlowInput",
    "KeyboardCache",
    "KeyboardCacheCB",
    "MenuButton",
    "MenuState",
    "NoopCB",
    "PageCB",
    "SupportSource",
    "address_text",
    "answer_query",
    "answer_stale",
    "apology",
    "blocked_notice",
    "build_main_menu",
    "button_text",
    "cancel_keyboard",
    "category_label",
    "current_locale",
    "edit_or_send",
    "error_code",
    "error_message",
    "error_text",
    "escape",
    "fmt_count",
    "fmt_date",
    "fmt_datetime",
    "fmt_day",
    "fmt_number",
    "fmt_time",
    "is_not_modified",
    "is_query_too_old",
    "is_transient",
    "label",
    "link_status",
    "load_menu_state",
    "local_now",
    "main_menu",
    "match_button",
    "menu_button",
    "page_or_last",
    "pager_row",
    "preview",
    "role_groups",
    "role_label",
    "safe",
    "send_long",
    "send_main_menu",
    "shift_status_label",
    "specialization_label",
    "split_html",
    "status_label",
    "support_contact",
    "text_button",
    "to_local",
    "tr",
    "truncate",
    "urgency_label",
    "user_status_label",
    "variants",
]
