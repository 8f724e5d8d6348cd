"""Acceptance of executed requests by the applicant (domain.md §2 "Acceptance").

The list is R3 ``status=confirmed`` for the applicant (its count is the menu badge). From the
request card, **Accept** asks for a rating 1..5 and calls R9; **Return** collects a reason
(3..1000 characters) and optional media (≤ 5), shows a summary and calls R10 with the key
``draft:<draft_id>``.
"""
