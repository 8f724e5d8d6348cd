"""Transcripts and test helpers of the common and onboarding features."""
