"""The bot's side of the Bot API: request middleware (429, retries, 403), pacing, command menus."""
