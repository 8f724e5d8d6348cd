"""What every feature and middleware of the bot stands on: context, texts, failures, UI helpers."""
