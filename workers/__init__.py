"""arq workers that run the bot on updates taken off the pipeline in per-chat order."""
