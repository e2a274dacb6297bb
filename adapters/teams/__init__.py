"""The Teams adapter. `PLATFORM` is the key under which the core knows Teams' accounts,
ports and events; `ACCOUNT_COLUMN` the org import's column of Teams user ids."""

from bot.people.org import AccountColumn

PLATFORM = "teams"
ACCOUNT_COLUMN = AccountColumn("teams_user_id", PLATFORM, max_length=200)
