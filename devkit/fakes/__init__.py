"""Loopback fakes of the microservices and the Telegram Bot API, speaking their real protocols.

Tests, benches and ``bot-gateway dev`` run them; the product never imports them.
"""
