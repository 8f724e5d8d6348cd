"""Loopback fakes of the microservices and of the Telegram Bot API, speaking their real HTTP protocols.

Tests, benches and ``bot-gateway dev`` run them; the product never imports them.
"""
