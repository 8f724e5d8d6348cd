"""The bot side of a worker: aiogram runtime, middlewares and features over a common core."""
