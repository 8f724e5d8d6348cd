"""Onboarding: /start (with ``join_<token>`` invites), resident or employee, phone, apartment."""
