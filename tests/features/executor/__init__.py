"""Transcripts and helpers of the staff features (executor, shifts, admin)."""
