"""The developer kit: loopback fakes, the local dev stack, the terminal chat, record and replay.

Installed beside the product for development and tests (``make install``); nothing in ``ingest``,
``workers`` or ``shared`` imports it, and the production wheel and image do not contain it.
"""
