"""``python -m bench.broadcast``: broadcast throughput, crash safety, and the cost to conversations.

Real ``bot-gateway worker`` processes (the real bot) against the fake Bot API and services, on a
fresh database and key prefix. Three parts, one run:

1. **Throughput** — a broadcast to ``--recipients`` (10,000) with the pace lifted
   (``BROADCAST_RATE=10000``): messages per second (first to last send at the fake) and worker
   CPU per message.
2. **Crash safety** — the same broadcast again, a worker SIGKILLed twice during it (and restarted):
   duplicates (must be 0), recipients never sent to, and the claims that were under way in the
   killed workers (``unconfirmed``: never re-sent), with the time from the broadcast's creation
   to its final card. ``--parts crash`` runs this part alone (at ``--recipients``, 10,000).
3. **Conversations first** — at the default pace (``BROADCAST_RATE=20``), ``/help`` updates at
   ``--interactive-rate`` (50/s) from their own chats, enqueued as ingest does: enqueue → reply
   (arrival at the fake) p50 / p99 without and with a broadcast running, in alternating windows of
   ``--window`` seconds; the ratio of the p99s is the figure (target ≤ 1.5).

The outgoing global pace (``TELEGRAM_PACE_GLOBAL``) is lifted to 1000/s for the run: 50 replies a
second alone exceed Telegram's 30/s, which would measure the pacing instead of the priority.
"""
