"""Requests of the applicant (and the executor's own list): /create_request, /my_requests,
/request_status and the request card with the applicant's actions.

Modules: :mod:`.states` (FSM), :mod:`.keyboards` (callback data factories), :mod:`.texts` (RU
msgids; Uzbek in ``requests.po``), :mod:`.drafts` (the typed FSM data of the creation flow),
:mod:`.media` (photos and videos a flow collects, also used by acceptance), the renderers
:mod:`.render_create`, :mod:`.render_list`, :mod:`.render_card` and :mod:`.addresses`, and the
handlers: :mod:`.create_entry` (preconditions and their fixes), :mod:`.create_steps`,
:mod:`.create_confirm` (summary, Edit, duplicate-safe Confirm), :mod:`.listing`,
:mod:`.card` (card, Cancel, Reply) and :mod:`.status_lookup`, gathered by :mod:`.router`.
:mod:`.acceptance` is the applicant's Accept (rating) and Return of an executed request, with a
router of its own.
"""
