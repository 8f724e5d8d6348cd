"""Developer and operator tools: the local stack, the terminal chat, record and replay.

``bot-gateway dev`` runs the whole system on one machine (:mod:`.devstack`), ``bot-gateway chat``
plays a Telegram user against the fake Bot API (:mod:`.chat`), ``bot-gateway record`` copies the
ingest recording stream into JSONL (:mod:`.recorder`, :mod:`.scrub`) and ``bot-gateway replay``
feeds such a file through the real pipeline and worker against the fakes (:mod:`.harness`),
printing a transcript of the bot's Bot API calls per chat (:mod:`.transcript`).
"""
