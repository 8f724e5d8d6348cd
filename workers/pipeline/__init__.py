"""The queue side of a worker: arq wiring, the per-chat drainer, the reaper, cron jobs."""
