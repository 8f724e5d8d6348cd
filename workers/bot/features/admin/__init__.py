"""Manager and admin tools: request lists and actions, /users, /analytics, /settings."""
