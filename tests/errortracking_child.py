"""Run by tests/test_errortracking.py in a process of its own (Sentry patches logging globally):
configure like ``bot-gateway worker`` does, then log errors full of secrets and personal data."""

from __future__ import annotations

import logging
import sys

import sentry_sdk

from shared.cli import setup_logging
from shared.errortracking import shutdown_error_tracking
from shared.logs import bind_update_context, get_logger
from shared.settings import load_settings

TOKEN = "123456789:" + "B" * 35
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
PHONE = "+998 90 123 45 67"
NAME = "Dilnoza Karimova"
TEXT = "Kran oqyapti, 12-xonadon"


def main() -> None:
    settings = load_settings()
    setup_logging(settings, service="worker")
    log = get_logger("workers.bot.runtime.handler")
    bind_update_context(update_id=555001, chat_id=4242, user_id=4242)
    try:
        raise RuntimeError(f"Bot API https://api.telegram.org/bot{TOKEN}/sendMessage failed {JWT}")
    except RuntimeError:
        log.exception(
            "update_failed",
            phone_number=PHONE,
            first_name=NAME,
            text=TEXT,
            note=f"call {PHONE} about it",
        )
    # A library logger (stdlib), as arq or aiogram write them.
    logging.getLogger("aiogram.dispatcher").error("failed to send to %s: %s", NAME, TOKEN)
    shutdown_error_tracking(timeout=5)
    print("active" if sentry_sdk.get_client().is_active() else "inactive", file=sys.stderr)


if __name__ == "__main__":
    main()
