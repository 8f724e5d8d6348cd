"""The executor's work: active requests, request cards with work actions, the group pool."""
