"""The console adapter: the bot in a terminal, people known by their e-mail."""

PLATFORM = "console"
