"""One request card per role, the same wherever it is opened (docs/behaviour.md §2).

The executor's card (:mod:`.executor`) and the manager's (:mod:`.manager`) are built here, below
the features, because more than one feature opens them: the executor's card comes from the active
list, /my_requests and /request_status; the manager's from the request lists and /request_status.
The applicant's card has one home (``features/requests``) and takes its extras from here too.

Every card shows the same extras (:mod:`.extras`): the people by name, the photos — a
**Photos (N)** button that sends them as albums (:mod:`.photos`) — and, while in
``clarification``, the question and the answers (:mod:`.thread`).
"""

from __future__ import annotations

from workers.bot.core.cards.callbacks import (
    ExecutorActionCB,
    ExecutorCardCB,
    ExecutorListCB,
    ManagerActionCB,
    ManagerCardCB,
    ManagerListCB,
    PhotosCB,
    WorkAction,
)
from workers.bot.core.cards.extras import CardExtras, load_extras, person_name
from workers.bot.core.cards.photos import (
    photo_count,
    photos_row,
    request_photos,
    send_photos,
    with_captions,
)
from workers.bot.core.cards.thread import Thread, load_thread, thread_text

__all__ = [
    "CardExtras",
    "ExecutorActionCB",
    "ExecutorCardCB",
    "ExecutorListCB",
    "ManagerActionCB",
    "ManagerCardCB",
    "ManagerListCB",
    "PhotosCB",
    "Thread",
    "WorkAction",
    "load_extras",
    "load_thread",
    "person_name",
    "photo_count",
    "photos_row",
    "request_photos",
    "send_photos",
    "thread_text",
    "with_captions",
]
