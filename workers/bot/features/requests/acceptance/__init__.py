"""Acceptance of executed requests by the applicant (docs/behaviour.md §2 "Acceptance").

A part of the requests feature rather than a feature beside it: it is the last stage of the
applicant's request and works on the request card (its data, buttons, media and replies), and
the card offers its buttons. Its router is its own, included right after the requests router.

The list is R3 ``status=confirmed`` for the applicant (its count is the menu badge). From the
request card, **Accept** asks for a rating 1..5 and calls R9; **Return** collects a reason
(3..1000 characters) and optional media (≤ 5), shows a summary and calls R10 with the key
``draft:<draft_id>``.
"""
