"""Telegram through python-telegram-bot 22: the channel, its handlers, each update once."""
