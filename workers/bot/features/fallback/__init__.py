"""The last router: whatever no feature handled gets a short answer, never silence."""
