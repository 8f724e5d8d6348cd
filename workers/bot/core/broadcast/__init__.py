"""Broadcasts: a manager's message to an audience, delivered by sender jobs on every worker.

* :mod:`.store` — the ``broadcasts`` / ``broadcast_recipients`` tables: create with the recipient
  snapshot, claim one recipient (committed *before* the Bot API call), mark the result, cancel,
  settle the claims of dead senders, finish with totals.
* :mod:`.limiter` — one Redis script shared by every worker: the interactive gate (any chat of the
  update pipeline with work ready → broadcast sends wait) and a GCRA pace at ``BROADCAST_RATE``;
  a 429 pushes the pace out for every sender.
* :mod:`.message` — the one function that renders a broadcast into a chat (the preview uses it
  too, so the preview is exactly what recipients get), the progress card and its Cancel button.
* :mod:`.delivery` — the sender job (arq, wired in ``workers.pipeline.queue``) and the check that
  keeps ``BROADCAST_RUNNERS`` senders alive per unfinished broadcast.
"""
