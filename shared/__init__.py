"""Code that both sides of the gateway use: settings, logging, storage, the update pipeline."""
