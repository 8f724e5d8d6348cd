"""The ordered, durable update pipeline: per-chat inboxes in Redis drained by arq workers.

Ingest calls :class:`Pipeline` (``enqueue`` / ``enqueue_many``); workers run activation jobs
(``workers.pipeline.drain``); the reaper repairs what crashes leave behind
(``workers.pipeline.reaper``). The design, its invariants and its failure analysis are in
docs/pipeline.md.
"""

from shared.pipeline.enqueue import EnqueueResult, EnqueueStatus, Pipeline
from shared.pipeline.envelope import Envelope, parse_envelope
from shared.pipeline.keys import Keys

__all__ = [
    "EnqueueResult",
    "EnqueueStatus",
    "Envelope",
    "Keys",
    "Pipeline",
    "parse_envelope",
]
