"""The thin receiver: takes updates from Telegram and makes them durable in Redis."""
