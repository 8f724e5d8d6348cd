"""The UI toolkit's pure parts: escaping, truncation, splitting, dates, labels."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.bot.core import ui


def test_truncate_then_escape_never_cuts_an_entity() -> None:
    value = "a" * 8 + "&<>" + "b" * 10
    out = ui.safe(value, 10)
    assert out == "aaaaaaaa&amp;…"
    assert ui.safe(None) == "" and ui.safe("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert ui.truncate("abcdef", 6) == "abcdef" and ui.truncate("abcdefg", 6) == "abcde…"
    assert len(ui.truncate("x" * 100, 60)) == 60


def test_preview_is_one_line() -> None:
    assert ui.preview("line one\n\n  line <two>", 60) == "line one line &lt;two&gt;"
    assert len(ui.preview("слово " * 40)) <= 60


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


def _balanced(part: str) -> bool:
    checker = _TagChecker()
    checker.feed(part)
    checker.close()
    return checker.balanced and not checker.stack


def _visible(text: str) -> str:
    return re.sub(r"<[^>]*>", "", text)


def test_split_keeps_short_text_whole() -> None:
    assert ui.split_html("<b>hi</b>") == ["<b>hi</b>"]


def test_split_long_text_under_the_limit_with_balanced_tags() -> None:
    line = (
        '<b>Заявка №250114-007</b> <i>описание &amp; детали</i> <a href="https://t.me/x">ссылка</a>'
    )
    text = "<blockquote>" + "\n".join([line] * 200) + "</blockquote>"
    parts = ui.split_html(text)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= ui.TEXT_LIMIT
        assert _balanced(part), part[:200]
        assert not re.search(r"<[^>]*$", part) and not re.search(r"&[a-z]*$", part)
    # Nothing lost: the visible text (without re-opened tags) is the same, up to cut points.
    joined = "".join(_visible(p) for p in parts)
    assert joined.replace("\n", "") == _visible(text).replace("\n", "")


def test_split_cuts_a_giant_word() -> None:
    parts = ui.split_html("<code>" + "x" * 10_000 + "</code>", limit=1024)
    assert all(len(p) <= 1024 and _balanced(p) for p in parts)
    assert sum(_visible(p).count("x") for p in parts) == 10_000


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "b", "i", "code", "u"]),
            st.text(alphabet="аб cd&<>\n", min_size=0, max_size=300),
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([64, 200, 1024]),
)
def test_split_property(chunks: list[tuple[str, str]], limit: int) -> None:
    text = "".join(
        (f"<{tag}>{ui.escape(body)}</{tag}>" if tag else ui.escape(body)) for tag, body in chunks
    )
    parts = ui.split_html(text, limit)
    for part in parts:
        assert len(part) <= limit
        assert _balanced(part)
    assert "".join(_visible(p) for p in parts).replace("\n", "").replace(" ", "") == _visible(
        text
    ).replace("\n", "").replace(" ", "")


def test_dates_are_shown_in_tashkent() -> None:
    moment = dt.datetime(2025, 1, 14, 20, 30, tzinfo=dt.UTC)
    assert ui.fmt_datetime(moment) == "15.01.2025 01:30"
    assert ui.fmt_date(moment) == "15.01.2025"
    assert ui.fmt_date(dt.date(2025, 1, 14)) == "14.01.2025"
    assert ui.fmt_datetime(moment.replace(tzinfo=None)) == "15.01.2025 01:30"  # naive = UTC
    assert ui.fmt_time(moment) == "01:30"
    assert ui.fmt_datetime(None) == "—"


# Every label of docs/behaviour.md §3, verbatim.
DOMAIN_LABELS = {
    ("category", "electricity"): ("Электрика", "Elektrik"),
    ("category", "internet"): ("Интернет/ТВ", "Internet/TV"),
    ("category", "repair"): ("Ремонт", "Taʼmirlash"),
    ("category", "landscaping"): ("Благоустройство", "Obodlashtirish"),
    ("urgency", "medium"): ("Средняя", "O'rta"),
    ("urgency", "critical"): ("Критическая", "Kritik"),
    ("status", "confirmed"): ("Исполнено", "Ijro etildi"),
    ("status", "cancelled"): ("Отменена", "Bekor qilindi"),
    ("status", "clarification"): ("Уточнение", "Aniqlashtirish"),
    ("role", "applicant"): ("Заявитель", "Ariza beruvchi"),
    ("role", "admin"): ("Администратор", "Administrator"),
    ("user_status", "pending"): ("Ожидает одобрения", "Tasdiqlanishi kutilmoqda"),
    ("specialization", "electrician"): ("Электрика", "Elektrika"),
    ("specialization", "landscaping"): ("Благоустройство", "Obodonlashtirish"),
    ("specialization", "universal"): ("Универсальная", "Universal"),
    ("shift_status", "cancelled"): ("Отменена", "Bekor qilingan"),
    ("shift_status", "paused"): ("Пауза", "Pauza"),
}


@pytest.mark.parametrize(("kind_key", "expected"), DOMAIN_LABELS.items())
def test_labels_match_the_product_wording(
    kind_key: tuple[str, str], expected: tuple[str, str]
) -> None:
    kind, key = kind_key
    assert ui.label(kind, key, "ru") == expected[0]  # type: ignore[arg-type]
    assert ui.label(kind, key, "uz") == expected[1]  # type: ignore[arg-type]


def test_label_tables_are_complete() -> None:
    sizes = {kind: len(values) for kind, values in ui.LABELS.items()}
    assert sizes == {
        "category": 11,
        "urgency": 4,
        "status": 9,
        "role": 4,
        "user_status": 3,
        "specialization": 10,
        "shift_status": 5,
    }
    assert len(ui.MENU_CATEGORIES) == 9 and "other" not in ui.MENU_CATEGORIES
    assert ui.status_label("mystery", "ru") == "mystery"  # unknown keys still read as something
    assert ui.category_label("plumbing") == "Сантехника"  # no i18n context: Russian
