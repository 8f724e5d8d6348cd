"""The bot speaks first (domain.md §5): service events fanned out to their recipients' chat
lanes and delivered there as notifications.

- :mod:`.fanout` — the event lane's handler: recipients (U3, U5, S2), one notification each;
- :mod:`.deliver` — the chat lane's handler: 403, mute, quiet hours, folding, the message;
- :mod:`.render` — texts, buttons and albums per kind, in the recipient's language;
- :mod:`.held` — held notices and their release (arq cron);
- :mod:`.send` — :func:`send_notice`, the send path of every message the bot starts itself.

It sits next to the runtime (it uses the features' callback data), below nothing else.
"""
