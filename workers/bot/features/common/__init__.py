"""Common commands: /help, /menu, /language, /cancel, Switch role, Profile, maintenance gate."""
