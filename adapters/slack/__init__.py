"""The Slack adapter. `PLATFORM` is the key under which the core knows Slack's accounts,
ports and events; `ACCOUNT_COLUMN` the org import's column of Slack user ids."""

from bot.people.org import AccountColumn

PLATFORM = "slack"
ACCOUNT_COLUMN = AccountColumn("slack_user_id", PLATFORM, max_length=32)
