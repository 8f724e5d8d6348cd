"""Worker metrics: Prometheus counters and the /metrics port, bot_metrics rows and their rollup."""
